"""Queries that crash Oxigraph get a clear answer, and nobody else notices.

Each shape below overflows the Rust stack in a process running pyoxigraph on a 2 MB thread stack, as
Oxigraph's own server does (the first test shows it, so the rest are real). Through the service, the
nesting check refuses the deeply bracketed ones and a 300,000-deep negation (past even an engine's
256 MB stack) in the web process (400); the others reach an engine, whose jobs run on that stack, so
they are evaluated until the deadline (503). A query that still kills an engine, an ORDER BY over a
cross join (past max_engine_bytes), gets 500 and a fresh engine; a client asking meanwhile is
answered as usual.

Embedded only: what crashes is the embedded store's engine process.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reformkg.service.errors import EngineFailure
from reformkg.service.store.embedded.executor import Executor

from ..service.conftest import sample_nquads
from ..service.test_server import process_tree, query_engines
from .conftest import ITEM_1, assert_clear, make_data_dir, open_fds, post_query, settle

pytestmark = pytest.mark.embedded_only

P = "<http://example.org/value>"
SHAPES = {
    "1000 nested subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * 1000 + "{ ?s ?p ?o }" + " }" * 1000,
    "10,000 UNIONs": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 10_000) + " }",
    "a 10,000-step property path": f"SELECT * WHERE {{ ?s {'/'.join([P] * 10_000)} ?o }}",
    "100,000 nested brackets": "SELECT * WHERE { FILTER(" + "(" * 100_000 + "1" + ")" * 100_000 + ") }",
    "100,000 nested blank nodes": ("PREFIX : <http://example.org/> SELECT * WHERE { ?s :p "
                                   + "[ :p " * 100_000 + "1" + " ]" * 100_000 + " }"),
    "300,000 nested negations": "ASK { FILTER(" + "!" * 300_000 + "true) }",
}
# What the service answers each with: (statuses, text in the answer).
ANSWERS = {
    "1000 nested subqueries": ({400}, "nests brackets and operators 1001 deep; the limit is 200, set by max_nesting"),
    "10,000 UNIONs": ({503}, "query exceeded the 2 s limit set by query_timeout"),
    "a 10,000-step property path": ({503}, "query exceeded the 2 s limit set by query_timeout"),
    "100,000 nested brackets": ({400}, "operators 100002 deep; the limit is 200"),
    "100,000 nested blank nodes": ({400}, "operators 100001 deep; the limit is 200"),
    "300,000 nested negations": ({400}, "operators 300002 deep; the limit is 200"),
}
STILL_CRASHING = {
    "ORDER BY over a cross join": "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a",
}
ENGINE_FAILED = "the query engine failed on this query"
IN_PROCESS = """import sys, threading
from pyoxigraph import Store

query = sys.stdin.read()
threading.stack_size(2 * 1024 * 1024)  # Rust's default for a spawned thread, as in Oxigraph's server
thread = threading.Thread(target=lambda: list(Store().query(query)))
thread.start()
thread.join()
"""


@pytest.mark.parametrize("shape", SHAPES)
def test_in_process_each_shape_kills_pyoxigraph_and_its_host(shape):
    done = subprocess.run([sys.executable, "-c", IN_PROCESS], input=SHAPES[shape], text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGSEGV, (done.returncode, done.stderr[-500:])


@pytest.mark.parametrize("shape", SHAPES)
def test_through_the_service_each_shape_gets_a_clear_answer_and_others_are_served(robust_server, bystander, shape):
    engines = query_engines(robust_server)
    response = post_query(robust_server, SHAPES[shape], Accept="application/sparql-results+json")
    statuses, text = ANSWERS[shape]
    assert response.status_code in statuses, response.text[:300]
    assert text in response.text
    assert_clear(response)
    if response.status_code == 400:
        assert query_engines(robust_server) == engines  # refused before any engine saw it
    settle(robust_server)
    assert post_query(robust_server, ITEM_1).json()["results"]["bindings"][0]["o"]["value"] == "1"
    bystander.assert_never_noticed(slowest=3.0)


@pytest.mark.parametrize("shape", STILL_CRASHING)
def test_a_query_that_kills_its_engine_is_a_500_and_a_fresh_engine_takes_its_place(robust_server, bystander, shape):
    engines = query_engines(robust_server)
    started = time.monotonic()
    response = post_query(robust_server, STILL_CRASHING[shape])
    assert response.status_code == 500 and ENGINE_FAILED in response.text, response.text[:300]
    assert_clear(response)
    assert time.monotonic() - started < 6
    [crashed] = engines - query_engines(robust_server)
    assert not Path(f"/proc/{crashed}").exists()  # reaped, not a zombie
    assert f"engine {crashed} died during a job" in robust_server.log()
    settle(robust_server)
    bystander.assert_never_noticed(slowest=3.0)


def test_a_burst_of_crashing_queries_leaves_the_server_as_it_was(robust_server):
    settle(robust_server)
    tree = process_tree(robust_server.process.pid)
    fds = open_fds(tree)
    outcomes: list[tuple[int, str]] = []

    def crash() -> None:
        for _ in range(2):
            response = post_query(robust_server, STILL_CRASHING["ORDER BY over a cross join"])
            outcomes.append((response.status_code, response.text.split(":")[0]))

    clients = [threading.Thread(target=crash) for _ in range(3)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=120)
    # Each crashes an engine (500), or its deadline passes first, waiting for an engine or on one late
    # (query_timeout counts the wait too): the crashing text keeps off the short lane once it has overrun it.
    assert len(outcomes) == 6 and (500, "500 query engine failure") in outcomes
    assert set(outcomes) <= {(500, "500 query engine failure"), (503, "503 overloaded"), (503, "503 query timeout")}
    settle(robust_server)
    after = process_tree(robust_server.process.pid)
    assert len(after) == len(tree)  # no engine left over, none missing
    assert open_fds(after) <= fds + 4  # a client connection or two the server has yet to close
    assert post_query(robust_server, ITEM_1).json()["results"]["bindings"][0]["o"]["value"] == "1"


def test_an_engine_that_cannot_start_a_job_hands_it_back_and_a_fresh_one_is_tried(tmp_path):
    """An engine allowed 1 byte more than a job's stack cannot start the job's thread (as one whose
    heap earlier jobs left in pieces can't): it says so and leaves, and the job goes to a fresh engine;
    here that one cannot either, so the request fails, and neither engine is left behind."""
    executor = Executor(make_data_dir(tmp_path / "data", sample_nquads()), 1, max_bytes=1)
    try:
        before = executor.pids()
        with pytest.raises(EngineFailure, match="the query engines cannot start"):
            executor.value({"op": "count"}, 10, "unused")
        after = executor.pids()
        assert len(after) == 1 and not set(before) & set(after)
        assert all(not Path(f"/proc/{pid}").exists() for pid in before)
    finally:
        executor.close()
