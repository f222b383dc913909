"""Media types ↔ pyoxigraph formats, and which of them each kind of answer is offered in.

One table per kind, in the server's order of preference; aliases are what clients also send for
the same formats (`application/json` for SPARQL JSON results, `text/plain` for N-Triples …).
"""
from __future__ import annotations

from pyoxigraph import QueryResultsFormat, RdfFormat

from .. import negotiation
from ..errors import NotAcceptable
from .base import GRAPH_TYPES, RESULT_TYPES

RESULT_FORMATS: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
RDF_FORMATS: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
}

# What each kind of answer is offered as: SELECT/ASK results, CONSTRUCT/DESCRIBE graphs, one graph of
# the store (Graph Store Protocol), the whole dataset, a resource's page or description (an IRI under the base).
OFFERS: dict[str, tuple[str, ...]] = {
    "results": RESULT_TYPES,
    "graph": GRAPH_TYPES,
    "triples": GRAPH_TYPES[:4],
    "dataset": ("application/n-quads", "application/trig"),
    "resource": ("text/html", *GRAPH_TYPES[:4]),
}
_ALIASES: dict[str, dict[str, str]] = {
    "results": {
        "application/json": "application/sparql-results+json",
        "application/xml": "application/sparql-results+xml",
        "text/xml": "application/sparql-results+xml",
    },
    "graph": {
        "text/plain": "application/n-triples",
        "application/x-turtle": "text/turtle",
        "application/json": "application/ld+json",
        "application/xml": "application/rdf+xml",
        "text/xml": "application/rdf+xml",
    },
}
_ALIASES["triples"] = _ALIASES["graph"]
_ALIASES["resource"] = {"application/xhtml+xml": "text/html", **_ALIASES["graph"]}
_WHAT = {
    "results": "SELECT and ASK results",
    "graph": "CONSTRUCT and DESCRIBE results",
    "triples": "a graph",
    "dataset": "the whole dataset",
    "resource": "this resource",
}

# `format=` values for links in browsers; each names its results and its graph media type, and the
# negotiation for the query's form picks the one that applies.
FORMAT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json, application/ld+json",
    "xml": "application/sparql-results+xml, application/rdf+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "trig": "application/trig",
}


def negotiate(accept: str | None, kind: str) -> str:
    """The canonical media type to answer `kind` in; raises NotAcceptable listing the offers."""
    offers = OFFERS[kind]
    aliases = _ALIASES.get(kind, {})
    chosen = negotiation.choose(accept, [*offers, *aliases], _WHAT[kind], shown=offers)
    return aliases.get(chosen, chosen)


def require_acceptable(accept: str | None) -> None:
    """406 before any work when the client accepts neither query results nor graphs, whatever the form."""
    try:
        negotiate(accept, "results")
    except NotAcceptable:
        try:
            negotiate(accept, "graph")
        except NotAcceptable:
            raise NotAcceptable("no acceptable format for query results; this endpoint offers "
                                + ", ".join(RESULT_TYPES + GRAPH_TYPES)) from None


def accept_for_format(value: str) -> str | None:
    """The Accept header a `format=` value stands for (a name or a media type); None if unknown."""
    value = value.strip().lower()
    if value in FORMAT_NAMES:
        return FORMAT_NAMES[value]
    known = {*RESULT_FORMATS, *RDF_FORMATS, *_ALIASES["results"], *_ALIASES["graph"]}
    return value if value.split(";")[0].strip() in known else None
