"""Dereferenceable IRIs: every IRI minted under the base answers at its path, as a page or as RDF.

`{base}report/r/reform/1` is served at `/report/r/reform/1`: browsers get the resource's page, RDF
clients its description (representations.py negotiates, describe.py reads the store). An IRI the store
knows nothing about is a 404, as a page for browsers.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, render_template, request
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from reformkg.graph.vocab import DCTERMS, OA, ONTOLOGY, RDF, RDFS, RKG, SKOS, XSD, Iris

from .. import cors, describe, formatting, ontology_doc, page_cache, provenance, representations
from ..errors import NotFound
from ..i18n import language, other, pick, translate
from ..links import Site, prefixed

bp = Blueprint("resources", __name__)
cors.allow_reads(bp, "GET, HEAD, OPTIONS")

# Shown in the page's heading (names, types), its summary, or its provenance box rather than as rows.
_HEADING = {RDF.type.value, RDFS.label.value, SKOS.prefLabel.value, DCTERMS.title.value,
            DCTERMS.abstract.value, RKG.evidence.value}
_LABELS = (RDFS.label.value, SKOS.prefLabel.value, DCTERMS.title.value)


def site() -> Site:
    return Site(current_app.config["REFORMKG"].base_iri)


def ontology_graph() -> str:
    return Iris(current_app.config["REFORMKG"].base_iri).graph("ontology").value


@dataclass
class Value:
    text: str
    href: str | None = None
    lang: str | None = None
    note: str | None = None
    """A datatype or a prefixed IRI, shown small beside the value."""
    external: bool = False


@dataclass
class Row:
    label: str
    iri: str
    href: str
    values: list[Value] = field(default_factory=list)


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


class Labeller:
    """Names for IRIs, in the page's language: the description's labels, then the ontology's, then a short form.

    `scopes` (resource → the reports it is in) is given on a page whose lists mix reports: each reform,
    measure or indicator it shows is then named with its report beside it.
    """

    def __init__(self, triples: list[Triple], terms: dict[str, dict[str, str]], lang: str, here: Site,
                 scopes: dict[str, tuple[str, ...]] | None = None) -> None:
        self.lang = lang
        self.t = translate(lang)
        self.site = here
        self.scopes = scopes or {}
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        for iri, by_lang in terms.items():
            self.labels[iri].update(by_lang)
        # External terms the ontology declares and labels are documented on its page.
        self.documented = {iri for iri in terms if iri not in describe.CORE_LABELS and not here.path(iri)}
        for t in triples:
            if t.predicate.value in _LABELS and isinstance(t.object, Literal) and isinstance(t.subject, NamedNode):
                self.labels[t.subject.value].setdefault(t.object.language or "", t.object.value)

    def name(self, iri: str) -> str:
        found = pick(self.labels.get(iri, {}), self.lang)
        if found:
            return found
        path = self.site.path(iri)
        return path.rsplit("/", 1)[-1] if path else prefixed(iri)

    def missing(self, iri: str) -> bool:
        """Whether the resource is named, but not in the page's language (the page says so)."""
        labels = self.labels.get(iri, {})
        return bool(labels) and not labels.get(self.lang) and not labels.get("")

    def scope(self, iri: str) -> str | None:
        """The names of the reports a resource is in, when the page mixes reports; else None."""
        reports = self.scopes.get(iri)
        return " · ".join(self.name(r) for r in reports) if reports else None

    def both(self, iri: str) -> tuple[str | None, str | None]:
        """The label in the page's language and, if different, in the other one."""
        labels = self.labels.get(iri, {})
        first = labels.get(self.lang) or labels.get("")
        second = labels.get(other(self.lang))
        if not first:
            first, second = second, None
        return first, (second if second != first else None)

    def value(self, term: object) -> Value:
        if isinstance(term, NamedNode):
            href, name = self.href(term.value), self.name(term.value)
            external = not href.startswith("/")
            note = prefixed(term.value) if external and prefixed(term.value) != name else self.scope(term.value)
            return Value(name, href, external=external, note=note)
        if isinstance(term, Literal):
            if term.datatype == XSD.boolean:
                return Value(self.t("yes", "是") if term.value in ("true", "1") else self.t("no", "否"))
            # XSD's types read plainly (numbers grouped, dates as written); other datatypes are named.
            note = None if term.language or term.datatype.value.startswith(XSD.iri) else prefixed(term.datatype.value)
            return Value(formatting.literal(term), lang=term.language, note=note)
        assert isinstance(term, BlankNode)
        return Value("(anonymous)")

    def link(self, iri: str) -> Value:
        """An IRI as a value: its name, linked."""
        return self.value(NamedNode(iri))

    def href(self, iri: str) -> str:
        """Where a page links an IRI: its page here, its section of the ontology page, or the IRI itself."""
        if iri in self.documented:
            return "/ontology#" + ontology_doc.anchor(iri, ONTOLOGY)
        return self.site.href(iri)

    def row(self, predicate: str, objects: list) -> Row:
        lang_first = sorted(objects, key=lambda o: (isinstance(o, Literal) and o.language not in (self.lang, None),
                                                    str(o)))
        return Row(self.name(predicate), predicate, self.href(predicate), [self.value(o) for o in lang_first])


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


