"""Bulk loading into the embedded store, published whole: `reformkg load` and large Graph Store writes.

A transaction (`Store.update`, `Store.extend`) keeps every change in memory and writes it twice, to
the write-ahead log and then to the tables; pyoxigraph's bulk loader (`Store.bulk_load`,
`Store.bulk_extend`) sorts the quads in batches and writes table files straight into RocksDB, in
bounded memory and several times faster (3× for the transaction alone, 10× for a whole Graph Store
write before: benchmarks/results/load.md). But it is not atomic: a failure halfway leaves half the
data in the store.

So a load never touches the primary store. It works on a *stage*: a checkpoint of the primary
(`Store.backup`, hard links, milliseconds) or a new empty store. Only when every file has loaded is
the stage renamed into `stores/`, the `store` symlink swapped to it and a snapshot published
(snapshots.py), all holding write.lock: readers see the whole load or none of it, and a load that
fails or is killed leaves the served store as it was (its stage, named `.…loading`, is removed by the
next load). A stage made from the primary is compacted when the load has grown it by much (what it
replaced is still on disk until then: compaction.py). The primary the stage replaced is deleted once
the new one is current; the snapshots still read keep hard links of their own files.
"""
from __future__ import annotations

import gzip
import io
import os
import shutil
import time
import traceback
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse

from . import compaction, snapshots

STORES = "stores"
_READ_BYTES = 1 << 20


class LoadError(Exception):
    """A file could not be loaded: unreadable, of an unknown format, or not valid RDF. Nothing was changed."""


@dataclass(frozen=True)
class Source:
    """One file to load and where its triples go."""

    path: Path
    format: RdfFormat
    graph: NamedNode | DefaultGraph | None
    """The graph a triple file is loaded into (replacing what it held); None for a quad file, whose
    quads keep their own graphs."""
    compressed: bool

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def file_graph(path: Path) -> NamedNode:
    """The graph a triple file is loaded into unless told otherwise: the file's own `file:` URL, as
    SPARQL's `LOAD <url>` names the graph of what it loads, so loading the file again replaces it."""
    return NamedNode(path.resolve().as_uri())


def source(path: Path, format: str | None = None, graph: str | None = None) -> Source:
    """What `path` holds, from its extension (`.gz` after it means gzip) or from `format` (an
    extension like `ttl` or a media type like `text/turtle`). Raises LoadError."""
    compressed = path.suffix.lower() == ".gz"
    named = format or Path(path.stem if compressed else path.name).suffix.lstrip(".")
    fmt = RdfFormat.from_media_type(named) if "/" in named else RdfFormat.from_extension(named.lower())
    if fmt is None:
        raise LoadError(f"{path}: cannot tell its RDF format from {named!r}; give --format (nt, nq, ttl, trig, "
                        "rdf, jsonld, n3, or a media type)")
    if fmt.supports_datasets:
        if graph is not None:
            raise LoadError(f"{path}: a {fmt.name} file names its own graphs; --graph is for files of triples")
        return Source(path, fmt, None, compressed)
    try:
        target = file_graph(path) if graph is None else (DefaultGraph() if graph == "default" else NamedNode(graph))
    except ValueError as exc:
        raise LoadError(f"--graph {graph!r} is not an absolute IRI: {exc}") from exc
    return Source(path, fmt, target, compressed)


@dataclass(frozen=True)
class Loaded:
    files: int
    bytes: int
    seconds: float
    generation: str


class _Counted(io.RawIOBase):
    """A file's bytes as they are read, reported to `progress` (the bytes on disk, before gunzip)."""

    def __init__(self, raw: BinaryIO, progress: Callable[[int], None]) -> None:
        super().__init__()
        self.raw, self.progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer) or 0
        self.progress(n)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


@contextmanager
def reading(src: Source, progress: Callable[[int], None] = lambda n: None) -> Iterator[BinaryIO]:
    """The file's RDF bytes, gunzipped when it is compressed."""
    counted = io.BufferedReader(_Counted(open(src.path, "rb", buffering=0), progress), _READ_BYTES)
    stream: BinaryIO = gzip.GzipFile(fileobj=counted, mode="rb") if src.compressed else counted  # type: ignore[assignment]
    try:
        yield stream
    finally:
        stream.close()
        counted.close()


