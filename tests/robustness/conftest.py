"""Fixtures for the robustness suite: real servers whose limits let each hostile request reach the part
of the service it attacks, and a client that keeps asking a question with a known answer meanwhile.

The servers are tests/service/conftest.py's (`reformkg serve` in a subprocess on 127.0.0.1, tiny
limits); the process helpers are tests/service/test_server.py's.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests

from ..service.conftest import Server, make_data_dir, sample_nquads, server_factory  # noqa: F401 (a fixture)
from ..service.test_server import cpu_seconds, process_tree, query_engines

# Long enough for the engine failures to get past the length check to the nesting check or the
# engine (the defaults, 100,000 characters and 10 MB, refuse them with 413 first).
REACHES_ENGINE = {
    "REFORMKG_MAX_QUERY_LENGTH": "1000000",
    "REFORMKG_MAX_BODY_BYTES": "2000000",
    "REFORMKG_MAX_NESTING": "200",
    "REFORMKG_MAX_RESULT_ROWS": "1000000",
    "REFORMKG_MAX_RESULT_BYTES": "64000000",
    "REFORMKG_BUFFER_BYTES": "65536",
    "REFORMKG_MAX_ENGINE_BYTES": str(300 * 1024 * 1024),
    "REFORMKG_CLIENT_TIMEOUT": "1.5",
    "REFORMKG_UPDATE_TOKEN": "",
}
CLIENT_TIMEOUT = 1.5
THREADS = 4  # tests/service/conftest.py's servers run 4 threads
ITEM_1 = "SELECT ?o WHERE { <http://example.org/item/1> <http://example.org/value> ?o }"
TRACES = ("Traceback", 'File "', "/site-packages/", "/work/", "[Errno", "os error")


@pytest.fixture(scope="session")
def robust_server(server_factory, tmp_path_factory) -> Server:  # noqa: F811 (the fixture imported above)
    """A read-only server on a sample store of its own, with REACHES_ENGINE's limits."""
    return server_factory(make_data_dir(tmp_path_factory.mktemp("robust"), sample_nquads()), env=REACHES_ENGINE)


@pytest.fixture(scope="session")
def reform_server(server_factory, built, tmp_path_factory) -> Server:  # noqa: F811 (the fixture imported above)
    """A writable server on a copy of the reform dataset, for the fuzzers (the update fuzzer changes it)."""
    return server_factory(make_data_dir(tmp_path_factory.mktemp("reform"), built.nquads.decode("utf-8")))


def assert_sane(response) -> None:
    """Not a 5xx, unless a 503 for a query stopped at its deadline or waiting for an engine; no trace."""
    status, text = response.status_code, response.text
    stopped = status == 503 and text.startswith(("503 query timeout", "503 overloaded"))
    assert status < 500 or stopped, (status, text[:500])
    for trace in TRACES:
        assert trace not in text, text[:500]


def post_query(server: Server, text: str, timeout: float = 60, **headers: str) -> requests.Response:
    return requests.post(server.url + "/sparql", data=text.encode("utf-8"), timeout=timeout,
                         headers={"Content-Type": "application/sparql-query", **headers})


def assert_clear(response: requests.Response) -> None:
    """A complete answer with no stack trace, OS error text or server path in it."""
    assert "Content-Length" in response.headers or response.status_code < 300, response.headers
    for trace in TRACES:
        assert trace not in response.text, response.text[:500]


@dataclass
class Bystander:
    """Another client, asking ITEM_1 over and over while a test attacks the server."""

    server: Server
    outcomes: list[tuple[int | str, bool, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._ask, daemon=True)

    def _ask(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set() and len(self.outcomes) < 10_000:
                started = time.monotonic()
                # A new text each time, so that the answer comes from an engine, not the result cache.
                query = f"{ITEM_1} # {len(self.outcomes)}"
                try:
                    response = session.get(self.server.url + "/sparql", params={"query": query}, timeout=30)
                    right = response.ok and response.json()["results"]["bindings"][0]["o"]["value"] == "1"
                    self.outcomes.append((response.status_code, right, time.monotonic() - started))
                except (requests.RequestException, ValueError) as exc:
                    self.outcomes.append((type(exc).__name__, False, time.monotonic() - started))
                time.sleep(0.05)

    def __enter__(self) -> "Bystander":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def assert_never_noticed(self, slowest: float) -> None:
        """Every answer was right and came within `slowest` seconds."""
        assert self.outcomes, "the bystander asked nothing"
        wrong = [o for o in self.outcomes if not o[1]]
        assert not wrong, wrong[:5]
        assert max(o[2] for o in self.outcomes) <= slowest, sorted(o[2] for o in self.outcomes)[-5:]


@pytest.fixture()
def bystander(robust_server) -> Iterator[Bystander]:
    with Bystander(robust_server) as watcher:
        yield watcher


def open_fds(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue
    return total


def settle(server: Server, engines: int = 2, seconds: float = 15) -> None:
    """Wait until the server has its engines back and is idle, or fail."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(query_engines(server)) == engines:
            tree = process_tree(server.process.pid)
            used = cpu_seconds(tree)
            time.sleep(0.3)
            if cpu_seconds(tree) - used < 0.03:
                return
        else:
            time.sleep(0.1)
    raise AssertionError(f"the server did not settle: engines {query_engines(server)}")
