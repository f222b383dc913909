"""Admission: a request's whole life, waiting for an engine and running on it, is bounded by its
timeout; a request that finds every engine busy waits queue_timeout at most and gets 503 with
Retry-After; cheap queries are answered on the short lane while runaways fill the other engines; the
engine of a client that has left is stopped within a second (issue 15).

Embedded only: engines are the embedded store's.
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from ..service.conftest import RUNAWAY
from ..service.test_server import query_engines
from .conftest import REACHES_ENGINE, Bystander, assert_clear, post_query, settle

pytestmark = pytest.mark.embedded_only


@pytest.fixture(scope="module")
def one_engine_server(server_factory, robust_server):
    """One query engine (so no short lane), a 10 s query timeout and a 0.5 s queue timeout, on the
    robust server's store."""
    return server_factory(robust_server.data_dir, env={
        **REACHES_ENGINE, "REFORMKG_QUERY_WORKERS": "1", "REFORMKG_QUERY_TIMEOUT": "10",
        "REFORMKG_QUEUE_TIMEOUT": "0.5"})


def runaways(server, clients: int, seconds: float = 0.0) -> tuple[list[threading.Thread], list[tuple[int, float]]]:
    """`clients` threads posting RUNAWAY, once or one after another for `seconds`; (status, seconds) of each."""
    outcomes: list[tuple[int, float]] = []
    end = time.monotonic() + seconds

    def run() -> None:
        while True:
            started = time.monotonic()
            outcomes.append((post_query(server, RUNAWAY, timeout=30).status_code, time.monotonic() - started))
            if time.monotonic() >= end:
                return

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def test_waiting_and_running_together_take_no_longer_than_the_timeout(robust_server):
    settle(robust_server)
    threads, outcomes = runaways(robust_server, clients=6)  # six at once on two engines
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 6 and {status for status, _ in outcomes} == {503}
    assert max(seconds for _, seconds in outcomes) < 2.0 + 1.0  # query_timeout is 2 s, waiting included
    settle(robust_server)


def test_cheap_queries_are_answered_while_runaways_fill_the_engines(robust_server):
    settle(robust_server)
    threads, outcomes = runaways(robust_server, clients=3, seconds=4.0)
    time.sleep(0.8)  # the runaways have left the short lane for the other engine, and wait for it
    with Bystander(robust_server) as bystander:
        time.sleep(2.5)
    for thread in threads:
        thread.join(timeout=30)
    # Without the short lane a cheap query waits for a runaway's engine: up to query_timeout (2 s).
    bystander.assert_never_noticed(slowest=1.5)
    assert {status for status, _ in outcomes} == {503}
    settle(robust_server)


def test_a_request_that_finds_every_engine_busy_gets_503_with_retry_after_after_queue_timeout(one_engine_server):
    settle(one_engine_server, engines=1)
    threads, outcomes = runaways(one_engine_server, clients=1)
    time.sleep(0.5)  # the runaway has the only engine
    started = time.monotonic()
    response = post_query(one_engine_server, "ASK {}", timeout=30)
    waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.text.startswith("503 overloaded: all 1 query engines are busy")
    assert int(response.headers["Retry-After"]) >= 1
    assert_clear(response)
    assert 0.5 <= waited < 0.5 + 1.0  # queue_timeout, not the 10 s query_timeout
    requests.get(one_engine_server.url + "/sparql", params={"query": RUNAWAY, "timeout": "0.1"}, timeout=30)
    for thread in threads:
        thread.join(timeout=30)


def test_the_engine_of_a_client_that_left_is_stopped_within_a_second(one_engine_server):
    settle(one_engine_server, engines=1)
    [engine] = query_engines(one_engine_server)
    client = socket.create_connection(("127.0.0.1", one_engine_server.port))
    client.sendall(b"GET /sparql?query=%s HTTP/1.1\r\nHost: x\r\n\r\n" % quote(RUNAWAY).encode())
    time.sleep(0.5)  # the runaway is on the engine, with 10 s to run
    client.close()
    left = time.monotonic()
    while Path(f"/proc/{engine}").exists() and time.monotonic() - left < 5:
        time.sleep(0.05)
    assert not Path(f"/proc/{engine}").exists()
    assert time.monotonic() - left < 1.0 + 0.5  # within a second, and the time to notice it is gone
    settle(one_engine_server, engines=1)  # a fresh engine took its place
    assert post_query(one_engine_server, "ASK {}").json()["boolean"] is True


def test_when_the_line_for_engines_is_full_a_request_gets_503_at_once_and_a_thread_is_left(robust_server):
    """Four threads and two engines here: one runaway runs, one waits (the line's length, so that a
    thread is left for a cheap query); a third finds the line full."""
    settle(robust_server)
    threads, _ = runaways(robust_server, clients=2)
    time.sleep(1.0)  # one runs on the general engine, the other overran the short lane and waits
    started = time.monotonic()
    response = post_query(robust_server, RUNAWAY, timeout=30)
    assert response.status_code == 503 and response.text.startswith("503 overloaded")
    assert "Retry-After" in response.headers
    assert time.monotonic() - started < 1.0  # not after queue_timeout or query_timeout
    # A text of its own, so that an engine answers it, not the result cache.
    assert post_query(robust_server, f"ASK {{ ?s ?p ?o }} # {time.time()}", timeout=30).json()["boolean"] is True
    for thread in threads:
        thread.join(timeout=30)
    settle(robust_server)
