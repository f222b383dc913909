"""The human web: the landing page, the query UI (YASGUI) and the ontology's documentation.

Every page extends templates/base.html and is shown in Chinese or English (`?lang=zh|en`, remembered
in a cookie, i18n.py). The ontology page is rendered from the ontology graph in the store, never
written by hand; its sections are anchored by local name, so `…/ontology#Reform` lands on Reform.
"""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, url_for
from pyoxigraph import Triple

from reformkg.ontology.vocab import ONTOLOGY, OWL, PREFIXES, RDF, RDFS

from .. import browse, context, describe, i18n, ontology_doc, page_cache, representations, statistics
from ..labeller import Labeller
from ..sparql.binding import bind
from ..sparql.catalog import NamedQuery
from ..links import prefixed
from ..store.results import select
from ..void import DESCRIPTION, dump_links

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _page_globals() -> dict:
    lang = i18n.language(request)

    def switch(to: str) -> str:
        args = {**request.args.to_dict(), "lang": to}
        return f"{request.path}?{urlencode(args)}"

    return {"lang": lang, "t": i18n.translate(lang), "switch_language": switch}


@bp.after_app_request
def _remember_language(response: Response) -> Response:
    return i18n.remember(request, response)


REPORTS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
SELECT ?report ?issued ?publisher ?text WHERE {
  ?report a rkg:Report .
  OPTIONAL { ?report dcterms:issued ?issued }
  OPTIONAL { ?report dcterms:publisher ?publisher }
  OPTIONAL { ?report rkg:sourceText ?text }
} ORDER BY DESC(?issued) ?report"""

REFORMS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
SELECT ?reform ?report ?n (COUNT(DISTINCT ?i) AS ?indicators) (COUNT(DISTINCT ?m) AS ?measures) WHERE {
  ?reform a rkg:Reform ; rkg:number ?n ; dcterms:isPartOf ?report .
  OPTIONAL { ?i rkg:reform ?reform ; a rkg:Indicator }
  OPTIONAL { ?reform rkg:hasMeasure ?m }
} GROUP BY ?reform ?report ?n ORDER BY ?report ?n"""

NAMES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?s ?label WHERE {
  { ?s a rkg:Report } UNION { ?s a rkg:Reform } UNION { ?report a rkg:Report ; dcterms:publisher ?s }
  ?s rdfs:label ?label
}"""


@dataclass
class Reform:
    iri: str
    number: int
    title: str
    subtitle: str | None
    indicators: int
    measures: int
    missing_label: bool = False
    """Named, but not in the page's language."""


@dataclass
class Report:
    iri: str
    title: str
    subtitle: str | None
    issued: str | None
    publisher: str | None
    publisher_iri: str | None
    text: str | None
    reforms: list[Reform] = field(default_factory=list)
    missing_label: bool = False

    @property
    def measures(self) -> int:
        return sum(r.measures for r in self.reforms)

    @property
    def indicators(self) -> int:
        return sum(r.indicators for r in self.reforms)


def _labeller(extra: list[Triple]) -> Labeller:
    return Labeller(extra, context.term_labels(), i18n.language(request),
                    context.site())


def _reports(labeller: Labeller) -> list[Report]:
    backend = context.backend()
    reports: dict[str, Report] = {}
    for row in select(backend, REPORTS):
        iri = row["report"].value
        title, subtitle = labeller.both(iri)
        publisher = row["publisher"].value if "publisher" in row else None
        reports[iri] = Report(iri, title or labeller.name(iri), subtitle, row["issued"].value if "issued" in row else None,
                              labeller.name(publisher) if publisher else None, publisher,
                              row["text"].value if "text" in row else None, missing_label=labeller.missing(iri))
    for row in select(backend, REFORMS):
        report = reports.get(row["report"].value)
        if report is None:
            continue
        iri = row["reform"].value
        title, subtitle = labeller.both(iri)
        report.reforms.append(Reform(iri, int(row["n"].value), title or labeller.name(iri), subtitle,
                                     int(row["indicators"].value), int(row["measures"].value),
                                     missing_label=labeller.missing(iri)))
    return list(reports.values())


