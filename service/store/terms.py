"""RDF terms in N-Triples syntax ↔ pyoxigraph terms, for binding query parameters safely."""
from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from ..errors import BadRequest

_PROBE_S = "<urn:reformkg:s>"
_PROBE_P = "<urn:reformkg:p>"


def parse_term(text: str) -> NamedNode | Literal | BlankNode:
    """Parse one term written in N-Triples syntax (<iri>, "lit"@zh, "1"^^<…#integer>).

    Parsing it as the object of a probe triple makes the N-Triples parser do all escaping checks,
    so a value can never break out into query syntax.
    """
    if "\n" in text or "\r" in text:
        raise BadRequest("an RDF term cannot contain a line break")
    try:
        triples = list(parse(f"{_PROBE_S} {_PROBE_P} {text} .\n".encode("utf-8"), format=RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise BadRequest(f"not an RDF term in N-Triples syntax: {text!r}") from exc
    if len(triples) != 1:
        raise BadRequest(f"not a single RDF term: {text!r}")
    return triples[0].object
