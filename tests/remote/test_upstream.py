"""What a client gets when the SPARQL server behind the service fails: a clear 502, 503 or 504, in time.

A tiny misbehaving server (one mode per path) stands in for a broken upstream; a real Oxigraph server
is killed in the middle of a query. Every failure must end within the request's deadline and read as
an answer, through the backend and through the Flask app.
"""
from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from reformkg.service.app import create_app
from reformkg.service.errors import QuerySyntaxError, UpstreamError
from reformkg.service.store.base import QueryRequest
from reformkg.service.store.remote import RemoteStore

from ..conftest import free_port, start_oxigraph
from .conftest import remote_settings

JSON = "application/sparql-results+json"
ONE_ROW = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://a"}}]}}'
DEADLINE = 1.5


GRAPHS = b'{"head":{"vars":["g"]},"results":{"bindings":[' + b",".join(
    b'{"g":{"type":"uri","value":"http://example.org/graph/%d"}}' % i for i in range(300)) + b"]}}"
DESCRIPTION = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
[] a sd:Service ; sd:endpoint <> ; sd:feature sd:EmptyGraphs{} ."""


class Misbehaving(http.server.BaseHTTPRequestHandler):
    """`/<mode>/query`: answers as an Oxigraph server would, except in the way `mode` says; `/union/` and
    `/plain/` are generic servers of 300 graphs, whose service description lists sd:UnionDefaultGraph
    or not."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def do_GET(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        if mode in ("union", "plain") and "text/turtle" in self.headers.get("Accept", ""):
            union = " , sd:UnionDefaultGraph" if mode == "union" else ""
            self._answer(200, DESCRIPTION.replace("{}", union).encode(), "text/turtle")
        else:
            self._answer(200, b"", "text/html")

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        mode = self.path.strip("/").split("/")[0]
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        self.server.forms.append(form)  # type: ignore[attr-defined]
        self.served = getattr(self, "served", 0) + 1  # one handler per connection: requests on this one
        if mode == "one-per-connection" and self.served > 1:
            # A kept-alive connection the server closes just as the next request arrives: no answer.
            self.close_connection = True
        elif mode in ("union", "plain") and "GRAPH ?g" in form["query"][0]:
            self._answer(200, GRAPHS)
        elif mode == "slow":  # no answer before the deadline
            time.sleep(DEADLINE * 3)
            self._answer(200, ONE_ROW)
        elif mode == "trickle":  # headers at once, then one byte a while, for ever
            self.send_response(200)
            self.send_header("Content-Type", JSON)
            self.end_headers()
            for byte in ONE_ROW * 100:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        elif mode == "garbage":
            self._answer(200, b"<html>this is not JSON</html>")
        elif mode == "wrong-type":
            self._answer(200, b"<html>a login page</html>", "text/html")
        elif mode == "error-500":
            self._answer(500, b"java.lang.OutOfMemoryError", "text/plain")
        elif mode == "error-503":
            self._answer(503, b"too busy", "text/plain", {"Retry-After": "7"})
        elif mode == "error-400":
            self._answer(400, b"Parse error: bad query", "text/plain")
        elif mode == "cut":  # promises more than it sends, then hangs up
            self.send_response(200)
            self.send_header("Content-Type", JSON)
            self.send_header("Content-Length", str(len(ONE_ROW) * 10))
            self.end_headers()
            self.wfile.write(ONE_ROW[:40])
            self.wfile.flush()
            self.connection.shutdown(2)
        elif mode == "cut-late":  # many good rows, then it hangs up
            rows = b'{"head":{"vars":["s"]},"results":{"bindings":[' + b'{"s":{"type":"uri","value":"http://a"}},' * 200
            self.send_response(200)
            self.send_header("Content-Type", JSON)
            self.send_header("Content-Length", str(len(rows) * 2))
            self.end_headers()
            self.wfile.write(rows)
            self.wfile.flush()
            self.connection.shutdown(2)
        else:
            self._answer(200, ONE_ROW)

    def _answer(self, status: int, body: bytes, media: str = JSON, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@dataclass
class Upstream:
    """The misbehaving server: its URL (what it formats as), and the path and form of every POST it has had."""

    url: str
    requests: list[str]
    forms: list[dict[str, list[str]]]

    def __str__(self) -> str:
        return self.url


@pytest.fixture(scope="module")
def misbehaving() -> Iterator[Upstream]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    server.requests, server.forms = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Upstream(f"http://127.0.0.1:{server.server_address[1]}",
                   server.requests, server.forms)  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def backend_for(url: str, tmp_path: Path, **changes) -> RemoteStore:
    return RemoteStore(remote_settings(url, tmp_path, query_timeout=DEADLINE, **changes), flavour="oxigraph")


def fails(backend: RemoteStore, query: str = "SELECT ?s WHERE { ?s ?p ?o }") -> tuple[UpstreamError, float]:
    started = time.monotonic()
    with pytest.raises(UpstreamError) as caught:
        response = backend.query(QueryRequest(query, accept=JSON))
        b"".join(response.body)
    return caught.value, time.monotonic() - started


def test_a_server_that_answers_well_is_passed_through(misbehaving, tmp_path):
    response = backend_for(f"{misbehaving}/fine", tmp_path).query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", accept=JSON))
    assert b"".join(response.body) == ONE_ROW


def test_a_server_that_is_down_is_502_connection_refused(tmp_path):

    error, elapsed = fails(backend_for(f"http://127.0.0.1:{free_port()}", tmp_path))
    assert error.status == 502 and "did not answer: connection refused" in error.message
    assert elapsed < 1


def test_a_slow_server_is_504_at_the_deadline(misbehaving, tmp_path):
    error, elapsed = fails(backend_for(f"{misbehaving}/slow", tmp_path))
    assert error.status == 504 and f"within {DEADLINE:g} s" in error.message
    assert DEADLINE * 0.9 < elapsed < DEADLINE + 1


def test_a_trickling_answer_is_504_at_the_deadline_not_after_the_last_byte(misbehaving, tmp_path):
    error, elapsed = fails(backend_for(f"{misbehaving}/trickle", tmp_path))
    assert error.status == 504
    assert elapsed < DEADLINE + 1


def test_garbage_is_502_malformed(misbehaving, tmp_path):
    error, _ = fails(backend_for(f"{misbehaving}/garbage", tmp_path))
    assert error.status == 502 and "malformed application/sparql-results+json" in error.message


def test_an_answer_of_the_wrong_type_is_502(misbehaving, tmp_path):
    error, _ = fails(backend_for(f"{misbehaving}/wrong-type", tmp_path))
    assert error.status == 502 and "answered text/html where application/sparql-results+json was asked" in error.message


def test_a_pooled_connection_the_server_has_closed_is_asked_again_on_a_fresh_one(misbehaving, tmp_path):
    backend = backend_for(f"{misbehaving}/one-per-connection", tmp_path)
    for _ in range(3):
        started = time.monotonic()
        response = backend.query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", accept=JSON))
        assert b"".join(response.body) == ONE_ROW
        assert time.monotonic() - started < DEADLINE / 2  # at once, not at the deadline


def test_a_write_goes_on_a_connection_of_its_own_and_is_sent_once(misbehaving, tmp_path):
    backend = backend_for(f"{misbehaving}/one-per-connection", tmp_path)
    b"".join(backend.query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", accept=JSON)).body)  # a pooled connection
    seen = len(misbehaving.requests)
    backend.update("INSERT DATA { <http://a> <http://b> <http://c> }", timeout=DEADLINE)
    backend.update("INSERT DATA { <http://a> <http://b> <http://d> }", timeout=DEADLINE)
    assert misbehaving.requests[seen:] == ["/one-per-connection/update"] * 2


@pytest.mark.parametrize("mode, named", [("union", 0), ("plain", 300)])
def test_a_server_whose_default_graph_is_the_union_is_not_sent_every_graph(misbehaving, tmp_path, mode, named):
    backend = RemoteStore(remote_settings(f"{misbehaving}/{mode}/sparql", tmp_path))  # flavour: generic
    seen = len(misbehaving.forms)
    assert b"".join(backend.query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", accept=JSON)).body) == ONE_ROW
    sent = misbehaving.forms[seen:]
    assert len(sent) == (2 if named else 1)  # the graphs are asked for first where they must be named
    assert len(sent[-1].get("default-graph-uri", [])) == named


def test_a_500_is_502_with_the_upstream_status_and_message(misbehaving, tmp_path):
    error, _ = fails(backend_for(f"{misbehaving}/error-500", tmp_path))
    assert error.status == 502 and "failed with HTTP 500: java.lang.OutOfMemoryError" in error.message


def test_a_503_stays_503_with_its_retry_after(misbehaving, tmp_path):
    error, _ = fails(backend_for(f"{misbehaving}/error-503", tmp_path))
    assert error.status == 503 and error.headers["Retry-After"] == "7"


def test_a_400_for_a_query_that_parses_here_passes_the_upstream_message(misbehaving, tmp_path):
    from reformkg.service.errors import BadRequest

    with pytest.raises(BadRequest, match="Parse error: bad query"):
        backend_for(f"{misbehaving}/error-400", tmp_path).query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }"))


def test_a_400_for_a_query_that_does_not_parse_reads_like_the_embedded_error(misbehaving, tmp_path):
    with pytest.raises(QuerySyntaxError, match="syntax error at line 1, column 8"):
        backend_for(f"{misbehaving}/error-400", tmp_path).query(QueryRequest("SELEC x"))


def test_a_connection_closed_mid_body_is_502(misbehaving, tmp_path):
    error, _ = fails(backend_for(f"{misbehaving}/cut", tmp_path))
    assert error.status == 502 and "broke off its answer" in error.message


def test_a_cut_late_in_an_answer_larger_than_the_buffer_is_502_before_the_status(misbehaving, tmp_path):
    """The answer is read whole before the status, as the embedded store does: never a 200 cut short."""
    backend = backend_for(f"{misbehaving}/cut-late", tmp_path, buffer_bytes=100)
    with pytest.raises(UpstreamError, match="broke off its answer") as caught:
        backend.query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", accept=JSON))
    assert caught.value.status == 502


def test_the_app_answers_upstream_failures_as_errors(misbehaving, tmp_path):
    for mode, status in (("slow", 504), ("garbage", 502), ("error-500", 502), ("error-503", 503)):
        backend = backend_for(f"{misbehaving}/{mode}", tmp_path)
        app = create_app(backend.settings, backend=backend)
        started = time.monotonic()
        response = app.test_client().get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o }"},
                                         headers={"Accept": "application/json"})
        assert response.status_code == status, (mode, response.data)
        assert response.json["error"] == {502: "bad gateway", 503: "overloaded", 504: "gateway timeout"}[status]
        assert response.json["message"].startswith("the SPARQL server at http://127.0.0.1:")
        assert time.monotonic() - started < DEADLINE + 1


