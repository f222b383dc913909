"""Fixtures for the backend contract: the embedded store and a real Oxigraph server with the same data.

The Oxigraph server is the `oxigraph` binary the `oxigraph` package ships, bound to 127.0.0.1 on a
free port, waited on until it answers and killed at teardown. The shared server is loaded once per
session through `reformkg load`; tests that write get a scratch server (or a scratch data directory)
of their own, so the shared one stays as loaded.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from reformkg.service.cli import main as cli
from reformkg.service.settings import Settings
from reformkg.service.store.remote import RemoteStore

LIMITS = {"query_timeout": 10.0, "max_result_rows": 5000, "buffer_bytes": 4096, "threads": 4, "query_workers": 2}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class OxigraphServer:
    process: subprocess.Popen
    url: str
    location: Path

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def start_oxigraph(location: Path, *args: str) -> OxigraphServer:
    """`oxigraph serve` on a free loopback port, returned once it answers a query."""
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.fail("the oxigraph binary is missing: pip install oxigraph (see pyproject's test extras)")
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    server = OxigraphServer(process, f"http://127.0.0.1:{port}", location)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"oxigraph serve exited with {process.returncode}")
        try:
            requests.get(f"{server.url}/query", params={"query": "ASK {}"}, timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.05)
    server.kill()
    pytest.fail("oxigraph serve did not answer within 30 s")


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """An empty scratch Oxigraph server for one test."""
    server = start_oxigraph(tmp_path / "oxigraph")
    yield server
    server.kill()


@pytest.fixture(scope="session")
def loaded_oxigraph(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[OxigraphServer]:
    """An Oxigraph server with the built dataset, published by `reformkg load --into`."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    result = CliRunner().invoke(cli, ["load", "--into", server.url, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    yield server
    server.kill()


def remote_settings(url: str, data_dir: Path, **changes) -> Settings:
    return Settings(data_dir=data_dir, store=url, **{**LIMITS, **changes})


@pytest.fixture(scope="session")
def embedded_backend(data_dir: Path):
    from reformkg.service.store.embedded import EmbeddedStore

    backend = EmbeddedStore.open(Settings(data_dir=data_dir, **LIMITS))
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def remote_backend(loaded_oxigraph: OxigraphServer, data_dir: Path):
    backend = RemoteStore(remote_settings(loaded_oxigraph.url, data_dir))
    yield backend
    backend.close()


@pytest.fixture(params=["embedded", "remote"])
def backend(request: pytest.FixtureRequest):
    """The same data behind both backends: every contract test runs on each."""
    return request.getfixturevalue(f"{request.param}_backend")


@pytest.fixture(params=["embedded", "remote"])
def scratch_backend(request: pytest.FixtureRequest, tmp_path: Path, built):
    """A backend the test may write to: a fresh data directory, or an empty scratch Oxigraph server."""
    if request.param == "embedded":
        from reformkg.service.store.embedded import EmbeddedStore
        from reformkg.service.store.install import install

        data_dir = tmp_path / "data"
        nquads = data_dir / "dataset" / "reformkg.nq"
        nquads.parent.mkdir(parents=True)
        nquads.write_bytes(built.nquads)
        install(nquads, data_dir)
        backend = EmbeddedStore.open(Settings(data_dir=data_dir, update_token="t", **LIMITS))
        yield backend
        backend.close()
        return
    server = start_oxigraph(tmp_path / "oxigraph")
    backend = RemoteStore(remote_settings(server.url, tmp_path))
    yield backend
    backend.close()
    server.kill()