def load(data_dir: Path, sources: Sequence[Source], *, replace: bool = False,
         progress: Callable[[int], None] = lambda n: None) -> Loaded:
    """Load the files into the store in `data_dir` (created if there is none) and publish them as one
    snapshot. The triple files of one graph replace what it held, together; a quad file's quads are
    added to theirs. With `replace`, the store holds these files and nothing else. Each file is one
    RDF document, as `oxigraph load` reads it: a blank node label is one node throughout the file and
    another node in any other file, or in the store already (RDF 1.1 Concepts §3.4).
    Raises LoadError; then nothing was changed."""
    started = time.monotonic()

    def fill(store: Store) -> None:
        for src in sources:
            try:
                with reading(src, progress) as stream:
                    bulk_load(store, stream, src.format, src.graph, _base(src))
            except (SyntaxError, ValueError) as exc:
                raise LoadError(f"{src.path} is not valid {src.format.name}: {exc}") from exc
            except OSError as exc:
                raise LoadError(f"{src.path} could not be loaded: {exc}") from exc

    clearing = [] if replace else [src.graph for src in sources if src.graph is not None]
    with snapshots.write_lock(data_dir):
        stage(data_dir, fill, empty=replace, clearing=clearing)
        generation = snapshots.generation(data_dir) or ""
    return Loaded(len(sources), sum(s.size for s in sources), time.monotonic() - started, generation)


def _base(src: Source) -> str:
    """Relative IRIs resolve against the graph a file goes into, as in a Graph Store write, else the file's URL."""
    return src.graph.value if isinstance(src.graph, NamedNode) else src.path.resolve().as_uri()


def clear(store: Store, graph: NamedNode | DefaultGraph) -> None:
    """Empty a graph of the stage before its new content is loaded."""
    store.update("DROP SILENT DEFAULT" if isinstance(graph, DefaultGraph) else f"DROP SILENT GRAPH {graph}")


def bulk_load(store: Store, data: BinaryIO, format: RdfFormat, graph: NamedNode | DefaultGraph | None,
              base_iri: str | None) -> None:
    """Bulk-add one RDF document to the store, its triples to `graph`, with blank nodes of its own.

    pyoxigraph's bulk loader gives a document's blank nodes new labels, one per label it writes.
    It is given a stream, never a path or bytes: from those it splits N-Triples and N-Quads among
    parallel parsers on a machine of four cores or more, each with labels of its own, and one label
    at both ends of a file would become two nodes (oxrdfio `split_file_for_parallel_parsing`).
    Raises SyntaxError or ValueError when the document does not parse."""
    store.bulk_load(input=data, format=format, to_graph=graph, base_iri=base_iri)


def extend(store: Store, data: BinaryIO, format: RdfFormat, graph: NamedNode | DefaultGraph,
           base_iri: str | None) -> None:
    """Bulk-add the triples of one request body to `graph` with blank nodes of their own: each body
    is one RDF document, whose blank nodes are not those of any other (RDF 1.1 Concepts §3.4), and
    one label within it is one node. A JSON-LD body may name graphs; its quads all go to `graph`, as
    the Graph Store Protocol stores a body as one graph, so they pass through Python. Raises
    SyntaxError or ValueError when the body does not parse."""
    if not format.supports_datasets:
        bulk_load(store, data, format, graph, base_iri)
        return
    quads = parse(data, format=format, base_iri=base_iri, rename_blank_nodes=True)
    store.bulk_extend(Quad(q.subject, q.predicate, q.object, graph) for q in quads)


