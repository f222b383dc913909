"""What a node of the graph is shown as in graph tools: a label in each language and one class.

The explorer colours nodes by class and the exports carry it as an attribute, so every resource gets
exactly one display class, the first of CLASSES it has (a programme is a Programme before a Measure;
a concept is named for its scheme: TargetGroup, Unit, Period). `describe` reads what that needs for a
bounded set of IRIs in one query; `collect` reads it from triples already in memory.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from reformkg.ontology.vocab import (
    DCAT, DCTERMS, OA, ORG, OWL, QB, RDF, RDFS, RKG, SCHEMA, SKOS, TIME, VOID,
)

from .i18n import pick
from .store.base import Backend
from .store.results import select

LABELS = (SKOS.prefLabel.value, RDFS.label.value, DCTERMS.title.value)
"""Label properties, most preferred first."""
_KEYS = (RDF.type.value, SKOS.inScheme.value, *LABELS)

CLASSES: tuple[tuple[str, str], ...] = (
    (RKG.Report.value, "Report"),
    (RKG.Reform.value, "Reform"),
    (RKG.Programme.value, "Programme"),
    (RKG.Measure.value, "Measure"),
    (RKG.Indicator.value, "Indicator"),
    (RKG.PolicyDocument.value, "PolicyDocument"),
    (ORG.Organization.value, "Agency"),
    (DCTERMS.Location.value, "Place"),
    (SCHEMA.Place.value, "Place"),
    (RKG.SourceText.value, "SourceText"),
    (OA.SpecificResource.value, "Span"),
    (OA.TextQuoteSelector.value, "Selector"),
    (OA.TextPositionSelector.value, "Selector"),
    (TIME.ProperInterval.value, "Period"),
    (TIME.Instant.value, "Instant"),
    (SKOS.ConceptScheme.value, "Scheme"),
    (QB.DataSet.value, "Dataset"),
    (VOID.Dataset.value, "Dataset"),
    (DCAT.Dataset.value, "Dataset"),
    (OWL.Ontology.value, "Ontology"),
    (OWL.Class.value, "Class"),
    (OWL.ObjectProperty.value, "Property"),
    (OWL.DatatypeProperty.value, "Property"),
    (OWL.AnnotationProperty.value, "Property"),
    (RDF.Property.value, "Property"),
)
SCHEMES = {"scheme/target-groups": "TargetGroup", "scheme/units": "Unit", "scheme/periods": "Period",
           "scheme/programme-kinds": "ProgrammeKind"}
"""A concept's display class, by the path of its scheme under the base."""
CONCEPT = "Concept"
OTHER = "Resource"

DESCRIBE_CHUNK = 10
"""IRIs described per query. Each is a variable of its own, whose binding goes into the union branch that
names it as well as the top of the query: the block grows with the chunk in every branch."""


@dataclass
class NodeInfo:
    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    """Language tag ('' for none) → label, the most preferred label property's."""
    types: list[str] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)
    _rank: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, key: str, value: NamedNode | Literal | BlankNode) -> None:
        if key == RDF.type.value and isinstance(value, NamedNode):
            if value.value not in self.types:
                self.types.append(value.value)
        elif key == SKOS.inScheme.value and isinstance(value, NamedNode):
            self.schemes.append(value.value)
        elif key in LABELS and isinstance(value, Literal):
            lang, rank = value.language or "", LABELS.index(key)
            if rank < self._rank.get(lang, len(LABELS)):
                self.labels[lang], self._rank[lang] = value.value, rank

    def label(self, lang: str) -> str:
        """The label in `lang`, else the other language, else the IRI's last segment."""
        return pick(self.labels, lang) or local_name(self.iri)

    def display_class(self) -> str:
        for iri, name in CLASSES:
            if iri in self.types:
                return name
        if SKOS.Concept.value in self.types or self.schemes:
            for scheme in self.schemes:
                for path, name in SCHEMES.items():
                    if scheme.endswith("/" + path):
                        return name
            return CONCEPT
        return OTHER


