"""The indicators dashboard (`/dashboard`): how many figures the reports give, by reform, kind, unit,
target group and agency (the indicator list's facets, browse.py), one bar chart each, a series per
report when the store holds several.

Each chart is one grouped query (the store counts, not Python); each bar leads to the indicator list
narrowed to what it counts, so the dashboard is a way into the graph as well as a picture of it.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from pyoxigraph import Triple

from reformkg.ontology.vocab import RDFS

from .. import browse, charts, context, i18n, page_cache
from ..labeller import Labeller
from ..store.results import select

bp = Blueprint("dashboard", __name__)

_COUNT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
SELECT ?report ?v ?label ?order (COUNT(DISTINCT ?i) AS ?n) WHERE {
  ?i a rkg:Indicator ; rkg:reform/dcterms:isPartOf ?report .
  %s
  OPTIONAL { ?v rdfs:label|skos:prefLabel|skos:notation ?label }
  OPTIONAL { ?v rkg:number ?order }
} GROUP BY ?report ?v ?label ?order ORDER BY ?order ?v"""
DIMENSIONS = [f for f in browse.FACETS if f.name != "report"]
"""The indicator list's facets, but the report: the reports are each chart's series."""


@bp.get("/dashboard")
@page_cache.cached
def dashboard() -> str:
    lang = i18n.language(request)
    t = i18n.translate(lang)
    backend = context.backend()
    answers = {d.name: select(backend, _COUNT % d.pattern) for d in DIMENSIONS}
    labels = [Triple(row["v"], RDFS.label, row["label"]) for rows in answers.values() for row in rows
              if "label" in row]
    labeller = Labeller(labels + _report_labels(), context.term_labels(), lang,
                        context.site())
    reports = sorted({row["report"].value for rows in answers.values() for row in rows})
    figures = []
    for d in DIMENSIONS:
        rows = answers[d.name]
        # A key with labels in two languages comes once per label, with the same count.
        counted = {(row["report"].value, row["v"].value): int(row["n"].value) for row in rows}
        keys = list(dict.fromkeys(key for _, key in counted))
        if d.name == "reform":  # reforms read report by report, in their order
            report_of = {key: report for report, key in counted}
            number = {row["v"].value: int(row["order"].value) for row in rows if "order" in row}
            keys.sort(key=lambda k: (report_of[k], number.get(k, 0)))
        else:  # the rest largest first
            keys.sort(key=lambda k: -sum(n for (_, key), n in counted.items() if key == k))
        names = [_name(labeller, key, d, rows) for key in keys]
        by_report: dict[str, dict[str, int]] = {}
        for (report, key), n in counted.items():
            by_report.setdefault(labeller.name(report), {})[names[keys.index(key)]] = n
        title = t(f"Indicators by {d.title_en.lower()}", f"按{d.title_zh}统计指标")
        # A bar leads to the indicators it counts: the indicator list with that facet value chosen.
        chart = charts.counts(title, names, by_report, [f"/indicator/?{urlencode({d.name: k})}" for k in keys])
        figures.append((d.name, chart))
    # Every indicator is in exactly one reform: the reform chart's bars add up to them all.
    total = int(sum(v or 0 for s in figures[0][1].series for v in s.values))
    return render_template("dashboard.html", figures=figures, total=total,
                           reports=[labeller.link(r) for r in reports])


def _name(labeller: Labeller, key: str, d: browse.Facet, rows: list) -> str:
    """A bar's name: a reform's number beside its title, so reforms of one report read in order."""
    if d.name != "reform":
        return labeller.name(key)
    number = next(int(r["order"].value) for r in rows if r["v"].value == key)
    return f"{number:02d} {labeller.name(key)}"


_REPORT_LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
SELECT ?report ?label WHERE { ?report a rkg:Report ; rdfs:label ?label }"""


def _report_labels() -> list[Triple]:
    return [Triple(row["report"], RDFS.label, row["label"]) for row in select(context.backend(), _REPORT_LABELS)]
