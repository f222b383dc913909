"""Search in what the reports say, beyond the labels (search/): the reports' texts and the abstracts.

A text is found by the store (`CONTAINS` over `rdf:value` and `dcterms:abstract`, with the looked-for
text bound as a literal parameter), and every place it occurs is then found in Python, case aside, so
that each hit is a passage: the sentence around it, and the facts read from those words
(annotations.py), which is what a reader wants to open. Chinese is matched as written, substrings
and numbers included (110余万); English case-insensitively. There are few texts and abstracts beside
the labels, so the store reads them whole; the label index stays the way to search labels at scale.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, Triple

from reformkg.ontology.vocab import RDFS

from . import annotations, provenance
from .store.base import Backend
from .store.results import select

MAX_PER_TEXT = 50
"""Most passages shown from one text (the page says how many more there are)."""

_TEXTS = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
SELECT ?doc ?text (SAMPLE(?zh_) AS ?zh) (SAMPLE(?en_) AS ?en) WHERE {
  ?doc a rkg:SourceText ; rdf:value ?text FILTER(CONTAINS(LCASE(?text), ?needle))
  OPTIONAL { ?doc rdfs:label ?zh_ FILTER(lang(?zh_) = "zh") }
  OPTIONAL { ?doc rdfs:label ?en_ FILTER(langMatches(lang(?en_), "en")) }
} GROUP BY ?doc ?text ORDER BY ?doc"""
_ABSTRACTS = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?abstract ?label WHERE {
  { SELECT DISTINCT ?s ?abstract WHERE { ?s dcterms:abstract ?abstract FILTER(CONTAINS(LCASE(STR(?abstract)), ?needle)) }
    ORDER BY ?s LIMIT 200 }
  OPTIONAL { ?s rdfs:label|skos:prefLabel ?label }
} ORDER BY ?s"""


@dataclass
class Passage:
    """One place a text holds what was looked for, and the facts read from those words."""

    source: str
    start: int
    end: int
    sentence: provenance.Passage
    spans: list[annotations.Span]
    """The spans that hold the place, the shortest first."""


@dataclass
class TextHits:
    source: str
    passages: list[Passage]
    total: int
    labels: list[Triple]
    """The labels of the facts and of what they link, for naming them."""


@dataclass
class Abstract:
    iri: str
    text: Literal
    sentence: provenance.Passage
    labels: list[Triple]


def _needle(text: str) -> dict[str, str]:
    return {"needle": str(Literal(text.lower()))}


def _places(text: str, needle: str) -> list[int]:
    lowered, found, at = text.lower(), [], 0
    while (at := lowered.find(needle, at)) != -1:
        found.append(at)
        at += max(1, len(needle))
    return found


def in_texts(backend: Backend, looked_for: str) -> list[TextHits]:
    """Every source text that holds `looked_for`, with up to MAX_PER_TEXT of its passages."""
    needle = looked_for.lower()
    result = []
    for row in select(backend, _TEXTS, _needle(looked_for)):
        source, text = row["doc"].value, row["text"].value
        places = _places(text, needle)
        spans, labels = annotations.spans(backend, source)
        passages = []
        for start in places[:MAX_PER_TEXT]:
            end = start + len(needle)
            holding = sorted((s for s in spans if s.start <= start and end <= s.end), key=lambda s: s.end - s.start)
            passages.append(Passage(source, start, end, provenance.sentence(text, start, end), holding))
        named = [Triple(row["doc"], RDFS.label, row[lang]) for lang in ("zh", "en") if lang in row]
        result.append(TextHits(source, passages, len(places), labels + named))
    return result


def in_abstracts(backend: Backend, looked_for: str) -> list[Abstract]:
    """The resources whose abstract holds `looked_for`, each with the sentence it is in."""
    needle = looked_for.lower()
    found: dict[tuple[str, Literal], Abstract] = {}
    for row in select(backend, _ABSTRACTS, _needle(looked_for)):
        abstract = row["abstract"]
        start = abstract.value.lower().find(needle)
        if start < 0:
            continue
        key = (row["s"].value, abstract)
        if key not in found:
            found[key] = Abstract(row["s"].value, abstract,
                                  provenance.sentence(abstract.value, start, start + len(needle)), [])
        if "label" in row:
            found[key].labels.append(Triple(row["s"], RDFS.label, row["label"]))
    return list(found.values())
