"""The one interface every store backend implements: the embedded Oxigraph store and remote servers.

Views talk only to a `Backend`; they never import pyoxigraph's Store or an HTTP client directly.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

# What each query form can be answered as, in the server's order of preference.
RESULT_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES: tuple[str, ...] = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
)


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None = None
    """The client's Accept header (or the media type a `format=` parameter asked for)."""
    default_graphs: tuple[str, ...] = ()
    """default-graph-uri values; empty means the union of all named graphs."""
    named_graphs: tuple[str, ...] = ()
    """named-graph-uri values; empty means every named graph."""
    substitutions: Mapping[str, str] = field(default_factory=dict)
    """Variable name → RDF term in N-Triples syntax, bound before evaluation (SEP-0007)."""
    timeout: float = 30.0
    """Seconds; a backend lowers it to its configured limit, never raises it."""
    max_rows: int = 100_000
    """Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE); lowered to the configured limit likewise."""
    base_iri: str | None = None


@dataclass
class QueryResponse:
    form: QueryForm
    media_type: str
    body: Iterable[bytes]
    """The serialised result; the first `buffer_bytes` are ready before the response starts."""
    length: int | None = None
    """The body's size when it is complete already (small results), else None (it is streamed)."""


@dataclass(frozen=True)
class Payload:
    """RDF sent to the Graph Store Protocol: one body, or one part of a multipart body."""

    data: bytes
    media_type: str


class Backend(Protocol):
    def query(self, request: QueryRequest) -> QueryResponse:
        """Raises QuerySyntaxError, NotAcceptable, QueryTimeout, EngineFailure, UpstreamError."""

    def update(self, text: str, timeout: float, *, base_iri: str | None = None,
               using_graphs: Sequence[str] = (), using_named_graphs: Sequence[str] = ()) -> None:
        """Apply a SPARQL Update atomically; acknowledged only once it is durable and visible.

        `using_graphs`/`using_named_graphs` are the protocol's using-graph-uri/using-named-graph-uri.
        Raises QuerySyntaxError, BadRequest, Forbidden, QueryTimeout (nothing applied), EngineFailure.
        """

    def graph_get(self, graph: str | None, media_type: str) -> QueryResponse:
        """Serialise a named graph (None: the default graph). Raises NotFound if absent."""

    def dataset_get(self, media_type: str) -> QueryResponse:
        """Serialise every graph of the store (N-Quads or TriG)."""

    def graph_replace(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        """PUT: replace the graph's content in one transaction; returns True if the graph was created.

        Relative IRIs in the payloads resolve against the graph's IRI.
        """

    def graph_add(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        """POST: merge triples into the graph in one transaction; returns True if the graph was created."""

    def graph_delete(self, graph: str | None) -> None:
        """DELETE: drop a named graph or clear the default graph. Raises NotFound if absent."""

    def graph_exists(self, graph: str | None) -> bool: ...

    def named_graphs(self) -> list[str]: ...

    def triple_count(self) -> int: ...

    def close(self) -> None: ...
