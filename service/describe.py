"""What the service says about one resource: its description as triples, and what its page shows.

A description (https://www.w3.org/TR/cooluris/, "Concise Bounded Description" in spirit) is the
resource's own triples, those of its hash resources (`…/span/1-2#quote`), the labels of what it links
to, and the links into it with their subjects' labels, bounded for much-linked resources. Every query
binds the resource as a substitution (`?doc`), never by splicing it into the text.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Triple

from reformkg.ontology.vocab import OWL, RDF, RDFS, VOID, XSD

from .errors import BadRequest
from .nodes import IN_REPORT
from .sparql.terms import iri as checked_iri
from .store.base import Backend
from .store.results import ask, construct, select

INCOMING_LIMIT = 1000
"""Most links into a resource a description lists, with the labels of their subjects (rdf:type links into
a class, or oa:hasSource links into a text, can be thousands)."""

_PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX cur: <http://qudt.org/vocab/currency/>
"""

# The resource is bound as ?doc by a VALUES block put first in the WHERE group (sparql/binding.py): a
# BIND(?doc …) would not see it, and a LIMIT must stay at the top level, where it applies after ?doc is bound.
OWN = _PREFIXES + """CONSTRUCT { ?doc ?p ?o . ?o ?lp ?ol . ?h ?hp ?ho . }
WHERE {
  { ?doc ?p ?o OPTIONAL { ?o ?lp ?ol VALUES ?lp { rdfs:label skos:prefLabel } } }
  UNION { ?doc ?x ?h FILTER(isIRI(?h) && STRSTARTS(STR(?h), CONCAT(STR(?doc), "#"))) ?h ?hp ?ho }
}"""
# Past INCOMING_LIMIT links, which ones are listed is the store's index order, not an order of their
# names: ordering them by name first makes Oxigraph read every linking IRI's text for each comparison, 20 s
# for the 49,600 links into the bureau at 10 M triples, against 0.2 s for these; the page gives the exact total beside them.
INCOMING = _PREFIXES + f"""CONSTRUCT {{ ?in ?ip ?doc . ?in ?lp ?l . }}
WHERE {{ {{ SELECT ?in ?ip ?doc WHERE {{ ?in ?ip ?doc }} LIMIT {INCOMING_LIMIT} }}
  OPTIONAL {{ ?in ?lp ?l VALUES ?lp {{ rdfs:label skos:prefLabel }} }} }}"""

EXISTS = "ASK { { ?doc ?p ?o } UNION { ?s ?p ?doc } UNION { GRAPH ?doc { ?s ?p ?o } } }"

INCOMING_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?in ?ip ?doc }"

GRAPH_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"

