"""Build the dataset: every report in the sources folders, the ontology and the curation, as one
deterministic N-Quads file, validated against the SHACL shapes.

Deterministic means byte-identical for the same inputs and the same build time: no blank nodes,
sorted lines, and the one clock reading (the provenance's end time) given by the caller.

Each report is read, extracted and validated on its own, as if it were built alone; one that fails
is left out with the reason, and the others are built. The reports that pass are then validated
together, which checks what they share (entities described once for all, the metadata graph).
"""
from __future__ import annotations

import datetime as dt
import importlib.metadata
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse, serialize

from . import curated, extract, rdf, reports, validate
from reformkg.ontology.vocab import (
    DCAT, DCTERMS, DEFAULT_BASE, ONTOLOGY, PROV, RDF, RDFS, SCHEMA, VOID, XSD, Iris, Schemes, read_schemes,
)

PACKAGE = Path(__file__).resolve().parent


class BuildError(Exception):
    """The sources, curation or shapes do not give a valid dataset; the message says what to fix."""


@dataclass(frozen=True)
class Paths:
    """Where the build reads from; defaults are the files shipped with the package.

    `sources` is a tuple of folders of reports; a single folder may be given as a Path.
    """

    sources: tuple[Path, ...] = (PACKAGE / "sources",)
    curation: Path = PACKAGE / "curation"
    ontology: Path = PACKAGE.parent / "ontology"

    def __post_init__(self) -> None:
        folders = (self.sources,) if isinstance(self.sources, (str, Path)) else self.sources
        object.__setattr__(self, "sources", tuple(Path(f) for f in folders))

    @classmethod
    def default(cls) -> Paths:
        from importlib.resources import files

        return cls(
            sources=Path(str(files("reformkg.graph.sources"))),
            curation=Path(str(files("reformkg.graph.curation"))),
            ontology=Path(str(files("reformkg.ontology"))),
        )


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one report: built, with its counts, or left out, with the reason."""

    metadata: Path
    """The report's metadata file."""
    id: str | None
    """None when the metadata could not be read."""
    reforms: int = 0
    indicators: int = 0
    error: str | None = None
    """Why the report was left out: the file at fault and what is wrong with it."""
    details: tuple[str, ...] = ()
    """The SHACL violations, one per line, when the report's graph does not conform."""

    @property
    def built(self) -> bool:
        return self.error is None

    @property
    def name(self) -> str:
        return self.id or self.metadata.name

    def explain(self) -> str:
        """Why it was left out, with every violation, indented for a terminal."""
        return "\n".join([f"  {self.name}: {self.error}", *(f"    {line}" for line in self.details)])


@dataclass
class BuildResult:
    nquads: bytes
    graphs: dict[str, int]
    """Triples per named graph."""
    reports: list[str]
    """The ids of the reports built, sorted."""
    warnings: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    """Each report's clean text by report id, for checking spans."""
    outcomes: list[ReportOutcome] = field(default_factory=list)
    """Every report the sources hold, built or left out, in the order they were tried."""

    @property
    def failures(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if not o.built]


@dataclass(frozen=True)
class _Part:
    """One report's share of the dataset."""

    source: reports.ReportSource
    quads: list[Quad]
    """Its report graph and the shared entities it names (the entities graph)."""
    notes: list[Quad]
    """Its curation quads."""
    text: str
    reforms: int
    indicators: int


