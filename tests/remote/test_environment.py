"""The remote store reads the environment's proxy settings once, and still goes through the proxy.

requests re-reads proxies, NO_PROXY and ~/.netrc on every request unless told not to, which cost half a
millisecond of each query; the store now reads them when it is made. The proxy here is a real HTTP
server that answers every request itself (as an intercepting proxy may) and records the request line,
which names the absolute URL only when the client sent it through a proxy.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reformkg.service.store.base import QueryRequest
from reformkg.service.store.remote import RemoteStore

from .conftest import remote_settings

ASK_TRUE = json.dumps({"head": {}, "boolean": True}).encode()


class _Proxy(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.seen.append(self.requestline)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(ASK_TRUE)))
        self.end_headers()
        self.wfile.write(ASK_TRUE)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    _Proxy.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Proxy.seen
    server.shutdown()
    server.server_close()


TARGET = "http://sparql.example.invalid/sparql"


def test_queries_go_through_the_proxy_the_environment_names(proxy, tmp_path: Path, monkeypatch):
    url, seen = proxy
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    store = RemoteStore(remote_settings(TARGET, tmp_path / "data"), flavour="oxigraph")
    monkeypatch.delenv("HTTP_PROXY")  # read once, when the store was made
    answer = b"".join(store.query(QueryRequest("ASK {}", accept="application/sparql-results+json")).body)
    store.close()
    assert json.loads(answer)["boolean"] is True
    assert seen and seen[0].startswith(f"POST {TARGET}")  # an absolute URL: sent to the proxy


def test_a_server_no_proxy_names_is_reached_directly(oxigraph, proxy, tmp_path: Path, monkeypatch):
    url, seen = proxy
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    store = RemoteStore(remote_settings(oxigraph.url, tmp_path / "data"), flavour="oxigraph")
    asked = QueryRequest("ASK { FILTER(false) }", accept="application/sparql-results+json")
    answer = b"".join(store.query(asked).body)
    store.close()
    assert json.loads(answer)["boolean"] is False  # the Oxigraph server's own answer, not the proxy's
    assert seen == []
