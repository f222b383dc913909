"""Lists of instances, one per kind of thing the graph mints (`/agency/`, `/reform/`, `/indicator/` …),
and the facets of the indicator list: what views/browse.py shows, as queries and records.

Each list is a pattern that binds `?s`; the store sorts and pages it (ORDER BY, LIMIT, OFFSET), so a
list of many reports costs one page of rows, not the whole class. The facets (report, reform, unit,
kind, target group, agency) are patterns that bind `?v` for an indicator `?i`: a chosen value is bound
as a parameter (`?f_unit`, sparql/binding.py), never spliced into the text, and each facet counts the
indicators the *other* chosen values admit, so that every value it shows leads somewhere.
"""
from __future__ import annotations

from dataclasses import dataclass

from reformkg.ontology.vocab import DCTERMS, ORG, RKG, Iris

from .nodes import IN_REPORT
from .store.base import Backend
from .store.results import select

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""
PAGE_SIZE = 50


@dataclass(frozen=True)
class Kind:
    """One list: its path (`agency` → `/agency/`), titles, and the pattern binding `?s` (and `?scheme`
    where the kind is a concept scheme's members, bound to `{base}scheme/NAME`)."""

    path: str
    title_en: str
    title_zh: str
    pattern: str
    scheme: str | None = None
    cls: str | None = None
    """The class whose instances the list holds, where it is one class (the landing page links it here)."""


KINDS = (
    Kind("report", "Reports", "报告", "?s a rkg:Report .", cls=RKG.Report.value),
    Kind("reform", "Reforms", "改革事项", "?s a rkg:Reform .", cls=RKG.Reform.value),
    Kind("measure", "Measures", "改革举措", "?s a rkg:Measure .", cls=RKG.Measure.value),
    Kind("indicator", "Indicators", "指标", "?s a rkg:Indicator .", cls=RKG.Indicator.value),
    Kind("agency", "Agencies", "部门", "?s a org:Organization .", cls=ORG.Organization.value),
    Kind("target-group", "Target groups", "服务对象", "?s skos:inScheme ?scheme .", scheme="target-groups"),
    Kind("document", "Policy documents", "政策文件", "?s a rkg:PolicyDocument .", cls=RKG.PolicyDocument.value),
    Kind("programme", "Programmes", "工作项目", "?s a rkg:Programme .", cls=RKG.Programme.value),
    Kind("place", "Places", "地点", "?s a dcterms:Location .", cls=DCTERMS.Location.value),
    Kind("unit", "Units", "计量单位", "?s skos:inScheme ?scheme .", scheme="units"),
    Kind("indicator-kind", "Kinds of figure", "指标类型", "?s skos:inScheme ?scheme .", scheme="indicator-kinds"),
)
BY_PATH = {k.path: k for k in KINDS}
BY_CLASS = {k.cls: k for k in KINDS if k.cls}
SORTS = ("name", "indicators")


@dataclass
class Item:
    iri: str
    label: dict[str, str]
    indicators: int
    report: str | None
    report_label: dict[str, str]


def _substitutions(kind: Kind, base: str) -> dict[str, str]:
    return {"scheme": f"<{Iris(base).scheme(kind.scheme).value}>"} if kind.scheme else {}


def count(backend: Backend, kind: Kind, base: str) -> int:
    query = _PREFIXES + f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {kind.pattern} }}"
    return int(select(backend, query, _substitutions(kind, base))[0]["n"].value)


