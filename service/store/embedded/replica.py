"""Short queries answered in the web process, from the copy of the current snapshot an engine reads.

Sending a query to an engine process (executor.py) costs two wake-ups, a pickled job and a pickled
answer; for a query whose work is bounded by the rows it gives (sparql/bounded.py: one triple pattern,
or a UNION of them, nothing to sort or group), that is most of its cost, and a deadline could never
catch it anyway. Such a query is evaluated here instead, on the same kind of store an engine reads (a
copy in memory of the current snapshot, evaluation.open_snapshot), by the same code with the same job
(evaluation.answer), so that its bytes and its errors are the engine's; it gives up past SHORT_ROWS
rows or triples (OverBudget), having done about that many index steps, and the job goes to an engine.

Never stale: each query reads the snapshot link (one readlink) and uses the copy only if it is of that
generation. After a write a thread copies the new snapshot, and until the copy is ready queries go to
the engines, which read the new snapshot. Only a snapshot the engines also copy into memory (at most
memory_replica_bytes on disk) is copied here; from a larger one the engines answer every query, so the
web process never holds a snapshot's files open.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from pyoxigraph import NamedNode, Store

from . import evaluation, snapshots
from .evaluation import OverBudget

log = logging.getLogger("reformkg.replica")

SHORT_ROWS = 1000
"""The most rows (SELECT) or triples (CONSTRUCT) a query answered here may have; past them it goes to
an engine. A lookup of one resource has tens."""


class Replica:
    """The current snapshot of `data_dir` in memory, made on first use and after each write."""

    def __init__(self, data_dir: Path, replica_bytes: int) -> None:
        self.data_dir, self.replica_bytes = data_dir, replica_bytes
        self._current: tuple[str, Store | None] | None = None
        """The generation copied and its copy (None: that snapshot is too large to copy)."""
        self._copying = False
        self._lock = threading.Lock()

    def answer(self, job: dict) -> tuple[str, str, bytes] | None:
        """(form, media type, answer) of a short query's job, or None when an engine must answer it:
        no copy of the current snapshot is ready, or the answer has more than SHORT_ROWS rows. Raises
        what an engine would (evaluation.answer)."""
        store = self._store()
        if store is None:
            return None
        try:
            form, media_type, written = evaluation.answer(store, job, SHORT_ROWS)
        except OverBudget:
            return None
        return form, media_type, b"".join(written.parts)

    def contains_graph(self, graph: str) -> bool | None:
        """Whether the current snapshot holds the named graph (one index lookup, as bounded as a
        short query), or None when no copy of it is ready."""
        store = self._store()
        return None if store is None else store.contains_named_graph(NamedNode(graph))

    def mentions(self, iri: str) -> bool | None:
        """Whether the current snapshot has a quad with the IRI as subject, object or graph (three index
        lookups, each stopping at its first match), or None when no copy of it is ready."""
        store = self._store()
        if store is None:
            return None
        node = NamedNode(iri)
        patterns = ((node, None, None, None), (None, None, node, None), (None, None, None, node))
        return any(next(store.quads_for_pattern(*pattern), None) is not None for pattern in patterns)

    def _store(self) -> Store | None:
        generation = snapshots.generation(self.data_dir)
        current = self._current
        if current is not None and current[0] == generation:
            return current[1]
        if generation is not None:
            self._copy(generation)
        return None

    def _copy(self, generation: str) -> None:
        """Copy the current snapshot on a thread of its own, unless a copy is being made."""
        with self._lock:
            if self._copying:
                return
            self._copying = True
        threading.Thread(target=self._make, args=(generation,), daemon=True, name="replica").start()

    def _make(self, generation: str) -> None:
        try:
            pin = snapshots.pin(self.data_dir)
            try:
                store = None
                if evaluation.fits_in_memory(pin.path, self.replica_bytes):
                    store = evaluation.open_snapshot(pin.path, self.replica_bytes)
                self._current = (pin.generation, store)
            finally:
                pin.release()
        except Exception:
            # Not tried again for this snapshot: engines answer its queries, as they would any.
            log.exception("snapshot %s could not be copied into the web process", generation)
            self._current = (generation, None)
        finally:
            with self._lock:
                self._copying = False
