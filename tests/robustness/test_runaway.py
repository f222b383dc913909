"""Every runaway query is stopped at its deadline, including those that never yield a row, and its CPU
is free right after; the deadline is the configured one (query_timeout, 2 s here) or the request's.

Embedded only: the runaway's engine process is killed to free its CPU.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from ..service.conftest import RUNAWAY
from ..service.test_server import process_tree, query_engines
from .conftest import ITEM_1, assert_clear, open_fds, post_query, settle

pytestmark = pytest.mark.embedded_only

RUNAWAYS = {
    # Oxigraph's own server sends 200 before the first row, so when it gives up on this one the
    # client gets a truncated body with a success status.
    "COUNT over a four-way cross join, which never yields a row": RUNAWAY,
    "a cross join read past a huge OFFSET": "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } OFFSET 1000000000 LIMIT 1",
    "a 500-step property path": "SELECT * { ?s " + "/".join(["<http://example.org/value>"] * 500) + " ?o }",
}


@pytest.mark.parametrize("shape", RUNAWAYS)
def test_a_runaway_is_a_503_at_the_deadline_and_its_cpu_is_free_right_after(robust_server, shape):
    settle(robust_server)
    engines = query_engines(robust_server)
    started = time.monotonic()
    response = post_query(robust_server, RUNAWAYS[shape])
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text[:300]
    assert "query exceeded the 2 s limit set by query_timeout" in response.text
    assert_clear(response)
    assert 2.0 <= elapsed <= 4.0, elapsed
    [killed] = engines - query_engines(robust_server)
    assert not Path(f"/proc/{killed}").exists()
    settle(robust_server, seconds=6)  # a fresh engine has started and nothing burns CPU


def test_a_request_may_stop_its_query_sooner_than_query_timeout(robust_server):
    started = time.monotonic()
    response = requests.get(robust_server.url + "/sparql", params={"query": RUNAWAY, "timeout": "0.5"}, timeout=30)
    assert response.status_code == 503
    assert "query exceeded the 0.5 s limit set by the request" in response.text
    assert time.monotonic() - started < 1.5
    slower = requests.get(robust_server.url + "/sparql", params={"query": RUNAWAY, "timeout": "60"}, timeout=30)
    assert "limit set by query_timeout" in slower.text  # a request cannot raise the limit


def test_more_runaways_than_engines_all_get_503_and_the_server_recovers(robust_server):
    settle(robust_server)
    tree = process_tree(robust_server.process.pid)
    fds = open_fds(tree)
    answers: list[tuple[int, str, float]] = []

    def run() -> None:
        started = time.monotonic()
        response = post_query(robust_server, RUNAWAY)
        answers.append((response.status_code, response.text, time.monotonic() - started))

    clients = [threading.Thread(target=run) for _ in range(4)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=60)
    assert [status for status, _, _ in answers] == [503] * 4
    # Each waited at most query_timeout for an engine, then at most query_timeout on it.
    assert max(seconds for _, _, seconds in answers) <= 5.0
    assert {text.split(":")[0] for _, text, _ in answers} <= {"503 query timeout", "503 overloaded"}
    settle(robust_server)
    assert len(process_tree(robust_server.process.pid)) == len(tree)
    assert open_fds(process_tree(robust_server.process.pid)) <= fds + 4
    assert post_query(robust_server, ITEM_1).json()["results"]["bindings"][0]["o"]["value"] == "1"
