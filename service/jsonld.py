"""The dataset's JSON-LD context, and JSON-LD compacted with it, so JSON consumers get short keys.

The context is generated, never written by hand: the prefixes come from ontology/vocab.py, the terms from
the properties the ontology declares (object properties are `"@type": "@id"`, names and titles are
language maps). This server publishes it at `/context.jsonld`, and every JSON-LD answer refers to it
there, on the host that answered (representations.py), so that it resolves wherever the service runs.

pyoxigraph writes JSON-LD in expanded form only; PyLD, the JSON-LD API's reference implementation in
Python, compacts it (https://www.w3.org/TR/json-ld11-api/#compaction-algorithm). rdflib's serialiser did
before, and dropped every blank node reached through a property typed `@id` (the dataset's publisher),
so the JSON-LD said less than the Turtle (issue 17).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from pyld import jsonld
from pyoxigraph import RdfFormat, Triple, serialize

from reformkg.ontology.vocab import OWL, PREFIXES, RDF, RDFS, SKOS, DCTERMS

from .store.base import Backend
from .store.results import select

# Properties every description uses that the ontology does not declare (RDF, RDFS and OWL's own).
CORE_TERMS: tuple[tuple[str, bool], ...] = (
    (RDFS.label.value, False), (RDFS.comment.value, False), (RDF.value.value, False),
    (OWL.sameAs.value, True), (RDFS.seeAlso.value, True), (RDFS.isDefinedBy.value, True),
    (RDFS.subClassOf.value, True), (RDFS.subPropertyOf.value, True), (RDFS.domain.value, True),
    (RDFS.range.value, True), (OWL.inverseOf.value, True),
)
# Names, titles and texts are written once per language: a language map reads {"zh": …, "en": …}.
LANGUAGE_MAPS = frozenset(t.value for t in (
    RDFS.label, RDFS.comment, SKOS.prefLabel, SKOS.altLabel, SKOS.definition, SKOS.scopeNote,
    DCTERMS.title, DCTERMS.abstract, DCTERMS.description,
))
_KEYWORDS = {"id", "type"}

PROPERTIES_QUERY = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?ontology ?property ?kind WHERE {
  GRAPH ?ontology { ?property a ?kind }
  VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }
}"""


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _rank(iri: str) -> tuple[int, str]:
    """Terms of earlier vocabularies in PREFIXES win a clash of local names (rkg:measure over qb:measure)."""
    for i, namespace in enumerate(PREFIXES.values()):
        if iri.startswith(namespace):
            return i, iri
    return len(PREFIXES), iri


def build_context(properties: Iterable[tuple[str, bool]]) -> dict[str, Any]:
    """The context for `properties`, given as (IRI, whether its values are resources)."""
    context: dict[str, Any] = dict(PREFIXES)
    context.update({"id": "@id", "type": "@type"})
    taken = set(context)
    declared = dict(CORE_TERMS)
    for iri, is_object in sorted(properties, key=lambda p: _rank(p[0])):
        declared.setdefault(iri, is_object)
    for iri, is_object in declared.items():
        term = _local(iri)
        if term in taken or term in _KEYWORDS or not term:
            continue
        taken.add(term)
        definition: dict[str, str] = {"@id": iri}
        if is_object:
            definition["@type"] = "@id"
        elif iri in LANGUAGE_MAPS:
            definition["@container"] = "@language"
        context[term] = definition
    return context


def context(backend: Backend, ontology_graph: str) -> dict[str, Any]:
    """The context for the properties the ontology in `ontology_graph` declares."""
    rows = select(backend, PROPERTIES_QUERY, {"ontology": f"<{ontology_graph}>"})
    return build_context((row["property"].value, row["kind"].value == OWL.ObjectProperty.value) for row in rows)


def _load_nothing(url: str, options: dict | None = None) -> dict:
    """The context is given inline: compaction has nothing to fetch, and the server never fetches."""
    raise jsonld.JsonLdError(f"not loading {url}: the context is inline", "jsonld.LoadDocumentError",
                             code="loading document failed")


def compact(triples: Iterable[Triple], ctx: dict[str, Any], context_url: str) -> bytes:
    """JSON-LD of `triples` compacted with `ctx`, whose `@context` is `context_url` (where ctx is published)."""
    expanded = _types_as_type(json.loads(serialize(list(triples), format=RdfFormat.JSON_LD)))
    document = jsonld.compact(expanded, {"@context": ctx}, {"documentLoader": _load_nothing})
    document["@context"] = context_url
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _types_as_type(expanded: Any) -> Any:
    """rdf:type as `@type`, as JSON-LD's own conversion from RDF writes it (useRdfType false): pyoxigraph
    writes it as a property, which compacts to `"rdf:type": {"id": …}` instead of `"type": …`."""
    nodes = expanded if isinstance(expanded, list) else [expanded]
    for node in nodes:
        if isinstance(node, dict):
            if "@graph" in node:
                _types_as_type(node["@graph"])
            values = node.get(_RDF_TYPE)
            if isinstance(values, list) and all(isinstance(v, dict) and set(v) == {"@id"} for v in values):
                del node[_RDF_TYPE]
                node["@type"] = [*node.get("@type", []), *(v["@id"] for v in values)]
    return expanded