def items(backend: Backend, kind: Kind, base: str, lang: str, sort: str, descending: bool, page: int) -> list[Item]:
    """One page of the kind's instances: names in both languages, the indicators that link to each, its report."""
    other = "zh" if lang == "en" else "en"
    by_name = f"LCASE(COALESCE(?{lang}, ?{other}, STR(?s)))"
    keys = [by_name, "?indicators"] if sort == "name" else ["?indicators", by_name]
    order = " ".join(f"{'DESC' if descending else 'ASC'}({k})" if i == 0 else f"ASC({k})" for i, k in enumerate(keys))
    query = _PREFIXES + f"""SELECT ?s ?zh ?en ?indicators ?report ?report_zh ?report_en WHERE {{
  {{ SELECT ?s (SAMPLE(?zh_) AS ?zh) (SAMPLE(?en_) AS ?en) (COUNT(DISTINCT ?i) AS ?indicators) (SAMPLE(?r) AS ?report)
            (SAMPLE(?rzh) AS ?report_zh) (SAMPLE(?ren) AS ?report_en)
     WHERE {{
       {kind.pattern}
       OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?zh_ FILTER(lang(?zh_) = "zh") }}
       OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?en_ FILTER(langMatches(lang(?en_), "en")) }}
       OPTIONAL {{ ?i a rkg:Indicator ; ?link ?s }}
       OPTIONAL {{ ?s {IN_REPORT}|dcterms:isPartOf/dcterms:isPartOf ?r . ?r a rkg:Report
                  OPTIONAL {{ ?r rdfs:label ?rzh FILTER(lang(?rzh) = "zh") }}
                  OPTIONAL {{ ?r rdfs:label ?ren FILTER(langMatches(lang(?ren), "en")) }} }}
     }} GROUP BY ?s }}
}} ORDER BY {order} ?s LIMIT {PAGE_SIZE} OFFSET {page * PAGE_SIZE}"""
    found = []
    for row in select(backend, query, _substitutions(kind, base)):
        found.append(Item(row["s"].value, {k: row[k].value for k in ("zh", "en") if k in row},
                          int(row["indicators"].value), row["report"].value if "report" in row else None,
                          {k: row[f"report_{k}"].value for k in ("zh", "en") if f"report_{k}" in row}))
    return found


@dataclass(frozen=True)
class Facet:
    name: str
    title_en: str
    title_zh: str
    pattern: str
    """Binds `?v` for the indicator `?i`."""


FACETS = (
    Facet("report", "Report", "报告", "?i rkg:reform/dcterms:isPartOf ?v ."),
    Facet("reform", "Reform", "改革事项", "?i rkg:reform ?v ."),
    Facet("unit", "Unit", "计量单位", "?i sdmx-attribute:unitMeasure ?v ."),
    Facet("kind", "Kind", "指标类型", "?i rkg:indicatorKind ?v ."),
    Facet("group", "Target group", "服务对象", "?i rkg:targetGroup ?v ."),
    Facet("agency", "Agency", "部门", "?i rkg:agency ?v ."),
)


@dataclass
class Value:
    iri: str
    label: dict[str, str]
    count: int
    order: int | None
    """A reform's number, so reforms are listed in the report's order."""


def chosen_pattern(chosen: dict[str, str], leave_out: str | None = None) -> tuple[str, dict[str, str]]:
    """The patterns and parameters of the chosen facet values (IRIs), but `leave_out`'s."""
    patterns, substitutions = ["?i a rkg:Indicator ."], {}
    for facet in FACETS:
        if facet.name in chosen and facet.name != leave_out:
            patterns.append(facet.pattern.replace("?v", f"?f_{facet.name}"))
            substitutions[f"f_{facet.name}"] = f"<{chosen[facet.name]}>"
    return "\n  ".join(patterns), substitutions


def indicator_count(backend: Backend, chosen: dict[str, str]) -> int:
    where, substitutions = chosen_pattern(chosen)
    query = _PREFIXES + f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ {where} }}"
    return int(select(backend, query, substitutions)[0]["n"].value)


def facet_values(backend: Backend, facet: Facet, chosen: dict[str, str]) -> list[Value]:
    """The facet's values with the number of indicators each admits beside the other chosen values."""
    where, substitutions = chosen_pattern(chosen, leave_out=facet.name)
    query = _PREFIXES + f"""SELECT ?v (SAMPLE(?zh_) AS ?zh) (SAMPLE(?en_) AS ?en) (SAMPLE(?n_) AS ?order)
       (COUNT(DISTINCT ?i) AS ?n) WHERE {{
  {where}
  {facet.pattern}
  OPTIONAL {{ ?v rdfs:label|skos:prefLabel ?zh_ FILTER(lang(?zh_) = "zh") }}
  OPTIONAL {{ ?v rdfs:label|skos:prefLabel ?en_ FILTER(langMatches(lang(?en_), "en")) }}
  OPTIONAL {{ ?v rkg:number ?n_ }}
}} GROUP BY ?v ORDER BY DESC(?n) ?v"""
    values = [Value(row["v"].value, {k: row[k].value for k in ("zh", "en") if k in row}, int(row["n"].value),
                    int(row["order"].value) if "order" in row else None)
              for row in select(backend, query, substitutions)]
    if facet.name == "reform":
        values.sort(key=lambda v: (v.order is None, v.order or 0, v.iri))
    return values
