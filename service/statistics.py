"""Statistics of the dataset, computed from the store when asked (VoID §4.5, https://www.w3.org/TR/void/).

Nothing here is cached: a description must change when the store does, and on this dataset every
query takes milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal

from .store.base import Backend
from .store.results import select

WIKIDATA = "http://www.wikidata.org/entity/"

_DISTINCT = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
TOTALS = f"""SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
    (COUNT(DISTINCT ?o) AS ?objects) WHERE {_DISTINCT}"""
ENTITIES = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ?p ?o FILTER(isIRI(?e) && STRSTARTS(STR(?e), ?space)) }"
CLASSES = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class FILTER(isIRI(?class)) }
GROUP BY ?class ORDER BY DESC(?n) ?class"""
PROPERTIES = f"SELECT ?p (COUNT(*) AS ?n) WHERE {_DISTINCT} GROUP BY ?p ORDER BY ?p"
GRAPHS = "SELECT ?graph (COUNT(*) AS ?n) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"
LINKS = """SELECT ?predicate (COUNT(*) AS ?n) WHERE {
  { SELECT DISTINCT ?s ?predicate ?o WHERE { ?s ?predicate ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), ?target)) } }
} GROUP BY ?predicate ORDER BY ?predicate"""


@dataclass(frozen=True)
class Statistics:
    triples: int
    """Distinct triples of the default graph (the union of the named graphs)."""
    entities: int
    """Distinct IRIs under the base that are subjects (void:entities)."""
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int]
    """Class IRI → instances, most instances first."""
    properties: dict[str, int]
    """Property IRI → triples."""
    graphs: dict[str, int]
    """Named graph IRI → triples."""
    wikidata_links: dict[str, int]
    """Link predicate → triples whose object is a Wikidata entity."""


def _count(row: dict, name: str = "n") -> int:
    term = row[name]
    assert isinstance(term, Literal)
    return int(term.value)


def _literal(text: str) -> str:
    return str(Literal(text))


def compute(backend: Backend, uri_space: str) -> Statistics:
    totals = select(backend, TOTALS)[0]
    entities = select(backend, ENTITIES, {"space": _literal(uri_space)})
    return Statistics(
        triples=_count(totals, "triples"),
        entities=_count(entities[0]),
        distinct_subjects=_count(totals, "subjects"),
        distinct_objects=_count(totals, "objects"),
        classes={r["class"].value: _count(r) for r in select(backend, CLASSES)},
        properties={r["p"].value: _count(r) for r in select(backend, PROPERTIES)},
        graphs={r["graph"].value: _count(r) for r in select(backend, GRAPHS)},
        wikidata_links={r["predicate"].value: _count(r) for r in select(backend, LINKS, {"target": _literal(WIKIDATA)})},
    )