def build(
    paths: Paths | None = None,
    base: str = DEFAULT_BASE,
    validate_shapes: bool = True,
    built_at: dt.datetime | None = None,
    progress: Callable[[ReportOutcome], None] | None = None,
    validator: Callable[[str, Path], validate.Validation] = validate.validate_ntriples,
) -> BuildResult:
    """Extract every report and assemble the dataset.

    A report that cannot be read, extracted or validated is left out and listed in the result's
    `failures` (and passed to `progress`, as every report is when it is done). Raises BuildError when
    no report builds, when the ontology, curation or shapes are unusable, or when reports that
    conform one by one do not conform together.

    `built_at` (timezone-aware) is recorded as the build's end time and the dataset's
    dcterms:modified; None records no time, so the bytes depend on the inputs alone. IRIs are minted
    and validated under the default base, which the shapes name; the output is moved under `base`
    only after validation. `validator` checks N-Triples against a shapes file: `validate.Background`
    does it in a process started before the build, with the same findings.
    """
    if built_at is not None and built_at.utcoffset() is None:
        raise ValueError("built_at must be timezone-aware (e.g. datetime.now(datetime.UTC))")
    paths = paths or Paths.default()
    iris = Iris()
    try:
        curation = curated.load(paths.curation)
        schemes = read_schemes(paths.ontology / "schemes.ttl")
        ontology = list(_ontology_quads(paths.ontology, iris))
        files = reports.metadata_files(paths.sources)
    except (ValueError, OSError, SyntaxError) as exc:
        raise BuildError(str(exc)) from exc
    if not files:
        raise BuildError(f"no report metadata (*.toml) in {', '.join(str(s) for s in paths.sources)}")
    stamp = _Stamp(built_at, _software_version())
    outcomes: list[ReportOutcome] = []

    def done(outcome: ReportOutcome) -> None:
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)

    sources: dict[str, reports.ReportSource] = {}
    for path in files:
        try:
            source = reports.read(path)
            if source.id in sources:
                first = sources[source.id].metadata
                raise reports.SourceError(path, f"report id {source.id!r} is already that of {first}")
        except reports.SourceError as exc:
            done(ReportOutcome(path, exc.report_id, error=str(exc)))
            continue
        sources[source.id] = source
    parts: list[_Part] = []
    alone: list[Quad] = []  # the last report that conformed, as built alone
    warnings: list[str] = []
    for rid in sorted(sources):
        source = sources[rid]
        try:
            part = _extract(source, curation, schemes, iris)
        except reports.SourceError as exc:
            done(ReportOutcome(source.metadata, rid, error=str(exc)))
            continue
        if validate_shapes:
            dataset = _assemble(ontology, [part], stamp, iris)
            checked = _validate(dataset, paths.ontology, validator)
            if not checked.conforms:
                done(ReportOutcome(
                    source.metadata, rid, part.reforms, part.indicators,
                    error=f"{source.metadata}: its graph does not conform to ontology/shapes.ttl "
                          f"({len(checked.violations)} violation(s)); first: {checked.violations[0]}",
                    details=tuple(checked.report().splitlines()),
                ))
                continue
            alone, warnings = dataset, [str(w) for w in checked.warnings]
        parts.append(part)
        done(ReportOutcome(source.metadata, rid, part.reforms, part.indicators))
    if not parts:
        raise BuildError("no report could be built:\n" + "\n".join(o.explain() for o in outcomes))
    if len(parts) == 1 and validate_shapes:
        canonical = alone  # the report built alone is the whole dataset, validated above
    else:
        canonical = _assemble(ontology, parts, stamp, iris)
        if validate_shapes:
            checked = _validate(canonical, paths.ontology, validator)
            if not checked.conforms:
                raise BuildError(
                    "each report conforms to ontology/shapes.ttl on its own, but together they do not "
                    "(two reports describe a shared entity differently?):\n" + checked.report()
                )
            warnings = [str(w) for w in checked.warnings]
    quads = canonical if base == DEFAULT_BASE else [_rebase_quad(q, Iris(base)) for q in canonical]
    data = "".join(sorted({_line(q) for q in quads})).encode("utf-8")
    graphs: dict[str, int] = {}
    for q in set(quads):
        graphs[q.graph_name.value] = graphs.get(q.graph_name.value, 0) + 1
    return BuildResult(
        data,
        dict(sorted(graphs.items())),
        [p.source.id for p in parts],
        warnings=warnings,
        texts={p.source.id: p.text for p in parts},
        outcomes=outcomes,
    )


def _extract(source: reports.ReportSource, curation: curated.Curation, schemes: Schemes, iris: Iris) -> _Part:
    """One report's quads; raises SourceError naming its text when nothing can be read from it."""
    try:
        x = extract.extract(source, curation, schemes)
        report_quads, notes = rdf.quads(x, curation, schemes, iris)
        report_quads, notes = list(report_quads), list(notes)
    except Exception as exc:  # noqa: BLE001 - one report's text must not stop the others
        raise reports.SourceError(source.path, f"the extractor failed on it ({type(exc).__name__}: {exc})") from exc
    if not x.text.strip():
        raise reports.SourceError(source.path, "no text is left once the page's markup is taken out")
    if not x.sections:
        raise reports.SourceError(source.path, "no numbered reform sections found")
    return _Part(source, report_quads, notes, x.text, len(x.sections), len(x.indicators))


