"""What the graph says about each span of a source text: the facts the text page marks in place.

Every fact the build reads from a report keeps its evidence (`rkg:evidence` → an `oa:SpecificResource`
with a text position): reforms, measures, indicators, documents, programmes, roles, and each link as an
`rdf:Statement`. One query finds them all for a text, with the statement's subject, predicate and
object, so the page can say "reform 9 — target group — persons with disabilities" beside the words.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Triple

from reformkg.ontology.vocab import RDFS

from .describe import iri_term
from .store.base import Backend
from .store.results import select

_PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
"""
FACTS = _PREFIXES + """SELECT ?span ?start ?end ?fact ?type ?s ?p ?o WHERE {
  ?span oa:hasSource ?doc ; oa:hasSelector ?position . ?position oa:start ?start ; oa:end ?end .
  ?fact rkg:evidence ?span ; a ?type .
  OPTIONAL { ?fact rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }
} ORDER BY ?start ?end ?span ?fact ?type"""
LABELS = _PREFIXES + """SELECT DISTINCT ?x ?label WHERE {
  ?span oa:hasSource ?doc . ?fact rkg:evidence ?span ; (rdf:subject|rdf:object)? ?x .
  ?x rdfs:label|skos:prefLabel ?label
}"""


@dataclass
class Fact:
    iri: str
    types: list[str]
    statement: tuple[str, str, str] | None
    """(subject, predicate, object) when the fact is a link, as an rdf:Statement."""


@dataclass
class Span:
    iri: str
    start: int
    end: int
    facts: list[Fact] = field(default_factory=list)


def spans(backend: Backend, text: str) -> tuple[list[Span], list[Triple]]:
    """The spans of the text `text` (an IRI) in text order, each with its facts; and the labels of the
    facts and of what the statements link, as triples for a Labeller."""
    substitutions = {"doc": iri_term(text)}
    found: dict[str, Span] = {}
    facts: dict[tuple[str, str], Fact] = {}
    for row in select(backend, FACTS, substitutions):
        span = found.setdefault(row["span"].value, Span(row["span"].value, int(row["start"].value),
                                                         int(row["end"].value)))
        key = (span.iri, row["fact"].value)
        fact = facts.get(key)
        if fact is None:
            statement = (row["s"].value, row["p"].value, row["o"].value) if "s" in row else None
            fact = facts[key] = Fact(row["fact"].value, [], statement)
            span.facts.append(fact)
        fact.types.append(row["type"].value)
    labels = [Triple(row["x"], RDFS.label, row["label"]) for row in select(backend, LABELS, substitutions)]
    return list(found.values()), labels
