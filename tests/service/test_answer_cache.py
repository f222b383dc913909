"""The answer cache (service/answer_cache.py): a repeated request is replayed before Flask runs, with
the same bytes, and only what the app marked as fixed by the snapshot is ever replayed.

Embedded only: answers are kept per snapshot generation, which only the embedded store has.
"""
from __future__ import annotations

import logging

import pytest

from reformkg.service.i18n import COOKIE

from .conftest import TOKEN

pytestmark = pytest.mark.embedded_only

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
VOLATILE = {"X-Request-Id", "Date"}


@pytest.fixture()
def dispatched(writable_app):
    """How many requests reached the Flask app (a replayed one does not)."""
    seen = []
    writable_app.before_request_funcs.setdefault(None, []).append(lambda: seen.append(1))
    yield seen
    writable_app.before_request_funcs[None].pop()


def post_count(client, accept="text/csv", **headers):
    return client.post("/sparql", data=COUNT.encode(), headers={"Content-Type": "application/sparql-query",
                                                                "Accept": accept, **headers})


def same_answer(a, b) -> bool:
    headers = lambda r: sorted((k, v) for k, v in r.headers.items() if k not in VOLATILE)  # noqa: E731
    return (a.status, headers(a), a.data) == (b.status, headers(b), b.data)


def test_a_repeated_query_is_replayed_without_the_app_and_with_the_same_bytes(writer, dispatched):
    first = post_count(writer)
    reached = len(dispatched)
    again = post_count(writer)
    assert len(dispatched) == reached
    assert same_answer(first, again)
    assert first.headers["Content-Type"].startswith("text/csv") and first.headers["Vary"] == "Accept"


def test_each_replay_has_its_own_request_id_and_log_line(writer, caplog):
    post_count(writer)
    with caplog.at_level(logging.INFO, logger="reformkg.access"):
        a, b = post_count(writer), post_count(writer, **{"X-Request-Id": "client-7"})
    assert a.headers["X-Request-Id"] != b.headers["X-Request-Id"] == "client-7"
    assert any('"request_id": "client-7"' in r.getMessage() and '"status": 200' in r.getMessage()
               for r in caplog.records)


def test_what_the_answer_varies_on_is_in_the_key(writer, dispatched):
    post_count(writer, "text/csv")
    reached = len(dispatched)
    json_answer = post_count(writer, "application/sparql-results+json")
    get_answer = writer.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "text/csv"})
    other_host = post_count(writer, Host="example.org")
    assert len(dispatched) == reached + 3
    assert json_answer.data.startswith(b"{") and get_answer.data == post_count(writer).data
    assert other_host.status_code == 200


def test_a_write_makes_the_next_answer_come_from_the_new_snapshot(writer):
    before = int(post_count(writer).data.split()[1])
    response = writer.post("/sparql", data={"update": "INSERT DATA { <urn:answer:a> <urn:answer:b> 1 }"},
                           headers=AUTH)
    assert response.status_code == 204
    assert int(post_count(writer).data.split()[1]) == before + 1


def test_errors_updates_and_conditional_requests_reach_the_app(writer, dispatched):
    bad = lambda: writer.get("/sparql", query_string={"query": "SELECT * {"})  # noqa: E731
    assert bad().status_code == 400
    reached = len(dispatched)
    assert bad().status_code == 400
    form_update = {"update": "INSERT DATA { <urn:answer:c> <urn:answer:d> 2 }"}
    assert writer.post("/sparql", data=form_update, headers=AUTH).status_code == 204
    assert writer.post("/sparql", data=form_update, headers=AUTH).status_code == 204
    assert len(dispatched) == reached + 3


def test_a_page_is_replayed_but_a_revalidation_still_gets_304(writer, dispatched):
    page = writer.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers.get("ETag")
    reached = len(dispatched)
    again = writer.get("/", headers={"Accept": "text/html"})
    assert len(dispatched) == reached and same_answer(page, again)
    revalidated = writer.get("/", headers={"Accept": "text/html", "If-None-Match": page.headers["ETag"]})
    assert revalidated.status_code == 304 and len(dispatched) == reached + 1


def test_an_answer_that_sets_a_cookie_is_never_replayed(writer, dispatched):
    first = writer.get("/?lang=zh", headers={"Accept": "text/html"})
    assert "Set-Cookie" in first.headers
    writer.delete_cookie(COOKIE)  # the test client would send it back; a new visitor would not
    reached = len(dispatched)
    second = writer.get("/?lang=zh", headers={"Accept": "text/html"})
    assert len(dispatched) == reached + 1 and "Set-Cookie" in second.headers
