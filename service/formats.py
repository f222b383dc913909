"""Every output format the service speaks, in one registry; a new format is one entry in FORMATS.

An entry says what the format is (media type, the `format=` names and the other media types clients
send for it, its title, its file extension and its W3C format IRI), which answers it serves, how
pyoxigraph writes it, and, for query results, how its rows are counted in the bytes as they are
written. Every surface reads its offers from here: the SPARQL endpoint and the query engines, the
Graph Store Protocol, resource pages and their suffix URLs, the named-query API and its OpenAPI
document, the service description and the `reformkg query` command.

The answers (what a format can be offered for):

    results    SELECT and ASK results            graph      CONSTRUCT and DESCRIBE results
    triples    one graph of the store (GSP)      dataset    the whole dataset
    resource   a resource's page or description  api        a named query's rows (GET /api/queries/NAME)

Each answer is offered in the order of FORMATS, the first being the default; negotiation is
negotiation.py's (q-values, wildcards, 406).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import IO, Any, Protocol

from pyoxigraph import QueryResultsFormat, RdfFormat, serialize

from . import negotiation
from .errors import FormNotAcceptable, NotAcceptable, UnsupportedMediaType


class RowCounter(Protocol):
    def feed(self, chunk: bytes) -> int:
        """The rows written so far, `chunk` included."""


@dataclass(frozen=True)
class Format:
    media_type: str
    name: str
    """The `format=` name a link uses (and the one error messages list)."""
    title: str
    answers: frozenset[str]
    syntax: QueryResultsFormat | RdfFormat | None = None
    """How pyoxigraph writes it; None for what the service writes itself (HTML, the API's JSON)."""
    aliases: tuple[str, ...] = ()
    """Other media types clients send for it."""
    names: tuple[str, ...] = ()
    """Other `format=` names for it."""
    extension: str | None = None
    """Of suffix URLs (`/x.ttl`) and files."""
    w3c: str | None = None
    """Its name under https://www.w3.org/ns/formats/, for the service description."""
    rows: Callable[[], RowCounter] | None = None
    """Counts the rows of a SELECT result in its bytes, as they are written (results formats)."""

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.names)

    def write(self, result: Any, output: IO[bytes], prefixes: Mapping[str, str] | None = None) -> None:
        """Serialise a query result (solutions, a boolean) or RDF triples and quads into `output`, once.

        A graph is a set: each triple is written once. pyoxigraph's DESCRIBE over the union default graph
        gives a triple once for every graph that holds it (issue 17); the triples are at most the
        query's max_rows, so the set of those written stays small.
        """
        if isinstance(self.syntax, QueryResultsFormat):
            result.serialize(output, format=self.syntax)
        else:
            serialize(_distinct(result), output, format=self.syntax, prefixes=dict(prefixes or {}))


def _distinct(statements: Iterable[Any]) -> Iterator[Any]:
    seen: set[Any] = set()
    for statement in statements:
        if statement not in seen:
            seen.add(statement)
            yield statement


class TsvRows:
    """TSV escapes line breaks inside terms, so each row is one line, after the header."""

    def __init__(self) -> None:
        self.lines = 0

    def feed(self, chunk: bytes) -> int:
        self.lines += chunk.count(b"\n")
        return self.lines - 1


class CsvRows:
    """Line breaks outside quotes (RFC 4180), less the header: CSV quotes a term with a line break in it."""

    def __init__(self) -> None:
        self.quoted = False
        self.lines = -1

    def feed(self, chunk: bytes) -> int:
        if b'"' not in chunk and not self.quoted:
            self.lines += chunk.count(b"\n")
            return self.lines
        for match in re.finditer(rb'["\n]', chunk):
            if match.group() == b'"':
                self.quoted = not self.quoted
            elif not self.quoted:
                self.lines += 1
        return self.lines


class XmlRows:
    """`<result>` elements: inside a term `<` is always escaped, so the tag is never text."""

    TAG = b"<result>"

    def __init__(self) -> None:
        self.rows = 0
        self.tail = b""

    def feed(self, chunk: bytes) -> int:
        data = self.tail + chunk
        self.rows += data.count(self.TAG)
        self.tail = data[-(len(self.TAG) - 1):]
        return self.rows


_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_OUTSIDE = re.compile(rb'(?:[^"]++|"(?:[^"\\]++|\\.)*+")*+')
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+')
_SPACE = b" \t\r\n"