def stage(data_dir: Path, fill: Callable[[Store], None], empty: bool = False,
          clearing: Collection[NamedNode | DefaultGraph] = ()) -> None:
    """Change a stage with `fill`: a checkpoint of the primary, or an empty store when `empty` (or when
    there is no primary yet). It becomes the primary, published, when `fill` returns, and is thrown
    away when it raises. The caller holds write.lock and has no handle on the primary.

    The graphs in `clearing` are emptied before `fill` runs. A drop is one transaction, which holds
    every quad it deletes in memory (~750 bytes each) and took 58 µs a quad on 1 M (pyoxigraph
    0.5.13): reloading a file of 10 M triples would have needed gigabytes. So when they hold more
    quads than the rest of the store, the stage is a new store into which the rest is copied
    instead, quad by quad as stored (blank nodes keep their labels), by the bulk loader. So it is
    too when the primary holds no quads (a store started with --no-report): a checkpoint is
    compacted after a large load, which took 9 s on 2 M triples and doubled their tables (319 to
    616 MB, `Store.optimize` in pyoxigraph 0.5.13), where a new store has nothing to compact.

    `fill` gets the stage's only handle and must keep none: a second handle would go on writing to
    the stage's files once they are the primary's (or deleted), and pyoxigraph closes a store only
    when its last reference goes. So the frames of an exception `fill` raises are cleared too."""
    stores = data_dir / STORES
    stores.mkdir(parents=True, exist_ok=True)
    for stale in stores.glob(".*.loading"):
        if not _alive(stale):
            shutil.rmtree(stale, ignore_errors=True)  # a load killed before it finished
    name = f"{time.time_ns():x}-{os.getpid()}"
    staging = stores / f".{name}.loading"
    current = None if empty else snapshots.primary(data_dir)
    store: Store | None = None
    try:
        store, start = _begin(staging, current, set(clearing))
        # What a load replaces or loads again stays on disk beside the new data until it is compacted.
        compactor = compaction.Compactor(staging) if start == "checkpoint" else None
        fill(store)
        if compactor is not None:
            compactor.after_write(store)
        elif start == "copy":
            # The copied quads' table files and the loaded ones overlap. Left so, RocksDB compacted
            # them once the stage was the primary, after its snapshot was taken, and the two held
            # different files (ten reloads: a data directory 1.38× its snapshot, one run in six).
            store.optimize()
        store.flush()
    except BaseException as exc:
        traceback.clear_frames(exc.__traceback__)
        del store
        shutil.rmtree(staging, ignore_errors=True)
        raise
    del store
    commit(data_dir, staging, name)


def _begin(staging: Path, current: Path | None, clearing: set[NamedNode | DefaultGraph]) -> tuple[Store, str]:
    """The stage, with the graphs in `clearing` empty, and how it began: "new", "copy" (a new store
    into which quads of `current` were copied) or "checkpoint"."""
    if current is None:
        return Store(str(staging)), "new"
    primary = Store(str(current))
    try:
        cleared = sum(_count(primary, graph) for graph in clearing)
        if next(primary.quads_for_pattern(None, None, None), None) is None or cleared and 2 * cleared > _count(primary):
            store = Store(str(staging))
            named = [graph for graph in primary.named_graphs() if graph not in clearing]
            graphs = named if DefaultGraph() in clearing else [DefaultGraph(), *named]
            store.bulk_extend(quad for graph in graphs for quad in primary.quads_for_pattern(None, None, None, graph))
            for graph in named:
                store.add_graph(graph)  # an empty named graph stays one
            return store, "new" if next(store.quads_for_pattern(None, None, None), None) is None else "copy"
        primary.backup(str(staging))
    finally:
        del primary
    store = Store(str(staging))
    for graph in clearing:
        clear(store, graph)
    return store, "checkpoint"


def _count(store: Store, graph: NamedNode | DefaultGraph | None = None) -> int:
    """The quads in `graph`, or in the whole store."""
    if graph is None:
        pattern = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"
    else:
        pattern = "?s ?p ?o" if isinstance(graph, DefaultGraph) else f"GRAPH {graph} {{ ?s ?p ?o }}"
    solutions = store.query(f"SELECT (COUNT(*) AS ?n) {{ {pattern} }}")
    return int(next(iter(solutions))["n"].value)


def _alive(staging: Path) -> bool:
    """Whether the process that named a stage (`….<pid>.loading`, `…-<pid>.loading`) still runs:
    `reformkg build` loads its stage before it takes write.lock."""
    digits = staging.name.removesuffix(".loading").replace("-", ".").rsplit(".", 1)[-1]
    try:
        os.kill(int(digits), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def commit(data_dir: Path, staging: Path, name: str) -> Path:
    """Make the store loaded in `staging` the primary and publish it; the caller holds write.lock.

    Killed between the swap and the publication, the next writer or server start publishes it
    (snapshots.recover). The primary it replaces, and any older one, is deleted.
    """
    stores = data_dir / STORES
    target = stores / name
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    snapshots.mark_pending(data_dir)
    snapshots.swap_link(data_dir / "store", Path(STORES) / name)
    snapshots.publish_primary(data_dir)
    for path in stores.iterdir():
        if path.name != name and not path.name.startswith("."):
            shutil.rmtree(path, ignore_errors=True)
    return target