GRAPH_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g ?term ?label WHERE { GRAPH ?g { ?term rdfs:label ?label } }"""

_SPAN = """?span oa:hasSource ?source ; oa:hasSelector ?quote, ?position .
  ?quote oa:exact ?exact . ?position oa:start ?start ; oa:end ?end .
  ?source rdf:value ?text ."""
_SPAN_SELECT = "SELECT DISTINCT ?span ?source ?exact ?start ?end ?text WHERE {"
EVIDENCE = _PREFIXES + _SPAN_SELECT.replace("SELECT DISTINCT", "SELECT DISTINCT ?doc") + " ?doc rkg:evidence ?span . " \
    + _SPAN + "} ORDER BY ?start ?end"
SPAN = _PREFIXES + _SPAN_SELECT + _SPAN + "}"

_INDICATOR = """?i a rkg:Indicator ; sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure ?unit ;
     rkg:approximate ?approx ; rkg:evidence ?span .
  ?span oa:hasSelector ?quote, ?position . ?quote oa:exact ?exact . ?position oa:start ?start .
  ?unit skos:notation ?notation .
  OPTIONAL { ?unit skos:exactMatch ?currency FILTER(STRSTARTS(STR(?currency), STR(cur:))) }
  OPTIONAL { ?i rkg:qualifier ?qualifier }
  OPTIONAL { ?i rkg:reform/dcterms:isPartOf ?report }
  OPTIONAL { ?i rdfs:label ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?i rdfs:label ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?i sdmx-dimension:refPeriod ?period .
             OPTIONAL { ?period skos:prefLabel ?period_zh FILTER(lang(?period_zh) = "zh") }
             OPTIONAL { ?period skos:prefLabel ?period_en FILTER(lang(?period_en) = "en") } }"""
_INDICATOR_SELECT = """SELECT DISTINCT ?i ?value ?notation ?currency ?approx ?qualifier ?zh ?en ?period_zh ?period_en
    ?span ?exact ?start ?report WHERE {"""
INDICATORS = _PREFIXES + _INDICATOR_SELECT.replace("SELECT DISTINCT", "SELECT DISTINCT ?doc") + " ?i ?link ?doc . " \
    + _INDICATOR + "} ORDER BY ?start"
INDICATOR = _PREFIXES + _INDICATOR_SELECT + _INDICATOR + "}"

# The reports of the resource itself (?thing unbound) and of what links to it or from it. Bounded, as
# INCOMING is.
SCOPES = _PREFIXES + f"""SELECT DISTINCT ?doc ?thing ?report ?title WHERE {{
  {{ ?doc {IN_REPORT} ?report }}
  UNION {{ ?doc ?p ?thing . ?thing {IN_REPORT} ?report }}
  UNION {{ ?thing ?p ?doc . ?thing {IN_REPORT} ?report }}
  ?report a rkg:Report .
  OPTIONAL {{ ?report rdfs:label ?title }}
}} LIMIT {4 * INCOMING_LIMIT}"""


def iri_term(iri: str) -> str:
    return f"<{iri}>"


def exists(backend: Backend, iri: str) -> bool:
    """Whether the store says anything about `iri`, or names a graph with it. A path that makes no valid
    IRI (`/a b`, `/<x>`) names nothing the store can hold: False, so that it is a 404 like any other."""
    try:
        term = checked_iri(iri)
    except BadRequest:
        return False
    known = backend.mentions(iri)
    return known if known is not None else ask(backend, EXISTS, {"doc": term})


def describe(backend: Backend, iri: str) -> list[Triple]:
    """The resource's triples, its hash resources' triples, the labels of what it links to, and the links
    into it with the labels of their subjects (at most INCOMING_LIMIT)."""
    substitutions = {"doc": iri_term(iri)}
    return [*construct(backend, OWN, substitutions), *construct(backend, INCOMING, substitutions)]


def describe_graph(backend: Backend, iri: str, dataset: str, triples: list[Triple]) -> list[Triple]:
    """A named graph's description: what `triples` say of it, as a VoID subset of `dataset` whose size is
    counted now (the metadata graph's count is the build's, and the store may have changed since)."""
    size = int(select(backend, GRAPH_SIZE, {"g": iri_term(iri)})[0]["n"].value)
    graph = NamedNode(iri)
    kept = [t for t in triples if not (t.subject == graph and t.predicate == VOID.triples)]
    return kept + [Triple(graph, RDF.type, VOID.Dataset), Triple(NamedNode(dataset), VOID.subset, graph),
                   Triple(graph, VOID.triples, Literal(str(size), datatype=XSD.integer))]


def graph_triples(backend: Backend, graph: str) -> list[Triple]:
    """Every triple of one named graph (the ontology is described by its whole graph)."""
    return list(construct(backend, GRAPH_TRIPLES, {"g": iri_term(graph)}))


def incoming_count(backend: Backend, iri: str) -> int:
    return int(select(backend, INCOMING_COUNT, {"doc": iri_term(iri)})[0]["n"].value)


# RDF, RDFS and OWL's own terms, which the ontology uses but does not declare or label.
CORE_LABELS: dict[str, dict[str, str]] = {
    RDF.type.value: {"en": "type", "zh": "类型"},
    RDFS.subClassOf.value: {"en": "subclass of", "zh": "父类"},
    RDFS.subPropertyOf.value: {"en": "subproperty of", "zh": "父属性"},
    RDFS.domain.value: {"en": "domain", "zh": "定义域"},
    RDFS.range.value: {"en": "range", "zh": "值域"},
    RDFS.label.value: {"en": "label", "zh": "标签"},
    RDFS.comment.value: {"en": "comment", "zh": "注释"},
    RDFS.seeAlso.value: {"en": "see also", "zh": "参见"},
    RDFS.isDefinedBy.value: {"en": "defined by", "zh": "定义于"},
    RDF.value.value: {"en": "value", "zh": "值"},
    OWL.sameAs.value: {"en": "same as", "zh": "等同于"},
    OWL.inverseOf.value: {"en": "inverse of", "zh": "逆属性"},
    OWL.equivalentClass.value: {"en": "equivalent class", "zh": "等价类"},
    OWL.disjointWith.value: {"en": "disjoint with", "zh": "不相交于"},
    OWL.versionInfo.value: {"en": "version", "zh": "版本"},
}


def term_labels(backend: Backend, ontology_graph: str) -> dict[str, dict[str, str]]:
    """IRI → language → label, for every term the ontology graph labels (classes, properties, concepts),
    and for the RDF, RDFS and OWL terms in CORE_LABELS."""
    labels: dict[str, dict[str, str]] = {iri: dict(by_lang) for iri, by_lang in CORE_LABELS.items()}
    for row in select(backend, LABELS, {"g": iri_term(ontology_graph)}):
        label = row["label"]
        assert isinstance(label, Literal)
        labels.setdefault(row["term"].value, {}).setdefault(label.language or "", label.value)
    return labels


@dataclass(frozen=True)
class Evidence:
    span: str
    source: str
    exact: str
    start: int
    end: int
    text: str
    """The whole source text the span indexes into."""


def evidence(backend: Backend, iri: str, *, is_span: bool = False) -> list[Evidence]:
    """The spans a resource was read from in text order; with `is_span`, the span `iri` itself."""
    query, variable = (SPAN, "span") if is_span else (EVIDENCE, "doc")
    return [
        Evidence(row["span"].value, row["source"].value, row["exact"].value, int(row["start"].value),
                 int(row["end"].value), row["text"].value)
        for row in select(backend, query, {variable: iri_term(iri)})
    ]


SECTION = _PREFIXES + """SELECT ?source ?text (MIN(?start) AS ?a) (MAX(?end) AS ?b) WHERE {
  ?x (rkg:reform|^rkg:hasMeasure)? ?doc ; rkg:evidence ?span .
  ?span oa:hasSource ?source ; oa:hasSelector ?position . ?position oa:start ?start ; oa:end ?end .
  ?source rdf:value ?text .
} GROUP BY ?source ?text"""

ROLES = _PREFIXES + """PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?thing ?role WHERE {
  ?thing prov:qualifiedAssociation ?association . ?association prov:agent ?doc ; prov:hadRole ?role .
} ORDER BY ?thing ?role"""

AGENCY_INDICATORS = "{ ?i rkg:reform/<http://www.w3.org/ns/prov#wasAssociatedWith> ?doc } UNION { ?i rkg:agency ?doc }"
"""The indicators of an agency's page: those of the reforms it is associated with, and those naming it."""


@dataclass(frozen=True)
class Section:
    """The passage of the text a reform was read from: its heading to the end of its last measure."""

    source: str
    start: int
    end: int
    text: str


def section(backend: Backend, iri: str) -> Section | None:
    rows = [r for r in select(backend, SECTION, {"doc": iri_term(iri)}) if "a" in r]
    if len(rows) != 1:
        return None
    row = rows[0]
    return Section(row["source"].value, int(row["a"].value), int(row["b"].value), row["text"].value)


def roles(backend: Backend, iri: str) -> list[tuple[str, str]]:
    """(what, role) for each thing an agent is associated with through a qualified association."""
    return [(row["thing"].value, row["role"].value) for row in select(backend, ROLES, {"doc": iri_term(iri)})]


@dataclass(frozen=True)
class Indicator:
    iri: str
    value: Decimal
    notation: str
    currency: bool
    approximate: bool
    qualifier: str | None
    label: dict[str, str]
    period: dict[str, str]
    span: str
    exact: str
    start: int
    report: str | None = None
    """The report the indicator is in (through its reform)."""


def indicators(backend: Backend, iri: str, *, is_indicator: bool = False) -> list[Indicator]:
    """The indicators that link to a resource in text order; with `is_indicator`, the indicator `iri` itself."""
    query, variable = (INDICATOR, "i") if is_indicator else (INDICATORS, "doc")
    return [_indicator(row) for row in select(backend, query, {variable: iri_term(iri)})]


def matching_indicators(backend: Backend, where: str, substitutions: dict[str, str], *, order: str, limit: int,
                        offset: int) -> list[Indicator]:
    """One page of the indicators a pattern about `?i` admits (the indicator list and its facets), in
    `order` (an ORDER BY clause the caller writes, never a client's text)."""
    query = (_PREFIXES + _INDICATOR_SELECT + where + "\n" + _INDICATOR + f"}} ORDER BY {order} LIMIT {limit} "
             f"OFFSET {offset}")
    return [_indicator(row) for row in select(backend, query, substitutions)]


def _indicator(row) -> Indicator:
    def text(name: str) -> str | None:
        return row[name].value if name in row else None

    return Indicator(
        iri=row["i"].value, value=Decimal(row["value"].value), notation=row["notation"].value,
        currency="currency" in row, approximate=row["approx"].value == "true", qualifier=text("qualifier"),
        label={k: v for k, v in (("zh", text("zh")), ("en", text("en"))) if v},
        period={k: v for k, v in (("zh", text("period_zh")), ("en", text("period_en"))) if v},
        span=row["span"].value, exact=row["exact"].value, start=int(row["start"].value), report=text("report"),
    )


@dataclass(frozen=True)
class Scopes:
    """Which report a resource, and each resource it links to or from, belongs to."""

    own: tuple[str, ...]
    """The reports of the resource itself: one for a reform, measure or indicator; those that name a programme."""
    linked: dict[str, tuple[str, ...]]
    """The reports of the resources it links to or from, by IRI."""
    titles: list[Triple]
    """The reports' labels, for naming them."""

    @property
    def reports(self) -> set[str]:
        """Every report the resource and its neighbours belong to: more than one, and its lists mix reports."""
        return {*self.own, *(r for reports in self.linked.values() for r in reports)}


def scopes(backend: Backend, iri: str) -> Scopes:
    """The reports of `iri` and of the resources it links to or from (at most 4 × INCOMING_LIMIT of them)."""
    own: dict[str, None] = {}
    linked: dict[str, dict[str, None]] = {}
    titles: set[Triple] = set()
    for row in select(backend, SCOPES, {"doc": iri_term(iri)}):
        report = row["report"]
        (linked.setdefault(row["thing"].value, {}) if "thing" in row else own)[report.value] = None
        if "title" in row:
            titles.add(Triple(report, RDFS.label, row["title"]))
    return Scopes(tuple(sorted(own)), {thing: tuple(sorted(r)) for thing, r in linked.items()},
                  sorted(titles, key=str))
