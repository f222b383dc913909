"""Dereferenceable IRIs: every IRI minted under the base answers at its path, as a page or as RDF.

`{base}report/r/reform/1` is served at `/report/r/reform/1`: browsers get the resource's page, RDF
clients its description (representations.py negotiates, describe.py reads the store). An IRI the store
knows nothing about is a 404, as a page for browsers.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from pyoxigraph import NamedNode, Triple

from reformkg.ontology.vocab import DCTERMS, OA, ORG, RDF, RDFS, RKG, SKOS

from .. import annotations, charts, context, cors, describe, i18n, page_cache, provenance, readable, representations
from ..errors import NotFound
from ..i18n import language
from ..labeller import Labeller, Row

bp = Blueprint("resources", __name__)
cors.allow_reads(bp, "GET, HEAD, OPTIONS")

# Shown in the page's heading (names, types), its summary, or its provenance box rather than as rows.
_HEADING = {RDF.type.value, RDFS.label.value, SKOS.prefLabel.value, DCTERMS.title.value,
            DCTERMS.abstract.value, RKG.evidence.value}


@dataclass
class Section:
    """A hash resource of the page's document (`#quote`, `#position`), with its own rows."""

    fragment: str
    title: str
    rows: list[Row]

    @property
    def as_group(self) -> tuple[str, list[Row], str]:
        """(heading, rows, anchor), as the page lists its groups of rows."""
        return "#" + self.fragment, self.rows, self.fragment


def _rows(labeller: Labeller, triples: list[Triple], subject: str, skip: set[str]) -> tuple[list[Row], list[Row]]:
    """(literal rows, link rows) of one subject's triples, each sorted by property name."""
    by_predicate: dict[str, list] = defaultdict(list)
    for t in triples:
        if t.subject.value == subject and t.predicate.value not in skip:
            by_predicate[t.predicate.value].append(t.object)
    literals, links = [], []
    for predicate, objects in by_predicate.items():
        row = labeller.row(predicate, objects)
        (links if any(isinstance(o, NamedNode) for o in objects) else literals).append(row)
    return sorted(literals, key=lambda r: r.label.lower()), sorted(links, key=lambda r: r.label.lower())


def _incoming(labeller: Labeller, triples: list[Triple], iri: str, leave_out: set[str]) -> list[Row]:
    by_predicate: dict[str, list] = defaultdict(list)
    for t in triples:
        if isinstance(t.object, NamedNode) and t.object.value == iri and t.subject.value not in leave_out \
                and t.subject.value != iri:
            by_predicate[t.predicate.value].append(t.subject)
    return sorted((labeller.row(p, subjects) for p, subjects in by_predicate.items()), key=lambda r: r.label.lower())


def description(iri: str, named_graph: bool | None = None) -> list[Triple]:
    """The resource's description; a named graph's also says how many triples it holds now.

    `named_graph`: whether the IRI names a graph, when the caller has asked already. Asked of the
    store for this one IRI, never by listing every graph: a page listed them all twice (1,600 graphs
    at 10 M triples; over Virtuoso a scan of every quad for each page)."""
    backend = context.backend()
    triples = describe.describe(backend, iri)
    if named_graph if named_graph is not None else backend.graph_exists(iri):
        # describe_graph adds the VoID triples the metadata graph may already state: each once.
        described = describe.describe_graph(backend, iri, context.site().iri("dataset"), triples)
        return list({str(t): t for t in described}.values())
    return triples


