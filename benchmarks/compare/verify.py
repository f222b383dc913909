"""Before timing: does every system give the same answer to every query of the mix?

Answers are compared after normalising what the SPARQL formats leave free: blank node labels, Virtuoso's
`typed-literal`, `xsd:string` on plain literals, the lexical form of numbers (82300 = 82300.0), and row
order where the query has no ORDER BY. The verdict per query is `identical` (same solutions or triples),
`same row count` (as many rows or triples, some values differ) or `differs: …`.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pyoxigraph import BlankNode, Literal, RdfFormat, parse

from .mix import Query

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                              "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger")}


@dataclass(frozen=True)
class Answer:
    """A normalised answer: ordered rows (a list) for ORDER BY, a multiset otherwise."""

    kind: str  # rows, boolean, triples
    rows: tuple | Counter | bool

    @property
    def size(self) -> int:
        if self.kind == "boolean":
            return 1
        return sum(self.rows.values()) if isinstance(self.rows, Counter) else len(self.rows)


def _term(t: dict) -> tuple:
    kind = t.get("type")
    if kind == "uri":
        return ("iri", t["value"])
    if kind == "bnode":
        return ("bnode",)
    datatype = t.get("datatype")
    if datatype in NUMERIC:
        try:
            return ("number", Decimal(t["value"]).normalize())
        except InvalidOperation:
            pass
    if datatype == XSD + "string":
        datatype = None
    return ("literal", t["value"], datatype, (t.get("xml:lang") or "").lower())


def _node(n) -> tuple:
    if isinstance(n, BlankNode):
        return ("bnode",)
    if isinstance(n, Literal):
        return _term({"type": "literal", "value": n.value, "datatype": n.datatype.value if not n.language else None,
                      "xml:lang": n.language})
    return ("iri", n.value)


def normalise(query: Query, body: bytes) -> Answer:
    """Parse one answer (SPARQL JSON results or Turtle). Raises ValueError if it cannot be read."""
    if query.form == "CONSTRUCT":
        try:
            triples = parse(body, format=RdfFormat.TURTLE)
            return Answer("triples", Counter((_node(t.subject), t.predicate.value, _node(t.object))
                                             for t in triples))
        except SyntaxError as exc:
            raise ValueError(f"not Turtle: {exc}") from exc
    data = json.loads(body)
    if query.form == "ASK":
        return Answer("boolean", bool(data["boolean"]))
    names = data["head"]["vars"]
    rows = [tuple(_term(b[v]) if v in b else None for v in names) for b in data["results"]["bindings"]]
    if "ORDER BY" in query.text:
        return Answer("rows", tuple(rows))
    return Answer("rows", Counter(rows))


def compare(reference: Answer, other: Answer) -> str:
    if reference.rows == other.rows:
        return "identical"
    if reference.kind == "boolean":
        return f"differs: {other.rows} instead of {reference.rows}"
    if reference.size == other.size:
        return "same row count"
    return f"differs: {other.size} instead of {reference.size}"