def description(iri: str) -> list[Triple]:
    """The resource's description; a named graph's also says how many triples it holds now."""
    backend = current_app.extensions["reformkg.backend"]
    triples = describe.describe(backend, iri)
    if iri in backend.named_graphs():
        return describe.describe_graph(backend, iri, site().iri("dataset"), triples)
    return triples


def page(iri: str, alternates: list) -> str:
    """The resource's HTML page."""
    backend = current_app.extensions["reformkg.backend"]
    here, lang = site(), language(request)
    triples = description(iri)
    scopes = describe.scopes(backend, iri)
    # Reports are named beside what the page lists only where it lists things of more than one report.
    labeller = Labeller(triples + scopes.titles, describe.term_labels(backend, ontology_graph()), lang, here,
                        scopes.linked if len(scopes.reports) > 1 else None)
    own = [t for t in triples if t.subject.value == iri]
    types = [t.object.value for t in own if t.predicate.value == RDF.type.value]
    is_span = OA.SpecificResource.value in types
    indicators = describe.indicators(backend, iri, is_indicator=RKG.Indicator.value in types)
    evidence = describe.evidence(backend, iri, is_span=is_span)
    literals, links = _rows(labeller, triples, iri, _HEADING | {RDF.value.value})
    hashes = sorted({t.subject.value for t in triples if t.subject.value.startswith(iri + "#")})
    sections = [Section(h.split("#", 1)[1], labeller.name(h), [r for group in _rows(labeller, triples, h, set())
                                                             for r in group]) for h in hashes]
    incoming = _incoming(labeller, triples, iri, {i.iri for i in indicators} | set(hashes))
    title, subtitle = labeller.both(iri)
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
        indicators=indicators, quantity=formatting.quantity, evidence=evidence, passage=provenance.sentence,
        site=here, labeller=labeller, alternates=alternates, named_graph=iri in backend.named_graphs(),
    )


def _text_page(iri: str, labeller: Labeller, text: str, alternates: list, rows: list[Row], spans: int) -> str:
    """The source text view: the whole text, with `?mark=start-end` highlighted in place."""
    mark = provenance.parse_mark(request.args.get("mark"), len(text))
    title, subtitle = labeller.both(iri)
    return render_template(
        "text.html", iri=iri, title=title or labeller.name(iri), subtitle=subtitle, alternates=alternates,
        paragraphs=provenance.paragraphs(text, mark), mark=mark, rows=rows, spans=spans,
    )


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
    iri = site().iri(asked.path)
    backend = current_app.extensions["reformkg.backend"]
    if not describe.exists(backend, iri):
        return not_found(iri, asked.media_type)
    alternates = representations.alternates(asked.path)
    return representations.respond(asked, html=lambda: page(iri, alternates), triples=lambda: description(iri))
