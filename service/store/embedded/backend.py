"""The embedded on-disk Oxigraph store as a `Backend`: every query and write runs in an engine process.

The web process never opens the store: queries go to a pool of engine processes reading immutable
snapshots (executor.py, engine.py, snapshots.py), writes to a writer process. A short query (one whose
work the rows it gives bound, sparql/bounded.py) is answered in the web process from its own copy of
the current snapshot (replica.py), as an engine would answer it. What reaches here has
passed the Backend's policy (store/base.py); a job tells the engine the text to run, the format to
write and the limits, and the engine serialises the answer once.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ... import clients, formats
from ...errors import ENGINE_FAILED, EngineFailure
from ...settings import Settings
from ..base import Backend, Limit, Payload, Prepared, QueryResponse, Terms, read_terms
from . import snapshots
from .executor import Answer, Executor
from .replica import Replica


log = logging.getLogger(__name__)

LOAD_BYTES_PER_SECOND = 1024 * 1024
NTRIPLES = "application/n-triples"
_TERMS_FORMATS = {"SELECT": "text/tab-separated-values", "ASK": "application/sparql-results+json"}
"""What an engine writes an answer in for pages (`terms`): formats pyoxigraph reads back losslessly,
TSV faster than SPARQL JSON (which ASK needs); graphs in N-Triples."""
MARGIN = 0.05
"""A short query is answered in this process only with at least this many seconds of its time left;
with less, an engine answers it, and its deadline stops it as it would any query."""


class StoreMissing(Exception):
    """No dataset has been built into the data directory yet."""


class EmbeddedStore(Backend):
    def __init__(self, settings: Settings, executor: Executor) -> None:
        super().__init__(settings)
        self.executor = executor
        self.replica = Replica(settings.data_dir, settings.memory_replica_bytes) \
            if settings.memory_replica_bytes > 0 else None
        """Where short queries are answered in this process (replica.py); None: engines answer all."""

    @classmethod
    def open(cls, settings: Settings) -> EmbeddedStore:
        if snapshots.primary(settings.data_dir) is None:
            raise StoreMissing(f"no store in {settings.data_dir}; run `reformkg build` first")
        snapshots.ensure(settings.data_dir)
        # Of a web worker's threads, one per engine may be running a query and one is kept for a
        # cheap query to reach the short lane; the rest may wait for an engine.
        executor = Executor(settings.data_dir, settings.query_workers, writable=bool(settings.update_token),
                            offline=not settings.federation_allow.split(), max_bytes=settings.max_engine_bytes,
                            replica_bytes=settings.memory_replica_bytes, queue_seconds=settings.queue_timeout,
                            max_waiting=max(1, settings.threads - settings.query_workers - 1))
        return cls(settings, executor)

    def generation(self) -> str | None:
        return snapshots.generation(self.settings.data_dir)

    def engines_offline(self) -> bool | None:
        return self.executor.isolated()

    def _job(self, op: str, query: Prepared) -> dict:
        return {
            "op": op,
            "query": query.text,
            "media_type": query.format.media_type if query.format is not None else None,
            "default_graphs": list(query.default_graphs),
            "named_graphs": list(query.named_graphs),
            # The default graph is the union of all graphs unless the request or the query names a dataset.
            "union": not query.declares_dataset,
            "base_iri": query.base_iri,
            "max_rows": int(query.max_rows.value),
            "rows_limit": query.max_rows.source,
            "max_bytes": query.max_bytes,
            "form": query.form,
            "prefixes": dict(query.prefixes),
            "recursion": query.recursion,
        }

    def _run(self, query: Prepared) -> QueryResponse:
        timeout = query.timeout
        job = self._job("query", query)
        if query.short and self.replica is not None and clients.arrived() + timeout.value - time.monotonic() > MARGIN:
            answered = self.replica.answer(job)
            if answered is not None:
                form, media_type, data = answered
                if len(data) > self.settings.buffer_bytes:  # as the engines' answer would be: streamed
                    return QueryResponse(form, media_type, iter([data]))  # type: ignore[arg-type]
                return QueryResponse(form, media_type, [data], len(data))  # type: ignore[arg-type]
        return _response(self.executor.stream(job, timeout.value,
                                              _exceeded("query", timeout), self.settings.buffer_bytes))

    def _evaluate(self, query: Prepared) -> Terms:
        """Answered as any query is, in bytes pyoxigraph writes (TSV, N-Triples, SPARQL JSON for ASK) and
        reads back here: pickling each term cost the engine and this process more than the query did
        (0.96 ms for 214 triples, where writing and reading them as N-Triples costs 0.21 ms)."""
        answer = self._run(replace(query, format=formats.BY_MEDIA[_TERMS_FORMATS.get(query.form, NTRIPLES)]))
        body = b"".join(answer.body)
        try:
            return read_terms(answer.form, body, formats.BY_MEDIA[answer.media_type].syntax)
        except (SyntaxError, ValueError) as exc:
            log.error("an engine's %s answer does not parse: %s", answer.media_type, exc)
            raise EngineFailure(ENGINE_FAILED) from exc

    def _apply(self, text: str, base_iri: str | None, timeout: Limit) -> None:
        self._write({"op": "update", "text": text, "base_iri": base_iri}, timeout)

    def graph_get(self, graph: str | None, media_type: str) -> QueryResponse:
        return self._dump({"graph": graph, "dataset": False, "media_type": media_type})

    def dataset_get(self, media_type: str) -> QueryResponse:
        return self._dump({"graph": None, "dataset": True, "media_type": media_type})

    def graph_replace(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        return self._write({"op": "put", "graph": graph, "payloads": _pairs(payloads), "base_iri": graph},
                           self._load_limit(payloads))

    def graph_add(self, graph: str | None, payloads: Sequence[Payload]) -> bool:
        return self._write({"op": "post", "graph": graph, "payloads": _pairs(payloads), "base_iri": graph},
                           self._load_limit(payloads))

    def graph_delete(self, graph: str | None) -> None:
        self._write({"op": "delete", "graph": graph})

    def graph_exists(self, graph: str | None) -> bool:
        """Asked of the web process's copy when it is ready (each resource page asks it), else of an engine."""
        if graph is None:
            return True
        held = self.replica.contains_graph(graph) if self.replica is not None else None
        return held if held is not None else self._value({"op": "exists", "graph": graph})

    def mentions(self, iri: str) -> bool | None:
        """From the web process's copy when it is ready: every resource request asks it first, and three
        index lookups cost less than an engine's round trip."""
        return self.replica.mentions(iri) if self.replica is not None else None

    def named_graphs(self) -> list[str]:
        return self._value({"op": "graphs"})

    def triple_count(self) -> int:
        return self._value({"op": "count"})

    def close(self) -> None:
        self.executor.close()

    def _limit(self) -> Limit:
        return Limit(self.settings.query_timeout, "query_timeout")

    def _load_limit(self, payloads: Sequence[Payload]) -> Limit | None:
        """A body spooled to disk is bulk-loaded (engine.py): its time grows with its size, which
        max_upload_bytes bounds, not with what it asks, so it has a second more per LOAD_BYTES_PER_SECOND."""
        size = sum(p.data.stat().st_size for p in payloads if isinstance(p.data, Path))
        if not size:
            return None
        return Limit(self.settings.query_timeout + size / LOAD_BYTES_PER_SECOND,
                     "query_timeout and the body's size (a second per MiB)")

    def _dump(self, job: dict) -> QueryResponse:
        s = self.settings
        job = {"op": "dump", "max_bytes": s.max_result_bytes, **job}
        return _response(self.executor.stream(job, s.query_timeout, _exceeded("read", self._limit()), s.buffer_bytes))

    def _value(self, job: dict):
        return self.executor.value(job, self.settings.query_timeout, _exceeded("read", self._limit()))

    def _write(self, job: dict, timeout: Limit | None = None):
        timeout = timeout or self._limit()
        result = self.executor.write(job, timeout.value, _exceeded("write", timeout) + "; nothing was changed")
        self._acknowledged()
        return result


def _exceeded(what: str, timeout: Limit) -> str:
    return f"{what} exceeded the {timeout.value:g} s limit set by {timeout.source}"


def _pairs(payloads: Sequence[Payload]) -> list[tuple[bytes | Path, str]]:
    return [(p.data, p.media_type) for p in payloads]


def _response(answer: Answer) -> QueryResponse:
    return QueryResponse(answer.form, answer.media_type, answer.body, answer.length)  # type: ignore[arg-type]
