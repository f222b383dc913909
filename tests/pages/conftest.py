"""Fixtures for the linked-data and page tests: the app on the report's store, a real server, Chromium.

The store is the session's `report` on the backend under test (tests/conftest.py): the repository's
report built and installed once, or an Oxigraph server loaded with it. The real server is
`python -m reformkg.service serve` (with `--store` for the remote backend) on a free port of
127.0.0.1, waited on until it answers; the browser is Debian's headless Chromium driven by
Playwright, allowed to reach 127.0.0.1 only.

`two_reports` is a second dataset, with its own app and server: the packaged report and the Sichuan
report in tests/fixtures/second-report built together, for what a service of several reports shows.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from reformkg.graph.build import BuildResult, Paths, build
from reformkg.service.app import create_app

from ..conftest import ROOT, SOURCE_PATHS, Dataset, free_port

BASE = "https://w3id.org/reformkg/"
REPORT = BASE + "report/cq-civil-affairs-2022"
SICHUAN = BASE + "report/sc-civil-affairs-2023"
PACKAGED_REPORTS = ROOT / "graph" / "sources"
SECOND_REPORT = ROOT / "tests" / "fixtures" / "second-report"
ARTIFACTS = ROOT / "tests" / "artifacts"
SERVER_START_SECONDS = 60

@pytest.fixture(scope="session")
def app(report: Dataset):
    application = create_app(report.settings())
    yield application
    application.extensions["reformkg.backend"].close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_url(report: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `reformkg serve` running on the report's store, stopped at the end of the session."""
    with serve(report, tmp_path_factory) as url:
        yield url


# -- two reports: the packaged one and tests/fixtures/second-report (Sichuan, 2023) -------------------


def two_report_paths(sources: Path) -> Paths:
    """Build paths whose sources folder, `sources`, holds the packaged report and the Sichuan report."""
    for path in [*PACKAGED_REPORTS.iterdir(), *SECOND_REPORT.iterdir()]:
        if path.suffix in (".txt", ".toml"):
            shutil.copy(path, sources)
    return Paths(sources=sources, curation=SOURCE_PATHS.curation, ontology=SOURCE_PATHS.ontology)


@pytest.fixture(scope="session")
def two_reports_built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The packaged report and the Sichuan report of the same genre, built together from one sources folder."""
    built = build(two_report_paths(tmp_path_factory.mktemp("two-reports-sources")))
    assert built.reports == ["cq-civil-affairs-2022", "sc-civil-affairs-2023"], "a report failed to build"
    return built


@pytest.fixture(scope="session")
def two_reports(datasets: Callable[..., Dataset], two_reports_built: BuildResult) -> Dataset:
    """The two reports' dataset on the backend under test (its own store: the one-report tests keep theirs)."""
    return datasets(two_reports_built.nquads)


@pytest.fixture(scope="session")
def two_reports_app(two_reports: Dataset):
    application = create_app(two_reports.settings())
    yield application
    application.extensions["reformkg.backend"].close()


@pytest.fixture()
def two_reports_client(two_reports_app):
    return two_reports_app.test_client()


@pytest.fixture(scope="session")
def two_reports_url(two_reports: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `reformkg serve` on the two reports' store."""
    with serve(two_reports, tmp_path_factory) as url:
        yield url


@contextlib.contextmanager
def serve(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m reformkg.service serve` on the dataset, on a free port, until the block ends."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("pages-server") / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFORMKG_")}
    store = ("--store", dataset.store) if dataset.store else ()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "reformkg.service", "serve", "--data-dir", str(dataset.data_dir),
             "--port", str(port), "--host", "127.0.0.1", *store],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_it_answers(process, url, log_path)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def _wait_until_it_answers(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            if requests.get(url + "/", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not listening yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS} s:\n{log_path.read_text(errors='replace')}")


class Offline:
    """Every request the page makes that is not to 127.0.0.1, aborted and remembered."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def __call__(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.attempts.append(route.request.url)
            route.abort()


@pytest.fixture()
def page(chromium, live_url: str):
    """A fresh browser page on the live server; the test fails if the page tried to reach another host."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=live_url, locale="en-GB")
    offline = Offline()
    context.route("**/*", offline)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert offline.attempts == [], f"the page tried to reach other hosts: {offline.attempts}"
    assert errors == [], f"the page raised: {errors}"


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as a test artifact (tests/artifacts/, not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
