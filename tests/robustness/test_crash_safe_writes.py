"""`kill -9` of the server during a write loses no acknowledged write and leaves no half-applied one;
the store opens cleanly afterwards; a rebuild swaps datasets whole, even when it is killed midway.

The server is killed with its whole process group (web process and engines) at moments chosen from
the writer engine's CPU: before it starts, while it applies the write, and after the acknowledgement.

Embedded only: the embedded store's writer, snapshots and rebuilds.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from ..service.conftest import AUTH, SAMPLE_GRAPH, SAMPLE_SIZE, make_data_dir, sample_nquads
from ..service.test_server import cpu_seconds, process_tree

pytestmark = pytest.mark.embedded_only

WRITES = {"REFORMKG_QUERY_TIMEOUT": "60", "REFORMKG_MAX_BODY_BYTES": "20000000"}
VALUE = "<http://example.org/value>"
# One update, one transaction of 295 × 150 quads, from a short text: every item paired with 150 others.
BIG_ROWS = 295 * 150
SMALL = "http://example.org/g/acknowledged"


def big_update(graph: str) -> str:
    return (f"INSERT {{ GRAPH <{graph}> {{ ?a <http://example.org/pair> ?d }} }} WHERE {{ "
            f"GRAPH <{SAMPLE_GRAPH}> {{ ?a {VALUE} ?b . ?c {VALUE} ?d FILTER(?d < 150) }} }}")


def _update(server, text: str, timeout: float = 60) -> requests.Response:
    return requests.post(server.url + "/sparql", data=text.encode(), timeout=timeout,
                         headers={"Content-Type": "application/sparql-update", **AUTH})


def _insert(server, graph: str, subject: str, n: int = 1) -> requests.Response:
    return _update(server, f"INSERT DATA {{ GRAPH <{graph}> {{ <{subject}> <http://example.org/n> {n} }} }}")


def _select(server, text: str) -> list[dict]:
    response = requests.get(server.url + "/sparql", params={"query": text}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def _count(server, graph: str) -> int:
    return int(_select(server, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]["value"])


def _writer(server) -> int:
    def is_writer(pid: int) -> bool:
        try:
            return b"reformkg.service.store.embedded.engine\x00write" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    [pid] = [pid for pid in process_tree(server.process.pid) if is_writer(pid)]
    return pid


def _when_busy(pid: int, seconds: float = 30) -> None:
    """Return once the process has used a tenth of a second of CPU more than now."""
    used, deadline = cpu_seconds([pid]), time.monotonic() + seconds
    while cpu_seconds([pid]) - used < 0.1:
        assert time.monotonic() < deadline, "the writer never started"
        time.sleep(0.01)


class _Acknowledger:
    """Small writes one after another; `acknowledged` holds those answered 204."""

    def __init__(self, server, tag: str) -> None:
        self.server, self.tag, self.acknowledged = server, tag, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        for i in range(1000):
            if self._stop.is_set():
                return
            subject = f"http://example.org/ack/{self.tag}/{i}"
            try:
                response = _insert(self.server, SMALL, subject, i)
            except requests.RequestException:
                return  # the server is gone
            if response.status_code == 204:
                self.acknowledged.append(subject)

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join(timeout=60)
        return self.acknowledged


def _kill_during(server, write, delay: float | None) -> requests.Response | None:
    """Start `write` and kill the server `delay` s after the writer gets busy (None: after the answer)."""
    outcome: list[requests.Response | None] = []

    def run() -> None:
        try:
            outcome.append(write())
        except requests.RequestException:
            outcome.append(None)

    writer = _writer(server)
    thread = threading.Thread(target=run)
    thread.start()
    if delay is None:
        thread.join(timeout=60)
    else:
        _when_busy(writer)
        time.sleep(delay)
    server.stop(crash=True)
    thread.join(timeout=60)
    return outcome[0]


def _present(server, subjects: list[str]) -> set[str]:
    rows = _select(server, f"SELECT ?s {{ GRAPH <{SMALL}> {{ ?s ?p ?o }} }}")
    return set(subjects) & {row["s"]["value"] for row in rows}


@pytest.mark.parametrize("delay", [0.5, None], ids=["while it is applied", "after the answer"])
def test_kill_9_during_a_large_update_applies_it_whole_or_not_at_all_and_keeps_every_acknowledged_write(
        server_factory, tmp_path, delay):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    server = server_factory(data_dir, env=WRITES)
    graph = "http://example.org/g/big"
    acknowledger = _Acknowledger(server, "before")
    time.sleep(0.3)
    answer = _kill_during(server, lambda: _update(server, big_update(graph)), delay)
    acknowledged = acknowledger.stop()

    restarted = server_factory(data_dir, env=WRITES)
    assert _count(restarted, graph) in (0, BIG_ROWS)
    if answer is not None and answer.status_code == 204:
        assert _count(restarted, graph) == BIG_ROWS
    assert acknowledged and _present(restarted, acknowledged) == set(acknowledged)
    assert requests.get(restarted.url + "/readyz", timeout=30).json()["triples"] >= SAMPLE_SIZE
    assert _insert(restarted, graph + "/again", "http://example.org/a").status_code == 204  # writes work again


def _version(n: int, size: int = 20_000) -> bytes:
    return "".join(f'<http://example.org/put/{i}> <http://example.org/version> "v{n}" .\n'
                   for i in range(size)).encode()


def _versions(server, graph: str) -> dict[str, int]:
    rows = _select(server, f"SELECT ?v (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?v }} }} GROUP BY ?v")
    return {row["v"]["value"]: int(row["n"]["value"]) for row in rows}


def test_kill_9_during_a_graph_store_put_leaves_the_old_graph_or_the_new_one(server_factory, tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    graph = {"graph": "http://example.org/g/put"}
    server = server_factory(data_dir, env=WRITES)

    def put(n: int):
        return lambda: requests.put(server.url + "/store", params=graph, data=_version(n), timeout=60,
                                    headers={"Content-Type": "application/n-triples", **AUTH})

    assert put(0)().status_code == 201
    current = 0
    for attempt, delay in enumerate([0.3, None], start=1):
        answer = _kill_during(server, put(attempt), delay)
        server = server_factory(data_dir, env=WRITES)
        versions = _versions(server, graph["graph"])
        assert versions in ({f"v{current}": 20_000}, {f"v{attempt}": 20_000}), versions
        if answer is not None and answer.status_code in (201, 204):
            assert versions == {f"v{attempt}": 20_000}
        current = int(next(iter(versions))[1:])
    assert current == 2  # the last PUT was acknowledged before the kill


def test_an_engine_killed_mid_write_is_a_500_and_the_next_write_works(server_factory, tmp_path):
    server = server_factory(make_data_dir(tmp_path / "data", sample_nquads()), env=WRITES)
    graph = "http://example.org/g/half"
    writer = _writer(server)
    killer = threading.Thread(target=lambda: (_when_busy(writer), time.sleep(0.3), os.kill(writer, signal.SIGKILL)))
    killer.start()
    response = _update(server, big_update(graph))
    killer.join()
    assert response.status_code == 500 and "failed" in response.text
    assert _insert(server, SMALL, "http://example.org/after").status_code == 204
    assert _count(server, graph) in (0, BIG_ROWS)
    assert _count(server, SMALL) == 1


# A rebuild killed at each step of store/install.py; the step's function is replaced by one that
# kills the process (SIGKILL, as `kill -9` would) when it is called.
INSTALL = """import os, signal, sys
from pathlib import Path
from reformkg.service.store import install
from reformkg.service.store.embedded import snapshots

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

