"""Names for IRIs in a page's language, and the values and rows a page shows them in.

Every page that names resources (a resource's page, the landing page, the ontology, the dataset) names
them through a Labeller: the description's labels, then the ontology's, then a short form.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from reformkg.ontology.vocab import DCTERMS, ONTOLOGY, RDFS, SKOS, XSD

from . import describe, ontology_doc, readable
from .i18n import other, pick, translate
from .links import Site, prefixed

_LABELS = (RDFS.label.value, SKOS.prefLabel.value, DCTERMS.title.value)


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
        self.add(triples)

    def add(self, triples: list[Triple]) -> None:
        """Labels the page found after it began naming things (the facts of a source text)."""
        for t in triples:
            if t.predicate.value in _LABELS and isinstance(t.object, Literal) and isinstance(t.subject, NamedNode):
                self.labels[t.subject.value].setdefault(t.object.language or "", t.object.value)

    def name(self, iri: str) -> str:
        found = pick(self.labels.get(iri, {}), self.lang)
        if found:
            return found
        path = self.site.path(iri)
        return path.rsplit("/", 1)[-1] if path else prefixed(iri)

    def kind(self, types: list[str], link: bool) -> str:
        """What a fact read from a text is called: a link (an rdf:Statement), else its most telling type,
        the ontology's own before the vocabularies it reuses."""
        if link:
            return self.t("Link", "关联")
        return self.name(sorted(types, key=lambda t: (not t.startswith(ONTOLOGY), t))[0])

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
            return Value(readable.literal(term), lang=term.language, note=note)
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