class JsonRows:
    """The objects of the `bindings` array. Outside strings, an object is either a member's value (after
    `:`) or an array's element (after `[` or `,`), and the only array of objects is `bindings`; strings
    may span chunks, so whether one is open is carried from chunk to chunk."""

    def __init__(self) -> None:
        self.rows = 0
        self.last = b""
        """The last character of the code (strings written as `s`) read so far."""
        self.in_string = False
        self.escaped = False

    def feed(self, chunk: bytes) -> int:
        if b"\\" not in chunk and not self.escaped:
            # No escapes: every quote opens or closes a string, and splitting at quotes alternates.
            parts = chunk.split(b'"')
            self._count(b"s".join(parts[self.in_string::2]))
            if len(parts) % 2 == 0:
                self.in_string = not self.in_string
            if self.in_string:
                self.last = b"s"
            return self.rows
        position = self._string_end(chunk, 0) if self.in_string else 0
        while position is not None and position < len(chunk):
            end = _OUTSIDE.match(chunk, position).end()  # type: ignore[union-attr]
            self._count(_STRING.sub(b"s", chunk[position:end]))
            if end == len(chunk):
                break
            self.in_string, self.last = True, b"s"  # a string starts at `end` and goes on past the chunk
            position = self._string_end(chunk, end + 1)
        return self.rows

    def _count(self, code: bytes) -> None:
        """Count the objects that start in `code` (JSON outside strings, each string written `s`)."""
        code = self.last + code.translate(None, _SPACE)
        self.rows += code.count(b"[{") + code.count(b",{")
        self.last = code[-1:]

    def _string_end(self, chunk: bytes, start: int) -> int | None:
        """Where the open string ends (after its quote), or None when it goes on past the chunk."""
        if self.escaped:
            start, self.escaped = start + 1, False
        end = _STRING_REST.match(chunk, start).end()  # type: ignore[union-attr]
        if end < len(chunk) and chunk[end:end + 1] == b'"':
            self.in_string = False
            return end + 1
        self.escaped = end < len(chunk)  # a backslash is the chunk's last byte
        return None


RESULTS, GRAPH, TRIPLES, DATASET, RESOURCE, API = "results", "graph", "triples", "dataset", "resource", "api"
_GRAPHS = frozenset({GRAPH, TRIPLES, RESOURCE})

FORMATS: tuple[Format, ...] = (
    Format("application/json", "json", "JSON", frozenset({API})),
    Format("application/sparql-results+json", "json", "SPARQL JSON", frozenset({RESULTS, API}),
           QueryResultsFormat.JSON, aliases=("application/json",), names=("sparql-json",),
           w3c="SPARQL_Results_JSON", rows=JsonRows),
    Format("application/sparql-results+xml", "xml", "SPARQL XML", frozenset({RESULTS, API}),
           QueryResultsFormat.XML, aliases=("application/xml", "text/xml"), w3c="SPARQL_Results_XML", rows=XmlRows),
    Format("text/csv", "csv", "CSV", frozenset({RESULTS, API}), QueryResultsFormat.CSV,
           w3c="SPARQL_Results_CSV", rows=CsvRows),
    Format("text/tab-separated-values", "tsv", "TSV", frozenset({RESULTS, API}), QueryResultsFormat.TSV,
           w3c="SPARQL_Results_TSV", rows=TsvRows),
    Format("text/html", "html", "HTML", frozenset({RESOURCE}), aliases=("application/xhtml+xml",)),
    Format("text/turtle", "turtle", "Turtle", _GRAPHS, RdfFormat.TURTLE, aliases=("application/x-turtle",),
           names=("ttl", "n3"), extension="ttl", w3c="Turtle"),
    Format("application/n-triples", "nt", "N-Triples", _GRAPHS, RdfFormat.N_TRIPLES, aliases=("text/plain",),
           names=("ntriples",), extension="nt", w3c="N-Triples"),
    Format("application/rdf+xml", "rdfxml", "RDF/XML", _GRAPHS, RdfFormat.RDF_XML,
           aliases=("application/xml", "text/xml"), names=("xml", "rdf", "rdf+xml"), extension="rdf",
           w3c="RDF_XML"),
    Format("application/ld+json", "jsonld", "JSON-LD", _GRAPHS, RdfFormat.JSON_LD, aliases=("application/json",),
           names=("json", "json-ld"), extension="jsonld", w3c="JSON-LD"),
    Format("application/n-quads", "nquads", "N-Quads", frozenset({GRAPH, DATASET}), RdfFormat.N_QUADS,
           names=("nq",), extension="nq", w3c="N-Quads"),
    Format("application/trig", "trig", "TriG", frozenset({GRAPH, DATASET}), RdfFormat.TRIG, extension="trig",
           w3c="TriG"),
)

