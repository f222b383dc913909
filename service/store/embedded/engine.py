"""The engine process: runs one job at a time on the store, where the web process can SIGKILL it.

pyoxigraph's `Store.query` has no timeout and cannot be interrupted, so every query and every write
runs here (see executor.py). Started as `python -m reformkg.service.store.embedded.engine <role> <data_dir>
<fd> <offline|online> <max_bytes> <replica_bytes>`, it talks over one socket in pickled tuples:

    web → engine   a job, a dict: {"op": "query", ...}
    engine → web   ("ready", pid, offline) once, then for each job:
                   ("whole", form, media_type, bytes)                       a query's answer that
                                                                             fits in one chunk
                   ("head", form, media_type), ("chunk", bytes)…, ("end",)    a larger answer
                   ("value", obj)                                            a small answer
                   ("committed",), ("value", obj)                            a write
                   ("error", ServiceError subclass name, message)            at any point
                   ("unstarted",)                                            the job did not start;
                                                                             the engine exits

A query engine ("query" role) reads a pinned snapshot, opened read-only, and re-pins when `snapshot`
changes; the writer ("write" role) opens the primary store under write.lock for one job at a time.
Either exits when its parent process does. Unless SERVICE and LOAD are allowed somewhere, an engine
first leaves the network (a network namespace of its own), so they could not fetch anything anyway.

Oxigraph parses and evaluates by recursion, so a query nested deep enough overflows the stack, and
the process dies of it (SIGSEGV; no exception reaches Python). Each job therefore runs on a thread
with a stack of STACK_BYTES, enough for anything max_query_length allows by default (a short query,
which cannot nest deep, on the main thread), and an engine
may allocate at most `max_engine_bytes` (RLIMIT_DATA), so an exploding sort or join aborts the engine
instead of exhausting the machine. Whatever still kills an engine is the web process's to handle: the
job gets 500 and a fresh engine takes its place (executor.py).
"""
from __future__ import annotations

import ctypes
import io
import logging
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

from pyoxigraph import (
    DefaultGraph, NamedNode, RdfFormat, Store, parse, serialize,
)

from ... import errors, formats
from ...sparql.syntax import explain
from ..base import too_many_bytes
from . import compaction, evaluation, load, snapshots

log = logging.getLogger("reformkg.engine")

CHUNK_BYTES = 64 * 1024
# Measured on pyoxigraph 0.5.13: 50,000 nested groups (a 100,000-character query) take 170 MB of
# stack; 8 MB, a main thread's usual stack, overflows at 10,000 UNIONs or 5,000 nested brackets.
# Only the pages a query touches are resident, and they are returned when its thread ends.
STACK_BYTES = 256 * 1024 * 1024
# A query of fewer than INLINE_CHARS characters (or tokens that could recurse: _inline) nests less deep
# than that, which needs far less than the usual 8 MB main-thread stack (4,000 nested brackets, `!`s or
# UNIONs run on it): such a query runs on the engine's main thread, not a thread of its own: starting
# and joining one took three quarters of a small query's round trip to its engine (the mix's ASK:
# 1.1 ms, 0.25 ms inline, on a busy machine).
INLINE_CHARS = 1000
INLINE_STACK_BYTES = 8 * 1024 * 1024


class _Channel(io.RawIOBase):
    """Where pyoxigraph serialises an answer: sent to the web process in chunks, up to max_bytes."""

    def __init__(self, conn: Connection, max_bytes: int = 0) -> None:
        super().__init__()
        self.conn, self.max_bytes = conn, max_bytes
        self.size = 0
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def send(self, message: tuple) -> None:
        self.conn.send(message)

    def head(self, form: str, media_type: str) -> None:
        self.send(("head", form, media_type))

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        if self.size > self.max_bytes:
            raise errors.ResultTooLarge(too_many_bytes(self.max_bytes))
        self.buffer += data
        if len(self.buffer) >= CHUNK_BYTES:
            self.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()
        return len(data)

    def end(self) -> None:
        if self.buffer:
            self.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()
        self.send(("end",))


def _graph(graph: str | None) -> NamedNode | DefaultGraph:
    return DefaultGraph() if graph is None else NamedNode(graph)


