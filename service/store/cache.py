"""A result cache in front of any backend: the reform graph is read-mostly, so the same query
mix is answered again and again from the same snapshot.

Entries are keyed by the store's generation (the embedded store's snapshot name, one readlink), so
a write, a rebuild or another process's write makes every older entry unreachable at once; nothing
is ever served from a snapshot older than the one a fresh query would read. Only complete results
(those the engine finished before the response started) are kept, within a byte budget, least
recently used first out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from .base import Backend, QueryRequest, QueryResponse, Terms


class ResultCache:
    """Least recently used entries within a byte budget; an entry's size is its body's length."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: Any, size: int | None = None) -> None:
        """Keep `value` (a QueryResponse unless `size` is given) under `key`."""
        size = (value.length or 0) if size is None else size
        if size > self.max_bytes // 8:
            return  # one large result must not flush the whole cache
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self._size += size
            while self._size > self.max_bytes and self._entries:
                _, (_, old) = self._entries.popitem(last=False)
                self._size -= old

    def __len__(self) -> int:
        return len(self._entries)


class CachingBackend:
    """Wraps a backend; queries, answered or as terms, go through the cache, everything else straight
    to the backend. A hit is answered before the query is read: it costs a readlink and a lookup."""

    def __init__(self, backend: Backend, cache: ResultCache, generation: Callable[[], str | None]) -> None:
        self.backend = backend
        self.cache = cache
        self.generation = generation

    def _key(self, request: QueryRequest, *kind: str) -> Hashable | None:
        generation = self.generation()
        if generation is None:
            return None
        return (
            *kind, generation, request.query, request.accept, request.default_graphs, request.named_graphs,
            tuple(sorted(request.substitutions.items())), request.max_rows, request.base_iri,
        )

    def terms(self, request: QueryRequest) -> Terms:
        key = self._key(request, "terms")
        if key is None:
            return self.backend.terms(request)
        cached = self.cache.get(key)
        if cached is None:
            cached = self.backend.terms(request)
            self.cache.put(key, cached, _size(cached))
        return cached

    def query(self, request: QueryRequest) -> QueryResponse:
        key = self._key(request)
        if key is None:
            return self.backend.query(request)
        cached = self.cache.get(key)
        if cached is not None:
            return QueryResponse(cached.form, cached.media_type, cached.body, cached.length)
        response = self.backend.query(request)
        if response.length is None:
            return response  # streamed: too large to keep
        body = [b"".join(response.body)]
        complete = QueryResponse(response.form, response.media_type, body, response.length)
        self.cache.put(key, complete)
        return QueryResponse(complete.form, complete.media_type, body, complete.length)

    def __getattr__(self, name: str):
        return getattr(self.backend, name)


def _size(terms: Terms) -> int:
    """About the bytes `terms` hold: their text, and a little more for each term."""
    values = [*(t for row in terms.solutions for t in row.values()),
              *(t for triple in terms.triples for t in (triple.subject, triple.predicate, triple.object))]
    return sum(len(str(t)) + 48 for t in values)
