"""The ontology's documentation, made from the ontology graph itself (in the spirit of pyLODE).

Each class, property and individual the ontology declares gets a section: its names and definitions in
Chinese and English, then every other statement about it, then what points to it (subclasses, the
properties whose domain or range it is). Anonymous class expressions (`owl:unionOf`) read as "A or B".
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from reformkg.ontology.vocab import DCTERMS, OWL, RDF, RDFS, SKOS

from .readable import literal
from .i18n import other, pick
from .links import prefixed

KINDS: tuple[tuple[str, str, str], ...] = (
    # (rdf:type, English heading, Chinese heading), in the order the page shows them.
    (OWL.Class.value, "Classes", "类"),
    (OWL.ObjectProperty.value, "Object properties", "对象属性"),
    (OWL.DatatypeProperty.value, "Datatype properties", "数据属性"),
    (OWL.AnnotationProperty.value, "Annotation properties", "注释属性"),
    (OWL.NamedIndividual.value, "Individuals", "个体"),
    (SKOS.ConceptScheme.value, "Concept schemes", "概念体系"),
)
# Statements the section heading shows already.
_SHOWN = {RDF.type.value, RDFS.label.value, RDFS.comment.value, RDFS.isDefinedBy.value, SKOS.prefLabel.value,
          SKOS.definition.value}
_CHARACTERISTICS = {OWL.FunctionalProperty.value: ("functional", "函数型"),
                    OWL.InverseFunctionalProperty.value: ("inverse functional", "反函数型"),
                    OWL.TransitiveProperty.value: ("transitive", "传递"),
                    OWL.SymmetricProperty.value: ("symmetric", "对称")}


@dataclass
class Link:
    text: str
    href: str | None = None
    note: str | None = None


@dataclass
class Fact:
    label: str
    values: list[list[Link]]
    """Each value is a run of links and words (a class expression reads "A or B")."""


@dataclass
class Term:
    iri: str
    anchor: str
    name: str
    other_name: str | None
    comment: str | None
    other_comment: str | None
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Group:
    heading: str
    terms: list[Term]


class Index:
    """The ontology graph as subject → predicate → objects, and object → predicate → subjects."""

    def __init__(self, triples: list[Triple]) -> None:
        self.out: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.into: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)
            self.into[t.object][t.predicate.value].append(t.subject)

    def objects(self, subject: object, predicate: str) -> list:
        return self.out.get(subject, {}).get(predicate, [])

    def subjects(self, predicate: str, obj: object) -> list:
        return self.into.get(obj, {}).get(predicate, [])

    def rdf_list(self, head: object) -> list:
        """The members of an RDF collection; a malformed list stops where it breaks."""
        members, node, seen = [], head, set()
        while isinstance(node, BlankNode) and node not in seen and len(seen) < 1000:
            seen.add(node)
            members.extend(self.objects(node, RDF.first.value)[:1])
            node = next(iter(self.objects(node, RDF.rest.value)), None)
        return members

    def texts(self, subject: object, predicate: str) -> dict[str, str]:
        return {o.language or "": o.value for o in self.objects(subject, predicate) if isinstance(o, Literal)}


def render(triples: list[Triple], ontology: str, lang: str, t: Callable[[str, str], str],
           name: Callable[[str], str], href: Callable[[str], str]) -> tuple[dict, list[Group]]:
    """(the ontology's header, its sections by kind). `name` and `href` name and link IRIs outside it."""
    index = Index(triples)
    anchors = _anchors(index, ontology)

    def link(term: object) -> list[Link]:
        if isinstance(term, NamedNode):
            if term.value in anchors:
                return [Link(_name(index, term.value, lang) or anchors[term.value], "#" + anchors[term.value])]
            return [Link(name(term.value), href(term.value))]
        if isinstance(term, Literal):
            return [Link(literal(term), note=term.language or None)]
        return expression(term)

    def expression(node: object) -> list[Link]:
        for inverse in index.objects(node, OWL.inverseOf.value):
            return [Link(t("the inverse of ", "逆属性："))] + link(inverse)
        for operator, word in ((OWL.unionOf.value, t(" or ", " 或 ")), (OWL.intersectionOf.value, t(" and ", " 且 "))):
            for head in index.objects(node, operator):
                parts: list[Link] = []
                for i, member in enumerate(index.rdf_list(head)):
                    parts += ([Link(word)] if i else []) + link(member)
                return parts
        parts = []
        for predicate, objects in sorted(index.out.get(node, {}).items()):
            if predicate == RDF.type.value:
                continue
            for o in objects:
                parts += [Link(("; " if parts else "") + name(predicate) + " ")] + link(o)
        return parts or [Link(t("(anonymous)", "(匿名)"))]

    groups = []
    for kind, heading_en, heading_zh in KINDS:
        members = sorted((s for s in index.subjects(RDF.type.value, NamedNode(kind)) if s.value in anchors),
                         key=lambda s: (not s.value.startswith(ontology), anchors[s.value].lower()))
        terms = [_term(index, s, anchors, lang, t, name, link) for s in members]
        if terms:
            groups.append(Group(t(heading_en, heading_zh), terms))
    head = NamedNode(ontology)
    header = {
        "title": pick(index.texts(head, DCTERMS.title.value), lang) or ontology,
        "description": pick(index.texts(head, DCTERMS.description.value), lang),
        "version": next((o.value for o in index.objects(head, OWL.versionInfo.value)), None),
        "licence": next((o.value for o in index.objects(head, DCTERMS.license.value)), None),
        "creator": next((o.value for o in index.objects(head, DCTERMS.creator.value)), None),
    }
    return header, groups


def _anchors(index: Index, ontology: str) -> dict[str, str]:
    """Every term the page has a section for → its anchor: the local name for the ontology's own terms,
    the prefixed name (`dcterms:title`) for the external ones it declares."""
    declared = {s.value for kind, _, _ in KINDS for s in index.subjects(RDF.type.value, NamedNode(kind))
                if isinstance(s, NamedNode)}
    return {iri: anchor(iri, ontology) for iri in declared}


def anchor(iri: str, ontology: str) -> str:
    """The id of a term's section: `Reform` for `{ontology}#Reform`, `skos:Concept` for an external term,
    `scheme-units` for a concept scheme of the dataset."""
    if iri.startswith(ontology + "#"):
        return iri[len(ontology) + 1:]
    base = ontology.rsplit("/", 1)[0] + "/"
    if iri.startswith(base):
        return re.sub(r"[/#]", "-", iri[len(base):])
    return prefixed(iri)


def _name(index: Index, iri: str, lang: str) -> str | None:
    node = NamedNode(iri)
    return pick(index.texts(node, RDFS.label.value), lang) or pick(index.texts(node, SKOS.prefLabel.value), lang)


def _term(index: Index, node: NamedNode, anchors: dict[str, str], lang: str, t, name, link) -> Term:
    labels = {**index.texts(node, SKOS.prefLabel.value), **index.texts(node, RDFS.label.value)}
    comments = {**index.texts(node, SKOS.definition.value), **index.texts(node, RDFS.comment.value)}
    term = Term(node.value, anchors[node.value], labels.get(lang) or anchors[node.value],
                labels.get(other(lang)), comments.get(lang), comments.get(other(lang)))
    traits = [_CHARACTERISTICS[o.value] for o in index.objects(node, RDF.type.value) if o.value in _CHARACTERISTICS]
    if traits:
        term.facts.append(Fact(t("Characteristics", "特性"), [[Link(t(en, zh))] for en, zh in traits]))
    for predicate, objects in sorted(index.out[node].items()):
        if predicate not in _SHOWN:
            term.facts.append(Fact(name(predicate), [link(o) for o in objects]))
    reverse = ((RDFS.subClassOf.value, t("Subclasses", "子类")),
               (RDFS.subPropertyOf.value, t("Subproperties", "子属性")),
               (RDFS.domain.value, t("In the domain of", "作为定义域")),
               (RDFS.range.value, t("In the range of", "作为值域")),
               (SKOS.inScheme.value, t("Concepts", "概念")))
    for predicate, label in reverse:
        subjects = _pointing(index, predicate, node)
        if subjects:
            term.facts.append(Fact(label, [link(s) for s in subjects]))
    for anonymous in index.subjects(OWL.inverseOf.value, node):
        for parent in index.objects(anonymous, RDFS.subPropertyOf.value):
            term.facts.append(Fact(t("Its inverse is a subproperty of", "其逆属性是以下属性的子属性"), [link(parent)]))
    return term


def _pointing(index: Index, predicate: str, node: NamedNode) -> list:
    """Subjects of `predicate` pointing to `node`, directly or as a member of a union."""
    direct = list(index.subjects(predicate, node))
    for first in index.subjects(RDF.first.value, node):
        head = first
        for _ in range(1000):
            before = index.subjects(RDF.rest.value, head)
            if not before:
                break
            head = before[0]
        for union in index.subjects(OWL.unionOf.value, head):
            direct += index.subjects(predicate, union)
    return sorted(set(direct), key=str)