class QueryEngine:
    """Answers queries and reads on the current snapshot."""

    IDLE_SECONDS = 1.0

    def __init__(self, data_dir: Path, replica_bytes: int = 0) -> None:
        self.data_dir = data_dir
        self.replica_bytes = replica_bytes
        self.pin: snapshots.Pin | None = None
        self.store: Store | None = None
        self._refresh()

    def _refresh(self) -> None:
        """Re-open when a write has published a new snapshot (one readlink when nothing changed)."""
        if self.pin is not None and snapshots.generation(self.data_dir) == self.pin.generation:
            return
        pin = snapshots.pin(self.data_dir)
        old, self.store, self.pin = self.pin, evaluation.open_snapshot(pin.path, self.replica_bytes), pin
        if old is not None:
            old.release()

    def let_go(self) -> None:
        """Close a snapshot a write has replaced and delete it if no engine reads it: an idle engine
        would otherwise keep it, and all its files, until its next job."""
        if self.pin is not None and snapshots.generation(self.data_dir) != self.pin.generation:
            self.store = None
            self.pin.release()
            self.pin = None
            snapshots.prune(self.data_dir)

    def run(self, job: dict, out: _Channel) -> None:
        self._refresh()
        getattr(self, "_" + job["op"])(job, out)

    def _query(self, job: dict, out: _Channel) -> None:
        """The answer written once, in the job's format, whole before its head is sent (evaluation.py)."""
        assert self.store is not None
        form, media_type, answer = evaluation.answer(self.store, job)
        if answer.size <= CHUNK_BYTES:
            # One message instead of three: each costs the web process a wake-up, as much as a
            # small query's evaluation.
            out.send(("whole", form, media_type, b"".join(answer.parts)))
            return
        out.head(form, media_type)
        for part in answer.parts:
            out.write(part)
        out.end()

    def _dump(self, job: dict, out: _Channel) -> None:
        assert self.store is not None
        graph = job["graph"]
        if not job["dataset"] and graph is not None and not self.store.contains_named_graph(NamedNode(graph)):
            raise errors.NotFound(f"there is no graph <{graph}> in this store")
        out.head("CONSTRUCT", job["media_type"])
        fmt = formats.BY_MEDIA[job["media_type"]].syntax
        if job["dataset"]:
            self.store.dump(out, format=fmt)
        else:
            self.store.dump(out, format=fmt, from_graph=_graph(graph))
        out.end()

    def _exists(self, job: dict, out: _Channel) -> None:
        assert self.store is not None
        graph = job["graph"]
        out.send(("value", graph is None or self.store.contains_named_graph(NamedNode(graph))))

    def _graphs(self, job: dict, out: _Channel) -> None:
        assert self.store is not None
        out.send(("value", sorted(g.value for g in self.store.named_graphs() if isinstance(g, NamedNode))))

    def _count(self, job: dict, out: _Channel) -> None:
        out.send(("value", len(self.store)))


