"""Build the dataset: every report in the sources folder, the ontology and the curation, as one
deterministic N-Quads file, validated against the SHACL shapes.

Deterministic means byte-identical on rebuild: no timestamps, no blank nodes, sorted lines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse, serialize

from . import curated, extract, rdf, reports, validate
from .vocab import DCAT, DCTERMS, DEFAULT_BASE, ONTOLOGY, PROV, RDF, RDFS, VOID, XSD, Iris, read_schemes

PACKAGE = Path(__file__).resolve().parent


class BuildError(Exception):
    """The sources, curation or shapes do not give a valid dataset; the message says what to fix."""


@dataclass(frozen=True)
class Paths:
    """Where the build reads from; defaults are the files shipped with the package."""

    sources: Path = PACKAGE / "sources"
    curation: Path = PACKAGE / "curation"
    ontology: Path = PACKAGE.parent / "ontology"

    @classmethod
    def default(cls) -> Paths:
        from importlib.resources import files

        return cls(
            sources=Path(str(files("reformkg.graph.sources"))),
            curation=Path(str(files("reformkg.graph.curation"))),
            ontology=Path(str(files("reformkg.ontology"))),
        )


@dataclass
class BuildResult:
    nquads: bytes
    graphs: dict[str, int]
    """Triples per named graph."""
    reports: list[str]
    warnings: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    """Each report's clean text by report id, for checking spans."""


def build(paths: Paths | None = None, base: str = DEFAULT_BASE, validate_shapes: bool = True) -> BuildResult:
    """Extract every report and assemble the dataset; raises BuildError on any invalid input.

    IRIs are minted and validated under the default base, which the shapes name; the output is
    moved under `base` only after validation.
    """
    paths = paths or Paths.default()
    iris = Iris()
    try:
        curation = curated.load(paths.curation)
        schemes = read_schemes(paths.ontology / "schemes.ttl")
        sources = reports.discover(paths.sources)
    except (ValueError, OSError, SyntaxError) as exc:
        raise BuildError(str(exc)) from exc
    if not sources:
        raise BuildError(f"no report metadata (*.toml) in {paths.sources}")
    quads: list[Quad] = list(_ontology_quads(paths.ontology, iris))
    curation_quads: list[Quad] = []
    texts = {}
    for source in sources:
        try:
            x = extract.extract(source, curation, schemes)
            report_quads, notes = rdf.quads(x, curation, schemes, iris)
        except (ValueError, OSError) as exc:
            raise BuildError(f"{source.id}: {exc}") from exc
        if not x.sections:
            raise BuildError(f"{source.id}: no numbered reform sections found in {source.path.name}")
        texts[source.id] = x.text
        quads.extend(report_quads)
        curation_quads.extend(notes)
    quads.extend(curation_quads)
    quads.extend(_metadata_quads(quads, sources, iris))
    canonical = quads
    if base != DEFAULT_BASE:
        quads = [_rebase_quad(q, Iris(base)) for q in quads]
    lines = sorted({_line(q) for q in quads})
    data = "".join(lines).encode("utf-8")
    graphs: dict[str, int] = {}
    for q in set(quads):
        graphs[q.graph_name.value] = graphs.get(q.graph_name.value, 0) + 1
    result = BuildResult(data, dict(sorted(graphs.items())), [s.id for s in sources], texts=texts)
    if validate_shapes:
        union = "".join(sorted({_line(Quad(q.subject, q.predicate, q.object)) for q in canonical}))
        outcome = validate.validate_ntriples(union, paths.ontology / "shapes.ttl")
        if not outcome.conforms:
            raise BuildError("the dataset does not conform to ontology/shapes.ttl:\n" + outcome.report())
        result.warnings = [str(w) for w in outcome.warnings]
    return result


def _line(quad: Quad) -> str:
    return serialize([quad], format=RdfFormat.N_QUADS).decode("utf-8")


def _ontology_quads(directory: Path, iris: Iris):
    """The ontology and schemes files, their blank nodes relabelled in document order so that
    the output is byte-identical on every build (parsers mint random blank node ids)."""
    graph = iris.graph("ontology")
    for index, name in enumerate(("reformkg.ttl", "schemes.ttl")):
        labels: dict[str, BlankNode] = {}

        def stable(term, labels=labels, index=index):
            if isinstance(term, BlankNode):
                return labels.setdefault(term.value, BlankNode(f"o{index}b{len(labels)}"))
            return term

        for triple in parse(path=str(directory / name), format=RdfFormat.TURTLE):
            yield Quad(stable(triple.subject), triple.predicate, stable(triple.object), graph)


def _rebase_quad(quad: Quad, iris: Iris) -> Quad:
    """Move data IRIs under another base; the ontology's own IRIs never move."""

    def move(term):
        if isinstance(term, NamedNode) and not term.value.startswith(ONTOLOGY):
            return NamedNode(iris.rebase(term.value))
        return term

    return Quad(move(quad.subject), quad.predicate, move(quad.object), move(quad.graph_name))


def _metadata_quads(quads: list[Quad], sources, iris: Iris):
    """A VoID/DCAT description of the dataset, with counts that do not depend on build time."""
    graph = iris.graph("metadata")
    dataset = NamedNode(iris.base + "dataset")
    per_graph: dict[str, int] = {}
    for q in set(quads):
        per_graph[q.graph_name.value] = per_graph.get(q.graph_name.value, 0) + 1

    def add(s, p, o):
        return Quad(s, p, o, graph)

    yield add(dataset, RDF.type, VOID.Dataset)
    yield add(dataset, RDF.type, DCAT.Dataset)
    yield add(dataset, DCTERMS.title, Literal("reformkg: 政府改革报告知识图谱", language="zh"))
    yield add(dataset, DCTERMS.title, Literal("reformkg: a knowledge graph of government reform reports", language="en"))
    yield add(dataset, DCTERMS.license, NamedNode("https://creativecommons.org/licenses/by/4.0/"))
    yield add(dataset, VOID.vocabulary, NamedNode(ONTOLOGY + "#"))
    latest = max(s.published for s in sources)
    yield add(dataset, DCTERMS.modified, Literal(latest.isoformat(), datatype=XSD.date))
    for source in sources:
        yield add(dataset, PROV.wasDerivedFrom, iris.report(source.id))
        yield add(dataset, DCTERMS.source, iris.report(source.id))
    for name, count in sorted(per_graph.items()):
        yield add(dataset, VOID.subset, NamedNode(name))
        yield add(NamedNode(name), RDF.type, VOID.Dataset)
        yield add(NamedNode(name), VOID.triples, Literal(str(count), datatype=XSD.integer))
        yield add(NamedNode(name), RDFS.label, Literal(name[len(iris.base) :], language="en"))
