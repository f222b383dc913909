"""The fixed query mix every system answers, the same text for all of them.

One resource's properties, a GROUP BY count, label search with FILTER CONTAINS (a Chinese substring and
an English word), ORDER BY/LIMIT over indicators, ASK, a CONSTRUCT neighbourhood and COUNT(*). The
resource that the lookup and CONSTRUCT queries name is found in the data (the first reform by IRI),
so the same mix runs on the report graph and on any generated graph built from it.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Store

PREFIXES = """PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
"""

SELECT_TYPE = "application/sparql-results+json"
GRAPH_TYPE = "text/turtle"


@dataclass(frozen=True)
class Query:
    name: str
    what: str
    form: str  # SELECT, ASK or CONSTRUCT: how results are compared and which Accept is sent
    text: str

    @property
    def accept(self) -> str:
        return GRAPH_TYPE if self.form == "CONSTRUCT" else SELECT_TYPE


def focus_resource(store: Store) -> str:
    """The IRI the lookup and CONSTRUCT queries name: the first reform, ordered by IRI."""
    rows = list(store.query(PREFIXES + "SELECT ?r WHERE { ?r a rkg:Reform } ORDER BY STR(?r) LIMIT 1",
                            use_default_graph_as_union=True))
    if not rows:
        raise ValueError("the dataset has no rkg:Reform to look up")
    return rows[0]["r"].value


# name, what it exercises, form, text; FOCUS stands for the looked-up resource's IRI.
MIX = (
    ("lookup", "one resource's properties", "SELECT",
     "SELECT ?p ?o WHERE { FOCUS ?p ?o }"),
    ("group-by", "indicators per reform (GROUP BY, COUNT)", "SELECT",
     "SELECT ?reform (COUNT(?i) AS ?indicators) WHERE {\n  ?i a rkg:Indicator ; rkg:reform ?reform\n} "
     "GROUP BY ?reform"),
    ("search-zh", "label search, Chinese substring (FILTER CONTAINS)", "SELECT",
     'SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(CONTAINS(?label, "养老")) }'),
    ("search-en", "label search, English word (FILTER CONTAINS on LCASE)", "SELECT",
     'SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(CONTAINS(LCASE(?label), "elderly")) }'),
    ("order-limit", "the 10 largest indicator values (ORDER BY DESC, LIMIT)", "SELECT",
     "SELECT ?i ?value WHERE { ?i a rkg:Indicator ; sdmx-measure:obsValue ?value }\n"
     "ORDER BY DESC(?value) ?i LIMIT 10"),
    ("ask", "does reform 10 exist (ASK)", "ASK",
     "ASK { ?r a rkg:Reform ; rkg:number 10 }"),
    ("construct", "the reform's neighbourhood, in and out (CONSTRUCT)", "CONSTRUCT",
     "CONSTRUCT { FOCUS ?p ?o . ?s ?q FOCUS } WHERE { { FOCUS ?p ?o } UNION { ?s ?q FOCUS } }"),
    ("count", "all triples (COUNT(*))", "SELECT",
     "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
)


def queries(focus: str) -> list[Query]:
    """The mix in rotation order; each appears once, so each gets the same share of requests."""
    return [Query(name, what, form, PREFIXES + text.replace("FOCUS", f"<{focus}>")) for name, what, form, text in MIX]


def lookup_only(focus: str) -> list[Query]:
    """The one-resource lookup alone, for the service's overhead over in-process pyoxigraph (target 2)."""
    return [q for q in queries(focus) if q.name == "lookup"]