class Writer:
    """Applies one write at a time to the primary store and publishes a snapshot before it answers.

    Opening the primary store takes longer than most writes, so the writer keeps it open, holding
    write.lock, until it has been idle for IDLE_SECONDS; then other writers (another web process's,
    `reformkg build`) may take the lock.
    """

    IDLE_SECONDS = 1.0

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.lock = snapshots.WriteLock(data_dir)
        self.store: Store | None = None
        self.compactor: compaction.Compactor | None = None

    def _open(self) -> Store:
        if self.store is None:
            self.lock.acquire()
            snapshots.recover(self.data_dir)
            path = snapshots.primary(self.data_dir)
            if path is None:
                self.lock.release()
                raise errors.EngineFailure("there is no store to write to; run `reformkg build` first")
            self.store = self._reopen()
        return self.store

    def _reopen(self) -> Store:
        """The primary store, opened; the caller holds the write lock."""
        path = snapshots.primary(self.data_dir)
        assert path is not None
        self.compactor = compaction.Compactor(path)
        return Store(str(path))

    def idle(self) -> None:
        """Close the primary store and let go of the write lock."""
        self.store = None
        self.lock.release()

    def run(self, job: dict, out: _Channel) -> None:
        if any(isinstance(data, Path) for data, _ in job.get("payloads", ())):
            self._load(job, out)
            return
        store = self._open()
        snapshots.mark_pending(self.data_dir)
        try:
            value = getattr(self, "_" + job["op"])(store, job)
        except BaseException:
            # Each job is one store.update call, one transaction: if it raised, nothing was applied.
            snapshots.clear_pending(self.data_dir)
            raise
        # From here the write is applied: the web process stops enforcing the deadline.
        out.send(("committed",))
        del store
        self._compact()
        snapshots.publish(self._open(), self.data_dir)
        out.send(("value", value))

    def _compact(self) -> None:
        """Keep the store about the size of its data (compaction.py); reopening it drops its logs."""
        assert self.store is not None and self.compactor is not None
        if self.compactor.after_write(self.store):
            self.store = None
            self.store = Store(str(self.compactor.path))

    def _load(self, job: dict, out: _Channel) -> None:
        """A Graph Store write whose body is on disk (the view spooled it): bulk-loaded into a stage,
        a checkpoint of the primary that replaces it whole once loaded (load.py), so a body of any size
        takes bounded memory and one that does not parse changes nothing."""
        store = self._open()
        graph = job["graph"]
        target = DefaultGraph() if graph is None else NamedNode(graph)
        created = graph is not None and not store.contains_named_graph(target)
        self.store = store = None  # the stage is made from the primary's files, closed

        def fill(stage: Store) -> None:
            for data, media_type in job["payloads"]:
                fmt = formats.stored(media_type)
                try:
                    with open(data, "rb") if isinstance(data, Path) else io.BytesIO(data) as body:
                        load.extend(stage, body, fmt.syntax, target, job["base_iri"])
                except (SyntaxError, ValueError) as exc:
                    raise errors.BadRequest(f"the {media_type} body does not parse: {exc}") from exc
            out.send(("committed",))

        try:
            with _data_limit_lifted():
                load.stage(self.data_dir, fill, clearing=[target] if job["op"] == "put" else [])
        finally:
            self.store = self._reopen()
        out.send(("value", created))

    def _update(self, store: Store, job: dict) -> None:
        _apply(store, job["text"], job["base_iri"])

    def _put(self, store: Store, job: dict) -> bool:
        graph = job["graph"]
        created = graph is not None and not store.contains_named_graph(NamedNode(graph))
        target = "DEFAULT" if graph is None else f"GRAPH {NamedNode(graph)}"
        _apply(store, f"DROP SILENT {target} ;\n" + _insert(graph, job["payloads"], job["base_iri"]))
        return created

    def _post(self, store: Store, job: dict) -> bool:
        graph = job["graph"]
        created = graph is not None and not store.contains_named_graph(NamedNode(graph))
        _apply(store, _insert(graph, job["payloads"], job["base_iri"]))
        return created

    def _delete(self, store: Store, job: dict) -> None:
        graph = job["graph"]
        if graph is not None and not store.contains_named_graph(NamedNode(graph)):
            raise errors.NotFound(f"there is no graph <{graph}> in this store")
        _apply(store, "DROP DEFAULT" if graph is None else f"DROP GRAPH {NamedNode(graph)}")


