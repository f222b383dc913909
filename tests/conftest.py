"""Fixtures shared by every test: the built dataset and a real on-disk store, built once per session."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reformkg.graph.build import BuildResult, Paths, build

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PATHS = Paths(sources=ROOT / "graph" / "sources", curation=ROOT / "graph" / "curation",
                     ontology=ROOT / "ontology")


@pytest.fixture(scope="session")
def built() -> BuildResult:
    """The dataset built from the repository's sources, validated against the shapes."""
    return build(SOURCE_PATHS)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory, built: BuildResult) -> Path:
    """A data directory with the dataset installed into a real on-disk Oxigraph store."""
    from reformkg.service.store.install import install

    directory = tmp_path_factory.mktemp("data")
    nquads = directory / "dataset" / "reformkg.nq"
    nquads.parent.mkdir()
    nquads.write_bytes(built.nquads)
    install(nquads, directory)
    return directory


@pytest.fixture(scope="session")
def store(data_dir: Path):
    """The on-disk store, opened read-only (the default graph is queried as the union)."""
    from pyoxigraph import Store

    from reformkg.service.store.install import current_store

    return Store.read_only(str(current_store(data_dir)))


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