class DyingStore:
    def __init__(self, path, real=install.Store):
        self.store = real(path)

    def bulk_load(self, **kwargs):
        self.store.bulk_load(**kwargs)
        die()


step = sys.argv[3]
if step == "loading":
    install.Store = DyingStore
elif step == "swapped":
    install.snapshots.publish_primary = die
elif step == "publishing":
    snapshots.swap_link = lambda link, target, real=snapshots.swap_link: (
        die() if link.name == "snapshot" else real(link, target))
install.install(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def _dataset(directory: Path, extra: int) -> Path:
    path = directory / f"reformkg-{extra}.nq"
    extras = "".join(f'<http://example.org/extra/{i}> <http://example.org/value> "{i}" <http://example.org/g/extra> .\n'
                     for i in range(extra))
    path.write_text(sample_nquads() + extras, encoding="utf-8")
    return path


def _total(server) -> int:
    return int(_select(server, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")[0]["n"]["value"])


class _Reader:
    """Counts the quads over and over; every count must be one of the datasets', whole."""

    def __init__(self, server) -> None:
        self.server, self.counts = server, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set() and len(self.counts) < 10_000:
            self.counts.append(_total(self.server))
            time.sleep(0.02)

    def stop(self) -> set[int]:
        self._stop.set()
        self._thread.join(timeout=30)
        return set(self.counts)


@pytest.mark.parametrize("step, published", [("loading", False), ("swapped", True), ("publishing", True)])
def test_a_rebuild_killed_midway_leaves_the_old_dataset_or_the_new_one_whole(server_factory, tmp_path, step,
                                                                             published):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    server = server_factory(data_dir)
    old = _total(server)
    reader = _Reader(server)
    killed = subprocess.run([sys.executable, "-c", INSTALL, str(_dataset(tmp_path, 5_000)), str(data_dir), step],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert reader.stop() == {old}  # the running server serves the old dataset, whole
    server.stop(crash=True)

    # A new server publishes a rebuild that was killed after the swap, and a later rebuild works.
    restarted = server_factory(data_dir)
    current = old + 5_000 if published else old
    assert _total(restarted) == current
    reader = _Reader(restarted)
    done = subprocess.run([sys.executable, "-c", INSTALL, str(_dataset(tmp_path, 10)), str(data_dir), "done"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    time.sleep(0.3)
    assert reader.stop() <= {current, old + 10}  # never a half-loaded dataset
    assert _total(restarted) == old + 10
