"""Queries run in engine processes that are killed at the deadline, replaced, and free their CPU.

Embedded only: the executor and its engine processes are the embedded store's.
"""
from __future__ import annotations

import http.server
import json
import os
import signal
import threading
import time

import pytest

from reformkg.service.errors import EngineFailure, Overloaded, QueryTimeout, ResultTooLarge
from reformkg.service.store.embedded.executor import Executor
from reformkg.service.store.base import QueryRequest
from reformkg.service.store.embedded import EmbeddedStore

from .conftest import RUNAWAY, SAMPLE_SIZE, settings_for

pytestmark = pytest.mark.embedded_only

ALL = "SELECT * { ?s ?p ?o }"
# Wider than one chunk of the engine (CHUNK_BYTES): an answer of one chunk comes whole, in one message,
# and leaves its engine idle at once, so only a wider one is still being sent when the client leaves.
WIDE = "SELECT * { ?s ?p ?o BIND(CONCAT(STR(?s), STR(?p), STR(?s), STR(?p), STR(?s)) AS ?wide) }"


@pytest.fixture()
def backend(sample_dir):
    store = EmbeddedStore.open(settings_for(sample_dir, query_timeout=1.0, query_workers=1, update_token=None))
    store.triple_count()  # the engine has started: deadlines count from the job, not the engine's start
    yield store
    store.close()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _rows(body) -> int:
    return len(json.loads(b"".join(body))["results"]["bindings"])


def test_a_runaway_query_is_stopped_at_the_deadline_and_its_engine_replaced(backend):
    [engine] = backend.executor.pids()
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="query exceeded the 1 s limit set by query_timeout"):
        backend.query(QueryRequest(RUNAWAY))
    assert 0.9 <= time.monotonic() - started < 2.0
    assert _gone(engine)
    assert backend.executor.pids() != [engine]
    assert _rows(backend.query(QueryRequest(ALL)).body) == SAMPLE_SIZE


def test_a_request_may_lower_the_timeout_but_not_raise_it(backend):
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="0.3 s limit set by the request"):
        backend.query(QueryRequest(RUNAWAY, timeout=0.3))
    assert time.monotonic() - started < 0.9
    with pytest.raises(QueryTimeout, match="1 s limit set by query_timeout"):
        backend.query(QueryRequest(RUNAWAY, timeout=100))


def test_an_engine_that_dies_mid_query_is_a_500_and_is_replaced(backend):
    [engine] = backend.executor.pids()
    threading.Timer(0.3, os.kill, (engine, signal.SIGKILL)).start()
    with pytest.raises(EngineFailure, match="the query engine failed on this query"):
        backend.query(QueryRequest(RUNAWAY))
    assert _rows(backend.query(QueryRequest(ALL)).body) == SAMPLE_SIZE


def test_when_every_engine_is_busy_a_request_waits_then_gets_503(backend):
    outcome = []
    runaway = threading.Thread(target=lambda: outcome.append(_error_of(backend.query, QueryRequest(RUNAWAY))))
    runaway.start()
    time.sleep(0.2)
    with pytest.raises(Overloaded, match="all 1 query engines are busy"):
        backend.executor.value({"op": "count"}, 0.3, "unused")
    runaway.join()
    assert isinstance(outcome[0], QueryTimeout)


def _error_of(function, *args) -> Exception | None:
    try:
        function(*args)
    except Exception as exc:  # the test asserts which
        return exc
    return None


def test_an_answer_larger_than_the_buffer_is_streamed_whole(backend):
    response = backend.query(QueryRequest(ALL))
    assert response.length is None  # 4 KiB buffer, ~40 KB answer
    assert _rows(response.body) == SAMPLE_SIZE


def test_a_small_answer_is_complete_before_the_status(backend):
    response = backend.query(QueryRequest("ASK {}"))
    assert response.length == len(b"".join(response.body))


def test_closing_a_streamed_answer_early_kills_its_engine(backend):
    [engine] = backend.executor.pids()
    response = backend.query(QueryRequest(WIDE))
    next(iter(response.body))
    response.body.close()
    assert _gone(engine)
    assert _rows(backend.query(QueryRequest(ALL)).body) == SAMPLE_SIZE


def test_more_rows_than_max_result_rows_stops_the_query_with_400(backend):
    started = time.monotonic()
    with pytest.raises(ResultTooLarge, match="more than 1000 rows, the limit set by max_result_rows") as error:
        backend.query(QueryRequest("SELECT * { ?a ?b ?c . ?d ?e ?f }"))
    assert error.value.status == 400 and time.monotonic() - started < 1
    with pytest.raises(ResultTooLarge, match="more than 10 rows, the limit set by the request"):
        backend.query(QueryRequest(ALL, max_rows=10))
    with pytest.raises(ResultTooLarge, match="more than 1000 rows"):
        backend.query(QueryRequest("CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"))


def test_a_result_larger_than_max_result_bytes_is_400(sample_dir):
    store = EmbeddedStore.open(settings_for(sample_dir, max_result_bytes=10_000, query_workers=1, update_token=None))
    try:
        with pytest.raises(ResultTooLarge, match="larger than 10000 bytes, the limit set by max_result_bytes"):
            store.query(QueryRequest(ALL))
    finally:
        store.close()


def test_closing_the_backend_stops_every_engine(sample_dir):
    store = EmbeddedStore.open(settings_for(sample_dir))
    pids = store.executor.pids()
    assert len(pids) == 3  # two query engines and the writer
    store.close()
    assert all(_gone(pid) for pid in pids)


@pytest.fixture()
def listener():
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("offline", [False, True])
def test_an_engine_off_the_network_cannot_fetch_even_what_the_text_check_allows(sample_dir, listener, offline):
    url, hits = listener
    settings = settings_for(sample_dir, query_workers=1, federation_allow=url)
    store = EmbeddedStore(settings, Executor(sample_dir, 1, writable=True, offline=offline))
    try:
        store.triple_count()
        if offline and not store.executor.isolated():
            pytest.skip("this system does not allow unshare(CLONE_NEWNET), so engines keep the network")
        outcomes = [_error_of(lambda: b"".join(store.query(QueryRequest(f"SELECT * {{ SERVICE <{url}q> {{ }} }}")).body)),
                    _error_of(store.update, f"LOAD <{url}load>", 5)]
    finally:
        store.close()
    if offline:
        assert hits == [] and all(isinstance(o, EngineFailure) for o in outcomes)
    else:
        assert hits  # the same requests do reach the network from an engine that is on it
