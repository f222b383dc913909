"""What every store is to the service: a Backend, whose queries and writes pass one policy first.

`Backend.query`, `Backend.terms` and `Backend.update` are that policy, written once for every store:
the text is read once (sparql/guards.py: its length, nesting, SERVICE and LOAD; the one SparqlText
gives the form, the prefixes and where parameters go), parameters are bound as a VALUES block
(sparql/binding.py), the answer's format is negotiated once for the query's form (formats.py), and
the limits a request may lower are lowered. A store (store/embedded/, store/remote/) is left its own
work: run a `Prepared` query and serialise its answer once (`_run`), or give it as terms (`_evaluate`),
apply an update (`_apply`), and the Graph Store Protocol.

Views talk only to a Backend; they never import pyoxigraph's Store or an HTTP client.
"""
from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from pyoxigraph import (
    BlankNode, NamedNode, QueryBoolean, QueryResultsFormat, RdfFormat, Triple, parse, parse_query_results,
)
from pyoxigraph import Literal as RdfLiteral

from .. import formats
from ..errors import FormNotAcceptable, QuerySyntaxError
from ..formats import Format
from ..settings import Settings
from ..sparql import bounded, guards
from ..sparql.binding import bind
from ..sparql.request import QueryRequest

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
Term = NamedNode | RdfLiteral | BlankNode


@dataclass
class QueryResponse:
    form: QueryForm
    media_type: str
    body: Iterable[bytes]
    """The serialised result; the first `buffer_bytes` are ready before the response starts."""
    length: int | None = None
    """The body's size when it is complete already (small results), else None (it is streamed)."""


@dataclass(frozen=True)
class Terms:
    """A query's answer as pyoxigraph terms, for pages and APIs that read it rather than send it."""

    form: str
    variables: tuple[str, ...] = ()
    solutions: tuple[dict[str, Term], ...] = ()
    """SELECT: one dict a row, its unbound variables left out."""
    triples: tuple[Triple, ...] = ()
    """CONSTRUCT, DESCRIBE."""
    boolean: bool | None = None
    """ASK."""


def read_terms(form: str, body: bytes, results: QueryResultsFormat) -> Terms:
    """An answer read back into terms: N-Triples for CONSTRUCT and DESCRIBE, `results` for SELECT and
    ASK. Raises SyntaxError when the bytes are not what they claim."""
    if formats.answer_of(form) == formats.GRAPH:
        return Terms(form, triples=tuple(q.triple for q in parse(body, format=RdfFormat.N_TRIPLES)))
    solutions = parse_query_results(body, format=results)
    if isinstance(solutions, QueryBoolean):
        return Terms("ASK", boolean=bool(solutions))
    names = tuple(v.value for v in solutions.variables)
    return Terms("SELECT", names, tuple({n: s[n] for n in names if s[n] is not None} for s in solutions))


@dataclass(frozen=True)
class Payload:
    """RDF sent to the Graph Store Protocol: one body, or one part of a multipart body."""

    data: bytes | Path
    """The RDF, or the file a large body was spooled to (views/gsp.py), which the embedded store bulk-loads."""
    media_type: str

    def open(self) -> BinaryIO:
        return open(self.data, "rb") if isinstance(self.data, Path) else io.BytesIO(self.data)


@dataclass(frozen=True)
class Limit:
    """A limit as it applies to one request, and what set it (for the error message)."""

    value: float
    source: str

    @classmethod
    def lowered(cls, requested: float | None, configured: float, setting: str) -> Limit:
        """A limit a request may lower but never raise."""
        if requested is not None and requested < configured:
            return cls(requested, "the request")
        return cls(configured, setting)


def too_many_rows(limit: Limit) -> str:
    return f"the result has more than {int(limit.value)} rows, the limit set by {limit.source}; add a LIMIT"


def too_many_bytes(max_bytes: int) -> str:
    return (f"the result is larger than {max_bytes} bytes, the limit set by max_result_bytes; "
            "add a LIMIT or select fewer variables")


@dataclass(frozen=True)
class Prepared:
    """A query read, checked, bound, negotiated and limited: all a store needs to answer it."""

    text: str
    """The query with its parameters bound, as the store runs it."""
    original: str
    """The query as the client wrote it."""
    form: QueryForm
    format: Format | None
    """The format to serialise the answer in; None for an answer as terms."""
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    declares_dataset: bool
    """Whether the text names its own dataset (FROM): else the default graph is the union of all graphs."""
    base_iri: str | None
    max_rows: Limit
    max_bytes: int
    timeout: Limit
    prefixes: Mapping[str, str] = field(default_factory=dict)
    """The query's prefixes, for a graph serialised in Turtle and the like."""
    short: bool = False
    """Whether its work is bounded by the rows it gives (sparql/bounded.py), so that no deadline need stop it."""
    recursion: int | None = None
    """At most how deep parsing and evaluating `text` can recurse (SparqlText.recursion_bound), so that
    an engine knows whether its main thread's stack is enough; None: unknown."""