def local_name(iri: str) -> str:
    """The last segment of an IRI, after `#` or `/`: what to show when it has no label."""
    tail = iri.rstrip("/#")
    return tail[max(tail.rfind("#"), tail.rfind("/")) + 1:] or iri


def describe(backend: Backend, iris: Sequence[str], *, timeout: float, max_rows: int) -> dict[str, NodeInfo]:
    """Labels, types and schemes of `iris`, in one query per DESCRIBE_CHUNK of them (bounded: a caller
    passes at most a few hundred)."""
    found = {iri: NodeInfo(iri) for iri in iris}
    keys = ", ".join(f"<{k}>" for k in _KEYS)
    for row in _per_node(backend, list(found), "{node} ?k ?v", "?k ?v", f"FILTER(?k IN ({keys}))",
                         timeout=timeout, max_rows=max_rows):
        found[row["node"].value].add(row["k"].value, row["v"])
    return found


@dataclass(frozen=True)
class InReport:
    """The report a reform, measure or indicator is in, and the report's labels (language tag → label)."""

    report: str
    labels: dict[str, str]

    def label(self, lang: str) -> str:
        return pick(self.labels, lang) or local_name(self.report)


IN_REPORT = f"<{DCTERMS.isPartOf.value}>|<{RKG.reform.value}>/<{DCTERMS.isPartOf.value}>"
"""The property path from a reform (part of its report), a measure, an indicator or a programme (in a
reform) to its report."""


def reports(backend: Backend, iris: Sequence[str], *, timeout: float, max_rows: int) -> dict[str, InReport]:
    """The report each of `iris` is in, for those in exactly one, in one query per DESCRIBE_CHUNK of them.
    A programme named by reforms of several reports is left out."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    rows = _per_node(backend, list(dict.fromkeys(iris)), f"{{node}} {IN_REPORT} ?report", "?report ?label",
                     f"?report a <{RKG.Report.value}> OPTIONAL {{ ?report <{RDFS.label.value}> ?label }}",
                     timeout=timeout, max_rows=max_rows)
    for row in rows:
        labels = found.setdefault(row["node"].value, {}).setdefault(row["report"].value, {})
        label = row.get("label")
        if isinstance(label, Literal):
            labels.setdefault(label.language or "", label.value)
    return {node: InReport(*next(iter(by_report.items()))) for node, by_report in found.items() if len(by_report) == 1}


def _per_node(backend: Backend, iris: list[str], pattern: str, columns: str, rest: str, *, timeout: float,
              max_rows: int) -> Iterator[dict]:
    """The rows of `pattern` (with `{node}` for each IRI) and `rest`, projecting ?node and `columns`.

    Each IRI is bound to its own variable (?n0, ?n1 …) as a parameter, so the query text holds only
    variable names; a union branch per variable gathers that node's rows.
    """
    for start in range(0, len(iris), DESCRIBE_CHUNK):
        chunk = iris[start:start + DESCRIBE_CHUNK]
        names = [f"n{i}" for i in range(len(chunk))]
        branches = " UNION ".join(f"{{ {pattern.format(node='?' + n)} BIND(?{n} AS ?node) }}" for n in names)
        text = f"SELECT ?node {columns} WHERE {{ {branches} {rest} }}"
        yield from select(backend, text, {n: str(NamedNode(iri)) for n, iri in zip(names, chunk)},
                          timeout=timeout, max_rows=max_rows)


def collect(triples: Iterable[Triple]) -> dict[str, NodeInfo]:
    """NodeInfo for every subject of `triples` that has a label, type or scheme among them."""
    found: dict[str, NodeInfo] = {}
    for t in triples:
        if t.predicate.value in _KEYS:
            key = node_id(t.subject)
            found.setdefault(key, NodeInfo(key)).add(t.predicate.value, t.object)
    return found


def node_id(term: NamedNode | BlankNode | Literal) -> str:
    """A node's key: the IRI, or `_:id` for a blank node."""
    return term.value if isinstance(term, NamedNode) else str(term)