_META_NAMESPACES = (OWL.iri, RDFS.iri, RDF.iri)


@bp.route("/")
@page_cache.cached
def landing() -> str:
    backend = context.backend()
    stats = statistics.compute(backend, context.settings().base_iri)
    labeller = _labeller([Triple(row["s"], RDFS.label, row["label"]) for row in select(backend, NAMES)])
    # The ontology's own classes first, then the vocabularies it reuses; most instances first within each.
    classes = sorted(
        ((_class_href(labeller, iri), labeller.name(iri), iri, n, labeller.href(iri))
         for iri, n in stats.classes.items() if iri in labeller.labels and not iri.startswith(_META_NAMESPACES)),
        key=lambda c: (not c[2].startswith(ONTOLOGY), -c[3], c[1]))
    lang = i18n.language(request)
    return render_template("landing.html", reports=_reports(labeller), stats=stats, classes=classes,
                           site=context.site(),
                           description=DESCRIPTION[lang], dumps=dump_links(), prefixed=prefixed)


def _class_href(labeller: Labeller, iri: str) -> str:
    """A class on the landing page links to the list of its instances, where there is one (browse.py)."""
    kind = browse.BY_CLASS.get(iri)
    return f"/{kind.path}/" if kind else labeller.href(iri)


def prefix_lines() -> str:
    """PREFIX declarations for every vocabulary of the dataset, for the query editor."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@bp.route("/query")
def query_ui() -> str:
    """YASGUI, vendored (static/vendor/yasgui), pointed at /sparql, with the named queries as examples."""
    lang = i18n.language(request)
    examples = []
    for q in context.catalog():
        title = q.title_zh if lang == "zh" else q.title
        description = (q.description_zh or q.description) if lang == "zh" else q.description
        examples.append({"name": q.name, "title": title, "description": description,
                         "query": example_text(title, description, q)})
    config = {
        "endpoint": url_for("sparql.sparql", _external=True),
        "base": context.settings().base_iri,
        "prefixesUrl": url_for("pages.query_prefixes"),
        "defaultQuery": prefix_lines() + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 10\n",
        "examples": examples,
    }
    # Inside <script>, "</" could end the element early: JSON allows writing it "<\/".
    data = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return render_template("query.html", config=data, examples=examples)


def example_text(title: str, description: str, query: NamedQuery) -> str:
    """A named query as the editor shows it: its title and description as comments, not its `#+` lines,
    and its required parameters bound to the catalogue's examples (a VALUES block, as the API binds
    them), so that it runs as it stands and shows where to change them."""
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#+")).lstrip("\n")
    needed = {p.name: [p.example] for p in query.parameters if p.required and p.example}
    notes = ""
    if needed:
        body = bind(body, query.bind(needed))
        notes = "".join(f"# ?{name} is bound to an example ({values[0]}) by the VALUES blocks below; change it there.\n"
                        for name, values in needed.items())
    return (f"# {title}\n" + "".join(f"# {line}\n" for line in textwrap.wrap(description, 96)) + notes + "\n"
            + body)


@bp.route("/query/prefixes.json")
def query_prefixes() -> Response:
    """The prefixes YASGUI's editor suggests and adds as one types (in place of prefix.cc)."""
    return Response(json.dumps(PREFIXES), content_type="application/json")


@bp.route("/ontology")
@bp.route("/ontology.<ext>")
@page_cache.cached
def ontology(ext: str | None = None) -> Response:
    """The whole ontology graph: its documentation page, or the graph in an RDF syntax."""
    representations.known_suffix(ext, "/ontology")
    asked = representations.requested(request.path, request.headers.get("Accept"))
    triples = describe.graph_triples(context.backend(), context.ontology_graph())
    alternates = representations.alternates(asked.path)

    def html() -> str:
        lang = i18n.language(request)
        labeller = _labeller(triples)
        header, groups = ontology_doc.render(triples, ONTOLOGY, lang, i18n.translate(lang), labeller.name,
                                             context.site().href)
        return render_template("ontology.html", header=header, groups=groups, iri=ONTOLOGY,
                               namespace=ONTOLOGY + "#", alternates=alternates)

    return representations.respond(asked, html=html, triples=lambda: triples)