_WHAT = {
    RESULTS: "SELECT and ASK results",
    GRAPH: "CONSTRUCT and DESCRIBE results",
    TRIPLES: "a graph",
    DATASET: "the whole dataset",
    RESOURCE: "this resource",
    API: "named query results",
}
BY_MEDIA: dict[str, Format] = {f.media_type: f for f in FORMATS}


@cache
def offered(answer: str) -> tuple[Format, ...]:
    """The formats `answer` is offered in, the default first."""
    return tuple(f for f in FORMATS if answer in f.answers)


def media_types(answer: str) -> tuple[str, ...]:
    return tuple(f.media_type for f in offered(answer))


def _aliases(answer: str) -> dict[str, Format]:
    offers = offered(answer)
    own = {f.media_type for f in offers}
    return {alias: f for f in offers for alias in f.aliases if alias not in own}


@lru_cache(maxsize=256)
def negotiate(accept: str | None, answer: str) -> Format:
    """The format to give `answer` in for this Accept header; raises NotAcceptable listing the offers.

    Kept per header: clients send the same few Accept headers again and again, and parsing one and
    weighing every offer took 8 µs of an uncached lookup's ~0.28 ms in process (test client included).
    A refusal is not kept (lru_cache keeps no exceptions); an Accept header is the client's to vary,
    hence the bound."""
    offers = media_types(answer)
    aliases = _aliases(answer)
    chosen = negotiation.choose(accept, [*offers, *aliases], _WHAT[answer], shown=offers)
    return aliases[chosen] if chosen in aliases else BY_MEDIA[chosen]


def answer_of(form: str) -> str:
    """What a query of this form answers: results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE)."""
    return GRAPH if form in ("CONSTRUCT", "DESCRIBE") else RESULTS


def for_query(accept: str | None, form: str | None) -> Format:
    """The format of a query's answer. Raises NotAcceptable naming every format when the client accepts
    no format of either form, FormNotAcceptable naming those of its form when it accepts only the other
    form's. A text with no form (it will not parse, and the store says why) gets whichever fits."""
    first = answer_of(form) if form is not None else RESULTS
    try:
        return negotiate(accept, first)
    except NotAcceptable as exc:
        other = RESULTS if first == GRAPH else GRAPH
        try:
            fits = negotiate(accept, other)
        except NotAcceptable:
            raise NotAcceptable("no acceptable format for query results; this endpoint offers "
                                + ", ".join(media_types(RESULTS) + media_types(GRAPH))) from None
        if form is None:
            return fits
        raise FormNotAcceptable(exc.message) from None


def stored(media_type: str) -> Format:
    """The format of RDF sent to be stored in a graph (Graph Store Protocol bodies); raises
    UnsupportedMediaType naming those a graph takes."""
    fmt = BY_MEDIA.get(media_type)
    if fmt is None or TRIPLES not in fmt.answers:
        raise UnsupportedMediaType(f"cannot store {media_type or 'a body without a Content-Type'} in a graph; "
                                   "send one of " + ", ".join(media_types(TRIPLES)))
    return fmt


def _spelled(value: str) -> str:
    """A `format=` value as the registry spells it. A `+` typed into a URL (`format=rdf+xml`,
    `format=application/rdf+xml`) arrives as a space, form-decoded, unless the client escaped it."""
    return value.strip().lower().replace(" ", "+")


def named(answer: str, name: str) -> Format | None:
    """The format a `format=` name or a media type stands for, among those `answer` is offered in (the
    first of them that has the name)."""
    value = _spelled(name)
    return next((f for f in offered(answer) if value in f.all_names or value == f.media_type), None)


def names(answer: str) -> list[str]:
    """Every `format=` name of `answer`, in order, each once."""
    return list(dict.fromkeys(n for f in offered(answer) for n in f.all_names))


def accept_for_names(value: str) -> str | None:
    """The Accept header a `format=` value of the SPARQL endpoint stands for (a name or a media type):
    each form's format of that name; None if none has it."""
    value = _spelled(value)
    formats = [f for f in (*offered(RESULTS), *offered(GRAPH)) if value in f.all_names]
    if formats:
        return ", ".join(dict.fromkeys(f.media_type for f in formats))
    known = {*media_types(RESULTS), *media_types(GRAPH), *_aliases(RESULTS), *_aliases(GRAPH)}
    return value if value.split(";")[0].strip() in known else None
