"""pyoxigraph in the harness's own process, no HTTP: `Store.query` plus serialisation, timed per call.

The same rotation through the mix as the wrk script, with one thread per "connection", so the numbers
sit beside the servers' (they include Python's thread switching, which a client of the library pays too).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

from .mix import Query
from .stats import Run, summarise
from .systems import Data, Unavailable, bulk_loaded


def answer(store: Store, query: Query) -> bytes:
    """What a server would send: SELECT/ASK as SPARQL JSON results, CONSTRUCT as Turtle."""
    result = store.query(query.text, use_default_graph_as_union=True)
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        return result.serialize(format=QueryResultsFormat.JSON)
    return result.serialize(format=RdfFormat.TURTLE)


@dataclass
class InProcess:
    """A pyoxigraph Store as a system: in memory (`Store()`) or on disk (`Store(path)`)."""

    name: str
    work: Path
    on_disk: bool
    store: Store | None = None
    load_seconds: float | None = None
    notes: list[str] = field(default_factory=list)
    version: str = ""

    kind = "in-process"

    def start(self, data: Data, ready_timeout: float) -> None:
        self.version = f"pyoxigraph {pyoxigraph.__version__}"
        start = time.perf_counter()
        try:
            self.store = bulk_loaded(data.nquads, self.work / "store" if self.on_disk else None)
        except (OSError, SyntaxError, ValueError) as exc:
            raise Unavailable(f"{self.name} could not load {data.nquads}: {exc}") from exc
        self.load_seconds = time.perf_counter() - start
        self.notes.append(("Store(path), bulk_load + flush + optimize" if self.on_disk else "Store(), bulk_load")
                          + "; queries with use_default_graph_as_union=True in a thread pool, no HTTP")

    def stop(self) -> None:
        self.store = None

    def rss_bytes(self) -> None:
        return None  # shares the harness's process: no separate figure

    def settle(self, limit: float) -> float:
        return 0.0  # `run` joins its threads, so nothing is left running

    def run(self, queries: list[Query], connections: int, duration: float) -> Run:
        """Each of `connections` threads loops through the mix (starting at its own offset) for `duration` s."""
        assert self.store is not None
        store = self.store
        latencies: list[list[float]] = [[] for _ in range(connections)]
        errors = [0] * connections
        begin = time.perf_counter()
        deadline = begin + duration

        def worker(k: int) -> None:
            i = k
            mine = latencies[k]
            while time.perf_counter() < deadline:
                query = queries[i % len(queries)]
                i += 1
                t0 = time.perf_counter()
                try:
                    answer(store, query)
                except (OSError, SyntaxError, ValueError, RuntimeError):
                    errors[k] += 1
                    continue
                mine.append(time.perf_counter() - t0)

        threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - begin
        return summarise([x for mine in latencies for x in mine], elapsed, sum(errors))
