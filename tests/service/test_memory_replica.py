"""Query engines answer small snapshots from a copy in memory, exactly as they would from disk.

Answers are compared as multisets: where a query leaves the order open (ties, blank nodes, which
STR() cannot order) the two stores may list the same rows in another order.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reformkg.service.store.base import QueryRequest
from reformkg.service.store.embedded import EmbeddedStore

from .conftest import TOKEN, make_data_dir, sample_nquads, settings_for

QUERIES = [
    # Blank nodes too: the copy must keep the labels the files give them, or two engines would disagree.
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "SELECT ?b ?p WHERE { GRAPH ?g { ?b ?p ?o } FILTER(isBlank(?b)) } ORDER BY STR(?b) STR(?p)",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/reformkg/ontology#Reform> ; ?p ?o }",
]


def _open(data_dir: Path, replica_bytes: int, **changes) -> EmbeddedStore:
    return EmbeddedStore.open(settings_for(data_dir, query_workers=1, memory_replica_bytes=replica_bytes,
                                           max_result_rows=100_000, max_result_bytes=10**8, buffer_bytes=10**7,
                                           **{"update_token": None, **changes}))


def _answer(store: EmbeddedStore, query: str) -> bytes:
    accept = "application/n-triples" if query.startswith("CONSTRUCT") else "application/sparql-results+json"
    return b"".join(store.query(QueryRequest(query, accept=accept)).body)


def _rows(store: EmbeddedStore, query: str) -> list[str]:
    """The answer's rows (or triples), sorted, blank node labels included."""
    body = _answer(store, query)
    if query.startswith("CONSTRUCT"):
        return sorted(body.decode().splitlines())
    return sorted(json.dumps(row, sort_keys=True) for row in json.loads(body)["results"]["bindings"])


def _open_store_files(store: EmbeddedStore) -> list[str]:
    """The store files the query engine has open (the writer has the primary store's open)."""
    writer = store.executor._writer
    [pid] = [p for p in store.executor.pids() if writer is None or p != writer.pid]
    names = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            names.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    return [n for n in names if n.endswith(".sst")]


@pytest.fixture(scope="module")
def both(data_dir: Path):
    memory, disk = _open(data_dir, 1 << 30), _open(data_dir, 0)
    yield memory, disk
    memory.close()
    disk.close()


@pytest.mark.parametrize("query", QUERIES)
def test_the_memory_copy_gives_the_same_answers_as_the_files(both, query):
    memory, disk = both
    rows = _rows(disk, query)
    assert rows and _rows(memory, query) == rows


def test_a_small_snapshot_is_read_from_memory_and_a_large_one_from_disk(both, data_dir: Path):
    memory, disk = both
    _answer(memory, QUERIES[2])
    _answer(disk, QUERIES[2])
    assert _open_store_files(memory) == []
    assert _open_store_files(disk) != []
    tiny_limit = _open(data_dir, 1024)  # the report's snapshot is larger than 1 KiB: read from disk
    try:
        _answer(tiny_limit, QUERIES[2])
        assert _open_store_files(tiny_limit) != []
    finally:
        tiny_limit.close()


def test_a_write_is_seen_by_the_next_query_on_a_memory_copy(tmp_path: Path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    store = _open(data_dir, 1 << 30, update_token=TOKEN)
    ask = "ASK { <http://example.org/new> <http://example.org/value> 1 }"
    try:
        assert b"false" in _answer(store, ask)
        store.update("INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/new> "
                     "<http://example.org/value> 1 } }", timeout=10)
        assert b"true" in _answer(store, ask)
        assert _open_store_files(store) == []
    finally:
        store.close()