def test_one_slow_upstream_request_does_not_hold_up_the_others(misbehaving, tmp_path):
    slow = backend_for(f"{misbehaving}/slow", tmp_path)
    fine = RemoteStore(slow.settings.with_(store=f"{misbehaving}/fine"), flavour="oxigraph")
    threads = [threading.Thread(target=lambda: fails(slow)) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    assert b"".join(fine.query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", accept=JSON)).body) == ONE_ROW
    assert time.monotonic() - started < 0.5
    for thread in threads:
        thread.join()


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_an_oxigraph_server_killed_mid_query_is_502_and_then_connection_refused(tmp_path, data_dir):
    server = start_oxigraph(tmp_path / "oxigraph")
    try:
        backend = RemoteStore(remote_settings(server.url, tmp_path, query_timeout=20.0))
        backend.update("INSERT DATA { " + " ".join(f"<http://e/{i}> <http://e/p> {i} ." for i in range(200)) + " }", 10)
        outcome: dict = {}

        def query() -> None:
            started = time.monotonic()
            try:
                b"".join(backend.query(QueryRequest(RUNAWAY, accept=JSON)).body)
            except UpstreamError as exc:
                outcome["error"] = exc
            outcome["elapsed"] = time.monotonic() - started

        thread = threading.Thread(target=query)
        thread.start()
        time.sleep(0.5)
        server.kill()
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert outcome["error"].status == 502 and outcome["elapsed"] < 5
        assert "did not answer" in outcome["error"].message
        app = create_app(backend.settings, backend=backend)
        response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
        assert response.status_code == 502
        assert b"did not answer: connection refused" in response.data
    finally:
        server.kill()
