"""Fixtures for the named-queries API and the exploration API: the app on the report's store.

The app is built the way the service builds it (`create_app(load_settings(...))`) on the session's
`report` on the backend under test (tests/conftest.py). The browser tests use the page tests' real
server (`live_url`) and the session's Chromium. The tests of several reports use the page tests'
`two_reports` fixtures: the packaged report and the Sichuan one in tests/fixtures/second-report.
"""
from __future__ import annotations

import pytest

from reformkg.service.app import create_app
from reformkg.service.settings import Settings, load_settings

from ..conftest import Dataset
from ..pages.conftest import (  # noqa: F401 (fixtures)
    live_url, two_reports, two_reports_app, two_reports_built, two_reports_client, two_reports_url,
)

BASE = "https://w3id.org/reformkg/"
REPORT = BASE + "report/cq-civil-affairs-2022"


def settings_for(report: Dataset, **changes) -> Settings:
    """The settings the service would read for the report's store, with `changes` (and no environment)."""
    return load_settings({"data_dir": report.data_dir, "store": report.store, **changes}, environ={})


@pytest.fixture(scope="session")
def api_app(report: Dataset):
    application = create_app(settings_for(report))
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