class Backend(ABC):
    """A store with the policy in front of it; subclasses implement the methods marked abstract."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._after_write: list[Callable[[], None]] = []

    # -- the policy --------------------------------------------------------------------------------

    def query(self, request: QueryRequest) -> QueryResponse:
        """The answer serialised in the negotiated format. Raises PayloadTooLarge, BadRequest, Forbidden
        (guards), NotAcceptable, QuerySyntaxError, ResultTooLarge, QueryTimeout, EngineFailure, UpstreamError."""
        return self._run(self._prepare(request, answered=True))

    def terms(self, request: QueryRequest) -> Terms:
        """The answer as terms; raises as `query` does, NotAcceptable aside."""
        return self._evaluate(self._prepare(request, answered=False))

    def _prepare(self, request: QueryRequest, answered: bool) -> Prepared:
        s = self.settings
        scanned = guards.check(request.query, s, update=False)
        form = scanned.form()
        try:
            fmt = formats.for_query(request.accept, form) if answered else None
        except FormNotAcceptable:
            # A text that does not parse is a syntax error first, whatever the client accepts.
            if (error := scanned.syntax_error()) is not None:
                raise QuerySyntaxError(error) from None
            raise
        form = form or "SELECT"  # a text with no form does not parse: the store says why
        text = bind(request.query, request.substitutions, scanned)
        return Prepared(
            text=text,
            original=request.query,
            form=form,  # type: ignore[arg-type]
            format=fmt,
            default_graphs=tuple(request.default_graphs),
            named_graphs=tuple(request.named_graphs),
            declares_dataset=scanned.declares_dataset(update=False),
            base_iri=request.base_iri,
            max_rows=Limit.lowered(request.max_rows, s.max_result_rows, "max_result_rows"),
            max_bytes=s.max_result_bytes,
            timeout=Limit.lowered(request.timeout, s.query_timeout, "query_timeout"),
            prefixes=scanned.prefixes() if formats.answer_of(form) == formats.GRAPH else {},
            short=not request.substitutions and scanned.kept("short", lambda: bounded.short(scanned)),
            # The bound VALUES block adds fewer units than characters.
            recursion=scanned.recursion_bound + len(text) - len(request.query),
        )

    def update(self, text: str, timeout: float, *, base_iri: str | None = None,
               using_graphs: Sequence[str] = (), using_named_graphs: Sequence[str] = ()) -> None:
        """Apply a SPARQL Update atomically; acknowledged only once it is durable and visible.

        `using_graphs`/`using_named_graphs` are the protocol's using-graph-uri/using-named-graph-uri,
        written into the text as USING clauses (servers differ on the parameters). Raises
        PayloadTooLarge, BadRequest, Forbidden, QuerySyntaxError, QueryTimeout (nothing applied), EngineFailure.
        """
        scanned = guards.check(text, self.settings, update=True)
        if using_graphs or using_named_graphs:
            text = scanned.with_using(using_graphs, using_named_graphs)
        self._apply(text, base_iri, Limit.lowered(timeout, self.settings.query_timeout, "query_timeout"))

    def after_write(self, callback: Callable[[], None]) -> None:
        """Call `callback` after each write this backend acknowledges."""
        self._after_write.append(callback)

    def _acknowledged(self) -> None:
        """A store calls this after each write it acknowledges: an update, a PUT, a POST, a DELETE."""
        for callback in self._after_write:
            callback()

    def generation(self) -> str | None:
        """The version of the data this backend reads, when this process can know it (the embedded
        store's snapshot), so that answers can be kept per version; None when others change it unseen."""
        return None

    def engines_offline(self) -> bool | None:
        """Whether the processes that run queries are off the network; None when there are none here."""
        return None

    # -- the store's own work ----------------------------------------------------------------------

    @abstractmethod
    def _run(self, query: Prepared) -> QueryResponse:
        """Answer in `query.format`, serialised once; rows and bytes counted before the status is chosen."""

    @abstractmethod
    def _evaluate(self, query: Prepared) -> Terms:
        """Answer as terms, rows counted against `query.max_rows`."""

    @abstractmethod
    def _apply(self, text: str, base_iri: str | None, timeout: Limit) -> None:
        """Apply an update checked already."""

    @abstractmethod
    def graph_get(self, graph: str | None, media_type: str) -> QueryResponse:
        """Serialise a named graph (None: the default graph). Raises NotFound if absent."""

    @abstractmethod
    def dataset_get(self, media_type: str) -> QueryResponse:
        """Serialise every graph of the store (N-Quads or TriG)."""

    @abstractmethod
    def graph_replace(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        """PUT: replace the graph's content in one transaction; returns True if the graph was created.

        Relative IRIs in the payloads resolve against the graph's IRI.
        """

    @abstractmethod
    def graph_add(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        """POST: merge triples into the graph in one transaction; returns True if the graph was created."""

    @abstractmethod
    def graph_delete(self, graph: str | None) -> None:
        """DELETE: drop a named graph or clear the default graph. Raises NotFound if absent."""

    @abstractmethod
    def graph_exists(self, graph: str | None) -> bool: ...

    def mentions(self, iri: str) -> bool | None:
        """Whether some quad has `iri` as its subject, object or graph, where this process can tell
        without a query (the embedded store's copy); None: ask the store (describe.exists)."""
        return None

    @abstractmethod
    def named_graphs(self) -> list[str]: ...

    @abstractmethod
    def triple_count(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...