def _assemble(ontology: list[Quad], parts: Sequence[_Part], stamp: _Stamp, iris: Iris) -> list[Quad]:
    """The dataset of these reports under the default base: ontology, report graphs, curation, metadata."""
    quads = list(ontology)
    for part in parts:
        quads += part.quads
    for part in parts:
        quads += part.notes
    quads += _metadata_quads(quads, [p.source for p in parts], stamp, iris)
    return quads


def _validate(quads: list[Quad], ontology: Path,
              validator: Callable[[str, Path], validate.Validation]) -> validate.Validation:
    union = "".join(sorted({_line(Quad(q.subject, q.predicate, q.object)) for q in quads}))
    return validator(union, ontology / "shapes.ttl")


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


@dataclass(frozen=True)
class _Stamp:
    """What the provenance says about the build itself."""

    built_at: dt.datetime | None
    version: str | None


def _software_version() -> str | None:
    """reformkg's version: the installed distribution's, else the source tree's pyproject.toml."""
    try:
        return importlib.metadata.version("reformkg")
    except importlib.metadata.PackageNotFoundError:
        pyproject = PACKAGE.parent / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return None


def _date_time(moment: dt.datetime) -> Literal:
    """An xsd:dateTime in UTC, written with Z."""
    return Literal(moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def _metadata_quads(quads: list[Quad], sources: Sequence[reports.ReportSource], stamp: _Stamp, iris: Iris):
    """A VoID/DCAT description of the dataset and the PROV-O provenance of its build: the pages it
    read (with their SHA-256), the software, and the build's end time when one is given."""
    graph = iris.graph("metadata")
    dataset = NamedNode(iris.base + "dataset")
    activity = NamedNode(iris.base + "dataset/build")
    software = NamedNode(iris.base + "software/reformkg")
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
    yield add(dataset, PROV.wasGeneratedBy, activity)
    yield add(activity, RDF.type, PROV.Activity)
    yield add(activity, RDFS.label, Literal("reformkg 构建数据集", language="zh"))
    yield add(activity, RDFS.label, Literal("reformkg build of the dataset", language="en"))
    yield add(activity, PROV.wasAssociatedWith, software)
    if stamp.built_at is not None:
        yield add(dataset, DCTERMS.modified, _date_time(stamp.built_at))
        yield add(activity, PROV.endedAtTime, _date_time(stamp.built_at))
    yield add(software, RDF.type, PROV.SoftwareAgent)
    yield add(software, RDFS.label, Literal("reformkg", language="zh"))
    yield add(software, RDFS.label, Literal("reformkg", language="en"))
    if stamp.version is not None:
        yield add(software, SCHEMA.softwareVersion, Literal(stamp.version))
    for source in sources:
        report, page = iris.report(source.id), NamedNode(iris.report(source.id).value + "/page")
        yield add(dataset, PROV.wasDerivedFrom, iris.report(source.id))
        yield add(dataset, DCTERMS.source, iris.report(source.id))
        yield add(activity, PROV.used, page)
        yield add(report, PROV.wasDerivedFrom, page)
        yield add(page, RDF.type, SCHEMA.MediaObject)
        yield add(page, RDF.type, PROV.Entity)
        yield add(page, RDFS.label, Literal(f"{source.title}(发布网页)", language="zh"))
        yield add(page, DCTERMS.format, Literal("text/html"))
        yield add(page, SCHEMA.sha256, Literal(source.sha256))
        if source.url is not None:
            yield add(page, SCHEMA.url, NamedNode(source.url))
    for name, count in sorted(per_graph.items()):
        yield add(dataset, VOID.subset, NamedNode(name))
        yield add(NamedNode(name), RDF.type, VOID.Dataset)
        yield add(NamedNode(name), VOID.triples, Literal(str(count), datatype=XSD.integer))
        yield add(NamedNode(name), RDFS.label, Literal(name[len(iris.base) :], language="en"))
