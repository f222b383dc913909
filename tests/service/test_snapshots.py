"""Readers open immutable snapshots; writes are whole, durable and visible once acknowledged.

Embedded only: snapshots and the writer process are how the embedded store reads and writes.
"""
from __future__ import annotations

import os
import shutil
import time

import pytest
from click.testing import CliRunner
from pyoxigraph import Store

from reformkg.service.cli import main
from reformkg.service.errors import QueryTimeout
from reformkg.service.store.embedded import snapshots
from reformkg.service.store.base import Payload, QueryRequest
from reformkg.service.store.embedded import EmbeddedStore
from reformkg.service.store.install import current_store

from .conftest import SAMPLE_SIZE, make_data_dir, sample_nquads, settings_for

pytestmark = pytest.mark.embedded_only

COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"


@pytest.fixture()
def data_dir(tmp_path):
    return make_data_dir(tmp_path / "data", sample_nquads())


@pytest.fixture()
def backend(data_dir):
    store = EmbeddedStore.open(settings_for(data_dir, query_timeout=1.0, query_workers=1))
    yield store
    store.close()


def _ask(backend, text: str) -> bool:
    body = b"".join(backend.query(QueryRequest(text, accept="text/csv")).body)
    return body.splitlines()[1] == b"true" if body.startswith(b"_askResult") else b"true" in body


def test_install_publishes_a_first_snapshot_with_the_primary_stores_content(data_dir):
    pin = snapshots.pin(data_dir)
    try:
        assert len(Store.read_only(str(pin.path))) == SAMPLE_SIZE == len(Store.read_only(str(current_store(data_dir))))
        assert pin.path.parent == data_dir / "snapshots" and pin.path != current_store(data_dir)
    finally:
        pin.release()


def test_an_acknowledged_write_is_seen_by_the_next_query(backend):
    backend.update("INSERT DATA { GRAPH <http://g/new> { <http://a> <http://b> <http://c> } }", 5)
    assert backend.query(QueryRequest("ASK { GRAPH <http://g/new> { <http://a> ?p ?o } }")).body == [b'{"head":{},"boolean":true}']
    assert "http://g/new" in backend.named_graphs()


def test_a_pinned_snapshot_survives_a_write_and_an_unpinned_one_is_pruned(data_dir, backend):
    reader = snapshots.pin(data_dir)
    backend.update("INSERT DATA { <http://a> <http://b> 1 }", 5)
    backend.update("INSERT DATA { <http://a> <http://b> 2 }", 5)
    names = sorted(p.name for p in (data_dir / "snapshots").iterdir() if p.name.isdigit())
    assert reader.generation in names and len(Store.read_only(str(reader.path))) == SAMPLE_SIZE
    assert snapshots.generation(data_dir) in names and len(names) <= 3  # the reader's, the engine's, the current
    reader.release()
    backend.triple_count()  # the engine moves to the current snapshot (an idle engine keeps its own pinned)
    backend.update("INSERT DATA { <http://a> <http://b> 3 }", 5)
    assert reader.generation not in os.listdir(data_dir / "snapshots")


def test_a_runaway_update_is_stopped_at_the_deadline_and_changes_nothing(backend):
    runaway = ("INSERT { <http://x> <http://count> ?n } WHERE { "
               "SELECT (COUNT(*) AS ?n) { GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } GRAPH ?y { ?g ?h ?i } "
               "GRAPH ?z { ?j ?k ?l } } }")
    with pytest.raises(QueryTimeout, match="write exceeded the 1 s limit set by query_timeout; nothing was changed"):
        backend.update(runaway, 5)
    assert b'"n"' in b"".join(backend.query(QueryRequest(COUNT)).body)
    assert not _ask(backend, "ASK { <http://x> ?p ?o }")
    backend.update("INSERT DATA { <http://after> <http://b> 1 }", 5)  # the lock and the store were released
    assert _ask(backend, "ASK { <http://after> ?p ?o }")
    assert backend.triple_count() == SAMPLE_SIZE + 1