def page(iri: str, alternates: list) -> str:
    """The resource's HTML page."""
    backend = context.backend()
    here, lang = context.site(), language(request)
    named_graph = backend.graph_exists(iri)
    triples = description(iri, named_graph)
    scopes = describe.scopes(backend, iri)
    # Reports are named beside what the page lists only where it lists things of more than one report.
    labeller = Labeller(triples + scopes.titles, context.term_labels(), lang, here,
                        scopes.linked if len(scopes.reports) > 1 else None)
    own = [t for t in triples if t.subject.value == iri]
    types = [t.object.value for t in own if t.predicate.value == RDF.type.value]
    is_span = OA.SpecificResource.value in types
    is_agency = ORG.Organization.value in types
    if is_agency:
        indicators = describe.matching_indicators(backend, describe.AGENCY_INDICATORS, {"doc": f"<{iri}>"},
                                                  order="?report ?start ?i", limit=describe.INCOMING_LIMIT, offset=0)
    else:
        indicators = describe.indicators(backend, iri, is_indicator=RKG.Indicator.value in types)
    evidence = describe.evidence(backend, iri, is_span=is_span)
    section = describe.section(backend, iri) if RKG.Reform.value in types else None
    if section is not None:  # the whole section holds the heading the reform was read from
        evidence = [e for e in evidence if not (section.start <= e.start and e.end <= section.end)]
    associated = describe.roles(backend, iri)
    roles = [(labeller.link(thing), labeller.name(role)) for thing, role in associated]
    literals, links = _rows(labeller, triples, iri, _HEADING | {RDF.value.value})
    hashes = sorted({t.subject.value for t in triples if t.subject.value.startswith(iri + "#")})
    sections = [Section(h.split("#", 1)[1], labeller.name(h), [r for group in _rows(labeller, triples, h, set())
                                                             for r in group]) for h in hashes]
    # What the page already lists as its own links is not repeated among the links into it.
    linked = {t.object.value for t in own if isinstance(t.object, NamedNode)} | {thing for thing, _ in associated}
    incoming = _incoming(labeller, triples, iri, {i.iri for i in indicators} | set(hashes) | linked)
    title, subtitle = labeller.both(iri)
    if is_span and evidence and not title:  # a span is named by its words, not by its offsets
        title = f"“{evidence[0].exact}”"
        subtitle = labeller.t(f"characters {evidence[0].start}–{evidence[0].end} of the text",
                              f"原文第 {evidence[0].start}–{evidence[0].end} 个字符")
    abstract = [t.object for t in own if t.predicate.value == DCTERMS.abstract.value]
    text = next((t.object.value for t in own if t.predicate.value == RDF.value.value), None)
    if RKG.SourceText.value in types and text is not None:
        spans = sum(1 for t in triples if t.predicate == OA.hasSource and t.object == NamedNode(iri))
        return _text_page(iri, labeller, text, alternates, literals + links, spans)
    return render_template(
        "resource.html", iri=iri, title=title or labeller.name(iri), subtitle=subtitle,
        missing_label=labeller.missing(iri), reports=[labeller.link(r) for r in scopes.own],
        mixed=len({i.report for i in indicators}) > 1,
        types=[labeller.value(NamedNode(t)) for t in types], abstract=abstract,
        literals=literals, links=links, sections=sections, incoming=incoming,
        incoming_total=describe.incoming_count(backend, iri), incoming_limit=describe.INCOMING_LIMIT,
        indicators=indicators, quantity=readable.quantity, indicator_chart=_indicator_chart(indicators, iri, lang),
        evidence=evidence, passage=provenance.sentence, section=section, roles=roles,
        site=here, labeller=labeller, alternates=alternates, named_graph=named_graph,
    )


def _indicator_chart(indicators: list[describe.Indicator], iri: str, lang: str) -> charts.Chart | None:
    """The chart of the indicators a page lists: none on an indicator's own page, nor for a single figure."""
    if len(indicators) < 2:
        return None
    title = i18n.translate(lang)("The indicators' values", "指标数值")
    return charts.indicators(title, indicators, lang, context.site().href)


def _text_page(iri: str, labeller: Labeller, text: str, alternates: list, rows: list[Row], spans: int) -> str:
    """The source text view: the whole text with every fact read from it marked where it was read
    (annotations.py), and `?mark=start-end` highlighted in place."""
    mark = provenance.parse_mark(request.args.get("mark"), len(text))
    title, subtitle = labeller.both(iri)
    found, labels = annotations.spans(context.backend(), iri)
    labeller.add(labels)
    kinds: dict[str, set[str]] = defaultdict(set)
    for span in found:
        for fact in span.facts:
            kinds[labeller.kind(fact.types, bool(fact.statement))].add(fact.iri)
    return render_template(
        "text.html", iri=iri, title=title or labeller.name(iri), subtitle=subtitle, alternates=alternates,
        paragraphs=provenance.paragraphs(text, mark, [(s.start, s.end) for s in found]), mark=mark, rows=rows,
        spans=spans, facts=json.dumps([_span_json(s, labeller) for s in found], ensure_ascii=False).replace("</", "<\\/"),
        kinds=sorted(((k, len(v)) for k, v in kinds.items()), key=lambda kv: -kv[1]),
        fact_total=len({f.iri for s in found for f in s.facts}),
    )


def _span_json(span: annotations.Span, labeller: Labeller) -> dict:
    """A span and its facts as the text page's script shows them (static/js/annotations.js)."""
    def named(iri: str) -> dict:
        return {"name": labeller.name(iri), "href": labeller.href(iri)}

    return {"start": span.start, "end": span.end, "href": labeller.href(span.iri), "facts": [
        {**named(f.iri), "kind": labeller.kind(f.types, bool(f.statement)),
         "statement": [named(part) for part in f.statement] if f.statement else None} for f in span.facts]}


def not_found(iri: str, media_type: str) -> Response:
    """404: a page for browsers, the one error shape for everyone else."""
    if media_type != representations.HTML:
        raise NotFound(f"no resource <{iri}> in this dataset")
    html = render_template("not_found.html", iri=iri, path=request.path)
    return Response(html, status=404, content_type="text/html; charset=utf-8")


@bp.route("/<path:path>")
@page_cache.cached
def resource(path: str) -> Response:
    asked = representations.requested("/" + path, request.headers.get("Accept"))
    iri = context.site().iri(asked.path)
    backend = context.backend()
    if not describe.exists(backend, iri):
        return not_found(iri, asked.media_type)
    alternates = representations.alternates(asked.path)
    return representations.respond(asked, html=lambda: page(iri, alternates), triples=lambda: description(iri))
