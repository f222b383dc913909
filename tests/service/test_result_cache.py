"""The result cache: repeated queries are answered from it, and never from an older snapshot.

Embedded only: the cache is keyed by the embedded store's snapshot generation.
"""
from __future__ import annotations

import pytest

from reformkg.service.store.base import QueryRequest, QueryResponse
from reformkg.service.store.cache import CachingBackend, ResultCache

from .conftest import TOKEN

pytestmark = pytest.mark.embedded_only

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def count(client, accept="application/sparql-results+json") -> bytes:
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 200
    return response.data


def test_a_repeated_query_is_answered_from_the_cache(writable_app, writer):
    cache = writable_app.extensions["reformkg.backend"].cache
    first = count(writer)
    hits = cache.hits
    assert count(writer) == first
    assert cache.hits == hits + 1


def test_each_media_type_is_its_own_entry(writable_app, writer):
    cache = writable_app.extensions["reformkg.backend"].cache
    json_body = count(writer)
    csv_body = count(writer, "text/csv")
    assert json_body != csv_body
    assert csv_body.startswith(b"n\r\n")
    hits = cache.hits
    count(writer, "text/csv")
    assert cache.hits == hits + 1


def test_a_write_makes_the_cache_answer_from_the_new_snapshot(writer):
    before = count(writer, "text/csv")
    response = writer.post("/sparql", data={"update": "INSERT DATA { <urn:cache:a> <urn:cache:b> 1 }"}, headers=AUTH)
    assert response.status_code in (200, 204)
    after = count(writer, "text/csv")
    assert int(after.split()[1]) == int(before.split()[1]) + 1


class _Counting:
    """A backend stand-in that counts what reaches it (the cache logic alone, no engine)."""

    def __init__(self, size: int) -> None:
        self.calls = 0
        self.size = size

    def query(self, request: QueryRequest) -> QueryResponse:
        self.calls += 1
        body = request.query.encode().ljust(self.size, b" ")
        return QueryResponse("SELECT", "text/csv", [body], len(body))


def test_least_recently_used_results_leave_first_within_the_byte_budget():
    inner = _Counting(size=100)
    backend = CachingBackend(inner, ResultCache(max_bytes=1000), lambda: "1")
    for i in range(20):
        backend.query(QueryRequest(query=f"q{i}"))
    assert len(backend.cache) == 10
    backend.query(QueryRequest(query="q19"))
    assert inner.calls == 20
    backend.query(QueryRequest(query="q0"))
    assert inner.calls == 21


def test_streamed_results_and_stores_without_a_generation_are_not_cached():
    class Streaming(_Counting):
        def query(self, request):
            self.calls += 1
            return QueryResponse("SELECT", "text/csv", iter([b"a", b"b"]), None)

    inner = Streaming(size=0)
    backend = CachingBackend(inner, ResultCache(max_bytes=1000), lambda: "1")
    assert b"".join(backend.query(QueryRequest(query="q")).body) == b"ab"
    backend.query(QueryRequest(query="q"))
    assert inner.calls == 2
    counted = _Counting(size=10)
    uncached = CachingBackend(counted, ResultCache(max_bytes=1000), lambda: None)
    uncached.query(QueryRequest(query="q"))
    uncached.query(QueryRequest(query="q"))
    assert counted.calls == 2
