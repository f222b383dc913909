"""Fixtures shared by every test: the built dataset, a real on-disk store, Oxigraph servers, Chromium.

The service has two backends (service/store/): the embedded on-disk store and a remote SPARQL server.
`backend_kind` is parametrized over both, so every test whose fixtures depend on it runs twice, its
name ending `[embedded]` or `[remote]`; the remote data lives in a real `oxigraph serve` process (the
binary the `oxigraph` package ships) that the tests start on 127.0.0.1, loaded with `reformkg load`
as a deployment would be. A test about the embedded store itself is marked `embedded_only` and runs
on that backend alone.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from pyoxigraph import BlankNode

from reformkg.graph.build import BuildResult, Paths, build
from reformkg.service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PATHS = Paths(sources=ROOT / "graph" / "sources", curation=ROOT / "graph" / "curation",
                     ontology=ROOT / "ontology")
BACKENDS = ("embedded", "remote")
# The backend contract's limits (tests/remote/, the competency questions): small enough to exercise
# streaming past the buffer, large enough for every named query.
LIMITS = {"query_timeout": 10.0, "max_result_rows": 5000, "buffer_bytes": 4096, "threads": 4, "query_workers": 2}
OXIGRAPH_TIMEOUT = 30
"""Seconds an Oxigraph server of the tests gives a query (its --timeout-s, more than the service's
query_timeout): a runaway query the service has given up on stops there too, instead of burning a CPU
for the rest of the session."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_data_dir(directory: Path, nquads: str | bytes) -> Path:
    """A data directory with `nquads` installed by store/install.py, as `reformkg build` does."""
    from reformkg.service.store.install import install

    dataset = directory / "dataset" / "reformkg.nq"
    dataset.parent.mkdir(parents=True)
    dataset.write_bytes(nquads.encode("utf-8") if isinstance(nquads, str) else nquads)
    install(dataset, directory)
    return directory


@pytest.fixture(scope="session")
def built() -> BuildResult:
    """The dataset built from the repository's sources, validated against the shapes."""
    return build(SOURCE_PATHS)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory, built: BuildResult) -> Path:
    """A data directory with the dataset installed into a real on-disk Oxigraph store."""
    return make_data_dir(tmp_path_factory.mktemp("data"), built.nquads)


def grounded(statements) -> tuple[set, int]:
    """The triples or quads without blank nodes, and how many have one: stores label blank nodes as
    they like (a remote server relabels those it is sent), so two copies of a dataset agree on these."""
    statements = set(statements)
    kept = {s for s in statements if not any(isinstance(t, BlankNode) for t in (s.subject, s.object))}
    return kept, len(statements) - len(kept)


@pytest.fixture(scope="session")
def store(data_dir: Path):
    """The on-disk store, opened read-only (the default graph is queried as the union)."""
    from pyoxigraph import Store

    from reformkg.service.store.install import current_store

    return Store.read_only(str(current_store(data_dir)))


# -- Oxigraph servers -------------------------------------------------------------------------------


@dataclass
class OxigraphServer:
    process: subprocess.Popen
    url: str
    location: Path

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def start_oxigraph(location: Path, *args: str, timeout: float = OXIGRAPH_TIMEOUT) -> OxigraphServer:
    """`oxigraph serve` on a free loopback port, returned once it answers a query."""
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.fail("the oxigraph binary is missing: pip install oxigraph (see pyproject's test extras)")
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                                "--timeout-s", f"{timeout:g}", *args],
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


def load_oxigraph(server: OxigraphServer, nquads: Path) -> None:
    """Publish an N-Quads file to the server the way a deployment does: `reformkg load --into`."""
    from click.testing import CliRunner

    from reformkg.service.cli import main as cli

    result = CliRunner().invoke(cli, ["load", "--into", server.url, "--file", str(nquads), "--quiet"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def loaded_oxigraph(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[OxigraphServer]:
    """An Oxigraph server with the built dataset, published by `reformkg load --into`."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    load_oxigraph(server, data_dir / "dataset" / "reformkg.nq")
    yield server
    server.kill()


# -- the backend under test -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """Where a backend finds its data: a data directory, and for the remote backend the server holding it."""

    data_dir: Path
    store: str | None = None
    """The remote SPARQL server's URL (the `store` setting); None for the embedded store in data_dir."""
    server: OxigraphServer | None = field(default=None, compare=False, repr=False)

    def settings(self, **changes) -> Settings:
        return Settings(data_dir=self.data_dir, store=self.store, **changes)

    def close(self) -> None:
        """Stop the Oxigraph server holding a remote dataset (a no-op for an embedded one)."""
        if self.server is not None:
            self.server.kill()


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `embedded_only` gets the embedded backend alone: a parametrize mark on the test
    itself takes precedence over the fixture's own parameters (and comes first, hence tryfirst)."""
    if "backend_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker("embedded_only"):
        metafunc.definition.add_marker(pytest.mark.parametrize("backend_kind", ["embedded"], indirect=True))


@pytest.fixture(scope="session", params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    """The backend the service runs on in this test: "embedded" or "remote"."""
    return request.param


@pytest.fixture(scope="session")
def datasets(backend_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Dataset]]:
    """Makes a dataset of its own for tests that write, on the backend under test: a data directory with
    the N-Quads installed, or a fresh Oxigraph server loaded with them. Servers a fixture has not
    closed itself are stopped at the end of the session."""
    made: list[Dataset] = []

    def make(nquads: str | bytes, timeout: float = OXIGRAPH_TIMEOUT) -> Dataset:
        """`timeout`: the Oxigraph server's --timeout-s, for tests whose query_timeout is short."""
        directory = tmp_path_factory.mktemp(f"{backend_kind}-data")
        if backend_kind == "embedded":
            return Dataset(make_data_dir(directory, nquads))
        server = start_oxigraph(directory / "oxigraph", timeout=timeout)
        made.append(Dataset(directory, server.url, server))
        source = directory / "load.nq"
        source.write_bytes(nquads.encode("utf-8") if isinstance(nquads, str) else nquads)
        load_oxigraph(server, source)
        return made[-1]

    yield make
    for dataset in made:
        dataset.close()


@pytest.fixture(scope="session")
def report(request: pytest.FixtureRequest, backend_kind: str, data_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The report's dataset on the backend under test, shared by the session: tests must not write to it."""
    if backend_kind == "embedded":
        return Dataset(data_dir)
    return Dataset(tmp_path_factory.mktemp("remote"), request.getfixturevalue("loaded_oxigraph").url)


@pytest.fixture(scope="session")
def backend(report: Dataset):
    """The report behind the backend under test, opened as the service opens it, with LIMITS."""
    from reformkg.service.store import open_backend

    opened = open_backend(report.settings(**LIMITS))
    yield opened
    opened.close()


# -- the browser ------------------------------------------------------------------------------------


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # Belt and braces beside the request interception: no host but 127.0.0.1 even resolves.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    """One headless Chromium for the session: Playwright's sync API allows one instance per thread,
    so every browser test (pages, explorer) shares it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