def test_a_failing_update_applies_none_of_its_operations(backend):
    from reformkg.service.errors import BadRequest

    with pytest.raises(BadRequest, match="does not exist"):
        backend.update("INSERT DATA { <http://half> <http://b> 1 } ; DROP GRAPH <http://g/absent>", 5)
    assert not _ask(backend, "ASK { <http://half> ?p ?o }")


def test_a_data_dir_without_snapshots_gets_one_when_opened(data_dir):
    os.unlink(data_dir / "snapshot")
    shutil.rmtree(data_dir / "snapshots")
    store = EmbeddedStore.open(settings_for(data_dir, query_workers=1))
    try:
        assert store.triple_count() == SAMPLE_SIZE
    finally:
        store.close()


def test_a_write_applied_but_not_published_by_a_crashed_writer_is_published(data_dir):
    with snapshots.write_lock(data_dir):
        snapshots.mark_pending(data_dir)
        primary = Store(str(current_store(data_dir)))
        primary.update("INSERT DATA { <http://crashed> <http://b> 1 }")
        del primary
    snapshots.ensure(data_dir)
    pin = snapshots.pin(data_dir)
    try:
        assert len(Store.read_only(str(pin.path))) == SAMPLE_SIZE + 1
    finally:
        pin.release()


def test_reformkg_query_reads_the_snapshot(data_dir):
    result = CliRunner().invoke(main, ["query", "--data-dir", str(data_dir), "--format", "csv", COUNT])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == str(SAMPLE_SIZE)


def disk_bytes(path) -> int:
    """Bytes on disk, each hard-linked file once (as du counts)."""
    seen, total = set(), 0
    for root, _, files in os.walk(path):
        for name in files:
            stat = os.lstat(os.path.join(root, name))
            if stat.st_ino not in seen:
                seen.add(stat.st_ino)
                total += stat.st_blocks * 512
    return total


def _snapshots(data_dir) -> list[str]:
    return sorted(p.name for p in (data_dir / "snapshots").iterdir() if p.name.isdigit())


def _settle(data_dir, seconds: float = 10.0) -> list[str]:
    """The snapshots on disk once idle engines have let go of the replaced ones (within a second or two)."""
    deadline = time.monotonic() + seconds
    while len(_snapshots(data_dir)) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    return _snapshots(data_dir)


def test_an_idle_engine_lets_go_of_a_replaced_snapshot_and_it_is_deleted(data_dir, backend):
    assert backend.triple_count() == SAMPLE_SIZE  # the engine pins the first snapshot
    first = snapshots.generation(data_dir)
    file = data_dir.parent / "more.nt"
    file.write_text("<http://a> <http://b> <http://c> .\n")
    result = CliRunner().invoke(main, ["load", "--data-dir", str(data_dir), str(file)])
    assert result.exit_code == 0, result.output
    assert _settle(data_dir) == [snapshots.generation(data_dir)] != [first]
    assert backend.triple_count() == SAMPLE_SIZE + 1


def test_a_big_put_then_delete_leaves_the_store_its_size_and_read_from_memory(data_dir):
    from .test_memory_replica import _open_store_files

    store = EmbeddedStore.open(settings_for(data_dir, query_timeout=60.0, query_workers=1,
                                            memory_replica_bytes=16 * 1024 * 1024))
    try:
        before = disk_bytes(data_dir)
        body = "".join(f'<http://example.org/big/{i}> <http://example.org/p{i % 50}> "value {i} with some words"@en .\n'
                       for i in range(40_000)).encode()
        store.graph_replace("http://example.org/g/big", [Payload(body, "application/n-triples")])
        store.graph_delete("http://example.org/g/big")
        assert store.triple_count() == SAMPLE_SIZE
        _settle(data_dir)
        # Unused strings stay (Oxigraph never deletes them); the logs, the deleted data and the old snapshots go.
        assert disk_bytes(data_dir) <= before + 8 * 1024 * 1024
        assert disk_bytes(data_dir / "snapshots" / snapshots.generation(data_dir)) <= 16 * 1024 * 1024
        assert _open_store_files(store) == []  # so the engine reads it from memory again
    finally:
        store.close()
