"""Fixtures for the service: small stores, the app under Flask's test client, real servers.

The stores hold the sample data on the backend under test (tests/conftest.py's `backend_kind`): an
on-disk store in a data directory, or a real Oxigraph server loaded with the same quads. Every limit
is tiny here (2 s query timeout, 1000 rows, a 4 KiB buffer) so that the limits are exercised by small
data. Servers are real `reformkg serve` processes on 127.0.0.1 (with `--store` on the remote
backend), each waited on until /healthz answers and stopped at teardown.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from reformkg.service.app import create_app
from reformkg.service.settings import Settings

from ..conftest import Dataset, free_port, make_data_dir

HERE = Path(__file__).resolve().parent
W3C = HERE / "w3c"
TOKEN = "test-token-0123456789"
KASEI = "http://kasei.us/2009/09/sparql/data/"
SAMPLE_GRAPH = "http://example.org/graph/sample"
SAMPLE_SIZE = 300
# Tiny limits, as environment variables for servers and as settings for the test client.
# Four-way cross join of every triple: SAMPLE_SIZE**4 rows, hours of work.
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIMITS = {"query_timeout": 2.0, "max_result_rows": 1000, "max_result_bytes": 200_000, "buffer_bytes": 4096,
          "max_query_length": 5000, "max_body_bytes": 100_000, "max_nesting": 40, "query_workers": 2}
UPSTREAM_TIMEOUT = 3.0
"""The remote backend's Oxigraph servers stop a query after this long: soon after the service gives up."""


def w3c_nquads() -> str:
    """The W3C protocol data: dataN.nt in the graph named by its label in the manifest."""
    lines = []
    for n in (1, 2, 3):
        for line in (W3C / "protocol" / f"data{n}.nt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + f" <{KASEI}data{n}.rdf> .")
    return "\n".join(lines) + "\n"


def sample_nquads() -> str:
    """SAMPLE_SIZE triples (items with a value, a Chinese label, the W3C data): a runaway cross join's worth."""
    lines = [f'<http://example.org/item/{i}> <http://example.org/value> "{i}"'
             f'^^<http://www.w3.org/2001/XMLSchema#integer> <{SAMPLE_GRAPH}> .' for i in range(SAMPLE_SIZE - 5)]
    lines.append(f'<http://example.org/item/0> <http://www.w3.org/2000/01/rdf-schema#label> "改革"@zh <{SAMPLE_GRAPH}> .')
    lines.append('<http://example.org/dflt> <http://example.org/value> "in the default graph" .')
    return "\n".join(lines) + "\n" + w3c_nquads()


def settings_for(data_dir: Path, **changes) -> Settings:
    return Settings(data_dir=data_dir, **{**LIMITS, "update_token": TOKEN, **changes})


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only sample store shared by the session: tests must not write to it."""
    return make_data_dir(tmp_path_factory.mktemp("sample"), sample_nquads())


@pytest.fixture(scope="session")
def sample(backend_kind: str, sample_dir: Path, datasets) -> Dataset:
    """The sample data on the backend under test, shared by the session: tests must not write to it."""
    return Dataset(sample_dir) if backend_kind == "embedded" else datasets(sample_nquads(), UPSTREAM_TIMEOUT)


@pytest.fixture(scope="session")
def app(sample: Dataset):
    """The app on the sample store, read-only (no token): writes are refused."""
    application = create_app(sample.settings(**LIMITS))
    yield application
    application.extensions["reformkg.backend"].close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def writable_app(datasets):
    """An app with a token on a store of its own, for one test module's writes."""
    dataset = datasets(sample_nquads(), UPSTREAM_TIMEOUT)
    application = create_app(dataset.settings(**LIMITS, update_token=TOKEN))
    yield application
    application.extensions["reformkg.backend"].close()
    dataset.close()


@pytest.fixture()
def writer(writable_app):
    return writable_app.test_client()


AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Server:
    """`reformkg serve` in a subprocess, configured by flags, environment and an optional config file;
    on the data directory's store, or with `store` the remote SPARQL server at that URL."""

    def __init__(self, data_dir: Path, log: Path, *, store: str | None = None, env: dict[str, str] | None = None,
                 args: tuple[str, ...] = (), unset: tuple[str, ...] = (), port: int = 0) -> None:
        """`port`: where to listen, for a server that must know its URL before it starts (its base IRI);
        a free port of its own by default."""
        self.data_dir, self.log_path = data_dir, log
        limits = {f"REFORMKG_{k.upper()}": str(v) for k, v in LIMITS.items() if k not in unset}
        self.env = {**os.environ, **limits, "REFORMKG_UPDATE_TOKEN": TOKEN, "REFORMKG_THREADS": "4",
                    "REFORMKG_WORKERS": "1", **(env or {})}  # one web worker: tests count its engines
        self.args = args + (("--store", store) if store else ())
        self.process: subprocess.Popen | None = None
        self.fixed_port, self.port = port, 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        self.port = self.fixed_port or free_port()
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reformkg.service.cli", "serve", "--data-dir", str(self.data_dir),
             "--port", str(self.port), *self.args],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:  # not listening yet, or the worker is still booting
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz within 30 s:\n{self.log()}")

    def stop(self, *, crash: bool = False) -> None:
        """Quick shutdown (SIGINT), or with `crash` SIGKILL to the server and every process it started."""
        if self.process is not None and self.process.poll() is None:
            if crash:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process is not None:
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Start servers on demand; every one is stopped at the end of the session."""
    started: list[Server] = []

    def start(data_dir: Path, **kwargs) -> Server:
        server = Server(data_dir, tmp_path_factory.mktemp("log") / "server.log", **kwargs)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(server_factory, datasets) -> Server:
    """A real server on a sample store of its own, with the update token."""
    dataset = datasets(sample_nquads(), UPSTREAM_TIMEOUT)
    return server_factory(dataset.data_dir, store=dataset.store)
