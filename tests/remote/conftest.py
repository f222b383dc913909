"""Fixtures for the backend contract and the remote backend's own tests.

The shared ones are tests/conftest.py's: `backend` (the report on the backend under test),
`loaded_oxigraph` and `start_oxigraph`. Here are those for tests that write, each a store of its own
so that the shared ones stay as loaded: an empty scratch Oxigraph server, and a scratch backend of
either kind.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reformkg.service.settings import Settings
from reformkg.service.store.remote import RemoteStore

from ..conftest import LIMITS, OxigraphServer, make_data_dir, start_oxigraph


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """An empty scratch Oxigraph server for one test."""
    server = start_oxigraph(tmp_path / "oxigraph")
    yield server
    server.kill()


def remote_settings(url: str, data_dir: Path, **changes) -> Settings:
    return Settings(data_dir=data_dir, store=url, **{**LIMITS, **changes})


@pytest.fixture
def scratch_backend(backend_kind: str, tmp_path: Path, built):
    """A backend the test may write to: a fresh data directory, or an empty scratch Oxigraph server."""
    if backend_kind == "embedded":
        from reformkg.service.store.embedded import EmbeddedStore

        data_dir = make_data_dir(tmp_path / "data", built.nquads)
        backend = EmbeddedStore.open(Settings(data_dir=data_dir, update_token="t", **LIMITS))
        yield backend
        backend.close()
        return
    server = start_oxigraph(tmp_path / "oxigraph")
    backend = RemoteStore(remote_settings(server.url, tmp_path))
    yield backend
    backend.close()
    server.kill()
