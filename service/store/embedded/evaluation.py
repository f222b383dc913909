"""A query answered on an open store, once, in the job's format, within its limits.

The one place the embedded store turns a job (backend.py's `EmbeddedStore._job`) into an answer, shared
by the engine processes (engine.py) and the web process's short path (replica.py), so that both give
the same bytes and the same errors for the same job on the same snapshot.
"""
from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, QueryTriples, Store

from ... import errors, formats
from ...sparql.syntax import explain
from ..base import Limit, too_many_bytes, too_many_rows


COPY_BATCH = 256
"""Quads copied into memory by one call (open_snapshot)."""


class OverBudget(Exception):
    """The answer has more rows or triples than the caller's budget: it gave up, and the job must run
    where it can be stopped (an engine)."""


class Written(io.RawIOBase):
    """Where a query's answer is written: kept whole, its bytes counted against max_bytes as it is
    written and, for SELECT results, its rows too, by the format's row counter (formats.py). Past
    max_bytes nothing more is kept but the rows are still counted to the end, as a remote server's
    answer is (store/remote/answers.py): a result with too many rows says so, whatever its size.
    Past `budget` rows (None: no budget) it raises OverBudget."""

    def __init__(self, fmt: formats.Format, job: dict, budget: int | None = None) -> None:
        super().__init__()
        self.rows = fmt.rows() if fmt.rows is not None else None
        self.max_bytes, self.job, self.budget = job["max_bytes"], job, budget
        self.size = 0
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.rows is not None:
            rows = self.rows.feed(data)
            if self.budget is not None and rows > self.budget and self.budget < self.job["max_rows"]:
                raise OverBudget
            if rows > self.job["max_rows"]:
                raise errors.ResultTooLarge(too_many_rows(_rows_limit(self.job)))
        self.size += len(data)
        if self.size <= self.max_bytes:
            self.parts.append(bytes(data))
        return len(data)

    def check(self) -> None:
        """Raises ResultTooLarge when the whole answer is larger than max_bytes."""
        if self.size > self.max_bytes:
            raise errors.ResultTooLarge(too_many_bytes(self.max_bytes))


def limited(items: Iterator[Any], job: dict, budget: int | None = None) -> Iterator[Any]:
    """The items (rows, triples), stopping the query with ResultTooLarge past the job's max_rows, or
    with OverBudget past `budget` when that comes first."""
    for n, item in enumerate(items, 1):
        if budget is not None and n > budget and budget < job["max_rows"]:
            raise OverBudget
        if n > job["max_rows"]:
            raise errors.ResultTooLarge(too_many_rows(_rows_limit(job)))
        yield item


def _rows_limit(job: dict) -> Limit:
    return Limit(job["max_rows"], job["rows_limit"])


def evaluate(store: Store, job: dict) -> QueryBoolean | QuerySolutions | QueryTriples:
    """The job's query evaluated (lazily, for solutions and triples) on its dataset."""
    options: dict[str, Any] = {}
    if job["default_graphs"] or job["named_graphs"]:
        options["default_graph"] = [NamedNode(g) for g in job["default_graphs"]]
        options["named_graphs"] = [NamedNode(g) for g in job["named_graphs"]]
    elif job["union"]:
        options["use_default_graph_as_union"] = True
    try:
        return guarded(lambda: store.query(job["query"], base_iri=job["base_iri"], **options))
    except SyntaxError as exc:
        raise errors.QuerySyntaxError(explain(job["query"], str(exc))) from exc


def answer(store: Store, job: dict, budget: int | None = None) -> tuple[str, str, Written]:
    """The answer written once, in the job's format: (form, media type, what was written). Its rows and
    bytes are counted as it is written, so every limit is an error, never a cut answer. Raises
    ResultTooLarge, QuerySyntaxError, BadRequest, and OverBudget past `budget` rows or triples."""
    result = evaluate(store, job)
    fmt = formats.BY_MEDIA[job["media_type"]]
    written = Written(fmt, job, budget)
    if isinstance(result, QueryBoolean):
        form = "ASK"
        fmt.write(result, written)
    elif isinstance(result, QuerySolutions):
        form = "SELECT"
        guarded(lambda: fmt.write(result, written))
    else:
        form = job["form"]
        guarded(lambda: fmt.write(limited(result, job, budget), written, job["prefixes"]))
    written.check()
    return form, fmt.media_type, written


def open_snapshot(path: Path, replica_bytes: int) -> Store:
    """The snapshot read-only, or a copy of it in memory when it is at most `replica_bytes` on disk.

    pyoxigraph answers from memory about three times faster than from RocksDB (benchmarks/results/
    compare-reform.md), and a snapshot never changes, so the copy is exactly as current as the files.
    Quads are copied as objects, not re-parsed, so blank nodes keep the labels the files give them,
    in the files' order, so that every copy lists a pattern's matches in the same order. pyoxigraph
    holds the GIL while it copies, so they are copied COPY_BATCH at a time: one call for the report's
    8,218 quads held it, and every other thread of the web process, for a quarter of a second.
    """
    disk = Store.read_only(str(path))
    if not fits_in_memory(path, replica_bytes):
        return disk
    memory = Store()
    quads = iter(disk)
    while batch := list(islice(quads, COPY_BATCH)):
        memory.extend(batch)
        time.sleep(0)  # the web process copies too (replica.py): its other threads run between batches
    return memory


def fits_in_memory(path: Path, replica_bytes: int) -> bool:
    """Whether the snapshot at `path` is copied into memory (open_snapshot)."""
    return replica_bytes > 0 and sum(e.stat().st_size for e in os.scandir(path) if e.is_file()) <= replica_bytes


def guarded(run: Callable[[], Any]) -> Any:
    """Evaluation errors pyoxigraph raises (RuntimeError: an unbound SERVICE name …) are the query's: 400.
    Storage errors (OSError) are the engine's: 500, with the details only in the log."""
    try:
        return run()
    except RuntimeError as exc:
        raise errors.BadRequest(f"the query failed: {exc}") from exc
