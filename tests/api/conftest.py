"""Fixtures for the named-queries API and the exploration API: the app on the report's store.

The app is built the way the service builds it (`create_app(load_settings(...))`) on the session's
`data_dir`. The browser tests use the page tests' real server (`live_url`) and their Chromium settings;
the browser itself is started per module and stopped after it, because Playwright's sync API allows one
running instance per thread and the page tests keep theirs for the whole session.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from reformkg.service.app import create_app
from reformkg.service.settings import load_settings

from ..pages.conftest import live_url  # noqa: F401 (a fixture)

BASE = "https://w3id.org/reformkg/"
REPORT = BASE + "report/cq-civil-affairs-2022"


@pytest.fixture(scope="session")
def api_app(data_dir: Path):
    application = create_app(load_settings({"data_dir": data_dir}, environ={}))
    yield application
    application.extensions["reformkg.backend"].close()


@pytest.fixture()
def client(api_app):
    return api_app.test_client()


def answer(client, path: str, status: int = 200, **params) -> dict:
    """The JSON body of GET `path` (errors too, asked for as JSON), after checking its status."""
    response = client.get(path, query_string=params or None, headers={"Accept": "application/json"})
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def rows(client, name: str, **params) -> list[dict]:
    """The JSON rows of a named query, after checking it answered 200."""
    return answer(client, f"/api/queries/{name}", **params)["rows"]