@contextmanager
def _data_limit_lifted() -> Iterator[None]:
    """max_engine_bytes stops runaway queries; a bulk load's memory is bounded by the loader's own
    batches, whatever the body, and it reserves far more address space than it touches (a malloc arena
    per loader thread), which RLIMIT_DATA counts: under 2 GiB it failed to load 2 M triples."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _apply(store: Store, text: str, base_iri: str | None = None) -> None:
    """One SPARQL Update, which pyoxigraph applies in one transaction: all of it or nothing."""
    try:
        store.update(text, base_iri=base_iri)
    except SyntaxError as exc:
        raise errors.QuerySyntaxError(explain(text, str(exc))) from exc
    except RuntimeError as exc:
        raise errors.BadRequest(f"the update failed: {exc}") from exc


def _insert(graph: str | None, payloads: list[tuple[bytes, str]], base_iri: str | None) -> str:
    """The payloads as an update creating the graph and inserting their triples into it.

    Written as SPARQL (pyoxigraph's N-Triples output is valid INSERT DATA syntax) so that the whole
    Graph Store Protocol request is one transaction, like any update.
    """
    lines = []
    for data, media_type in payloads:
        fmt = formats.stored(media_type)
        try:
            quads = parse(data, format=fmt.syntax, base_iri=base_iri, rename_blank_nodes=True)
            lines.append(serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES).decode("utf-8"))
        except (SyntaxError, ValueError) as exc:
            raise errors.BadRequest(f"the {media_type} body does not parse: {exc}") from exc
    create = "" if graph is None else f"CREATE SILENT GRAPH {NamedNode(graph)} ;\n"
    triples = "".join(lines)
    if not triples:
        return create  # an update may end with ';' or be empty (SPARQL 1.1 Update §3)
    block = triples if graph is None else f"GRAPH {NamedNode(graph)} {{\n{triples}}}"
    return f"{create}INSERT DATA {{\n{block}\n}}"


_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def _go_offline() -> bool:
    """Leave the network: in a network namespace of its own the process has only a loopback device,
    and that is down, so SERVICE and LOAD reach nothing even if guards.py was fooled. Linux only;
    needs CAP_SYS_ADMIN or unprivileged user namespaces, and must run before any thread starts."""
    try:
        unshare = ctypes.CDLL(None, use_errno=True).unshare
    except (OSError, AttributeError):
        return False
    return any(unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


def _exit_with_parent() -> None:
    """Exit when the web process is gone, even in the middle of a query (the GIL is released then)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def serve(role: str, data_dir: Path, conn: Connection, offline: bool, replica_bytes: int = 0,
          max_bytes: int = 0) -> None:
    engine = QueryEngine(data_dir, replica_bytes) if role == "query" else Writer(data_dir)
    stack = resource.getrlimit(resource.RLIMIT_STACK)[0]
    inline = stack == resource.RLIM_INFINITY or stack >= INLINE_STACK_BYTES
    conn.send(("ready", os.getpid(), offline))
    while True:
        if isinstance(engine, Writer) and engine.store is not None and not conn.poll(Writer.IDLE_SECONDS):
            engine.idle()
            continue
        if isinstance(engine, QueryEngine) and engine.pin is not None and not conn.poll(QueryEngine.IDLE_SECONDS):
            engine.let_go()
            continue
        try:
            job = conn.recv()
        except EOFError:
            return
        out = _Channel(conn, job.get("max_bytes", 0))
        text = job.get("query")
        if inline and isinstance(engine, QueryEngine) and text is not None and _inline(text, job.get("recursion")):
            _run_inline(engine, job, out, max_bytes)
            continue
        thread = threading.Thread(target=_run_job, args=(engine, job, out), name=f"job-{job.get('op')}")
        try:
            thread.start()
        except RuntimeError:
            # No room for the job's stack under RLIMIT_DATA, after earlier jobs left the heap in pieces:
            # the web process gives the job to a fresh engine, and this one leaves.
            log.error("cannot start a job's thread; leaving so that a fresh engine takes the job")
            conn.send(("unstarted",))
            return
        thread.join()


def _inline(text: str, recursion: int | None) -> bool:
    """Whether the query can run on the main thread: short, or recursing as little as a short one can
    (the web process counts its tokens, SparqlText.recursion_bound: a named query's comments and
    prefixes made it long, and a thread of its own cost it a third of its time)."""
    return len(text) < INLINE_CHARS or recursion is not None and recursion < INLINE_CHARS


def _run_inline(engine: QueryEngine, job: dict, out: _Channel, max_bytes: int) -> None:
    """A short query's job on the main thread, allowed `max_bytes` (0: no limit) like any query: the
    limit main() sets leaves room for a job thread's stack, which this job does not have."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if max_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (max_bytes, hard))
    try:
        _run_job(engine, job, out)
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _run_job(engine: QueryEngine | Writer, job: dict, out: _Channel) -> None:
    """One job, on a thread of its own with a stack of STACK_BYTES (a short query on the main thread);
    its errors go to the web process."""
    try:
        engine.run(job, out)
    except errors.ServiceError as exc:
        out.send(("error", type(exc).__name__, exc.message))
    except Exception:
        log.exception("job %s failed", job.get("op"))
        out.send(("error", "EngineFailure", errors.ENGINE_FAILED))


def main(argv: list[str]) -> None:
    role, data_dir, fd, network, max_bytes, replica_bytes = argv
    # Ctrl+C in a terminal reaches the whole process group; the web process decides when engines stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    offline = network == "offline" and _go_offline()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s reformkg.engine[%(process)d] %(message)s")
    if network == "offline" and not offline:
        log.warning("this system does not let the engine leave the network (unshare); SERVICE and LOAD "
                    "are refused by the text check alone")
    _exit_with_parent()
    if int(max_bytes):
        # Thread stacks are private mappings and count too, so the job's stack is added to the limit.
        limit = int(max_bytes) + STACK_BYTES
        # The writer may lift it for a bulk load (Writer._load); a query engine never.
        hard = resource.getrlimit(resource.RLIMIT_DATA)[1] if role == "write" else limit
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    threading.stack_size(STACK_BYTES)
    serve(role, Path(data_dir), Connection(int(fd)), offline, int(replica_bytes), int(max_bytes))


if __name__ == "__main__":
    main(sys.argv[1:])
