"""The least Python any SPARQL service can run per request: the floor that issues 15 and 18 are bounded by.

Two WSGI apps, started by `systems.PythonFloor` under granian (a Rust HTTP server: the request is parsed,
and the connection held, outside Python) or under gunicorn gthread (reformkg's front):

- `embedded`: reads the body, runs it on a read-only pyoxigraph store (`FLOOR_STORE`) with the union
  default graph, serialises SELECT/ASK as SPARQL JSON results and graphs as Turtle. No routing, no
  negotiation, no limits, no cache: every request is evaluated, as with issue 18's cache off.
- `proxy`: forwards the body to `FLOOR_UPSTREAM` (Virtuoso's endpoint URL, its query string kept) over one
  kept-alive `http.client` connection per thread and returns the bytes. No checks, no rewriting.

Anything a real service adds (parsing the query to guard it, timeouts, content negotiation, errors as
answers, logging) costs more than this, so what these reach is an upper bound for any Python service on
the same machine. Not part of reformkg; imported only by granian in the benchmark.
"""
from __future__ import annotations

import http.client
import os
import threading
import urllib.parse

JSON = "application/sparql-results+json"
TURTLE = "text/turtle"


def _body(environ: dict) -> bytes:
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))


_store = None


def embedded(environ: dict, start_response):
    """One query evaluated and serialised by pyoxigraph, nothing else."""
    global _store
    from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

    if _store is None:
        _store = Store.read_only(os.environ["FLOOR_STORE"])
    result = _store.query(_body(environ).decode(), use_default_graph_as_union=True)
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        body, kind = result.serialize(format=QueryResultsFormat.JSON), JSON
    else:
        body, kind = result.serialize(format=RdfFormat.TURTLE), TURTLE
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


_local = threading.local()


def proxy(environ: dict, start_response):
    """One request passed to the upstream endpoint and its answer passed back, nothing else."""
    upstream = urllib.parse.urlsplit(os.environ["FLOOR_UPSTREAM"])
    target = upstream.path + ("?" + upstream.query if upstream.query else "")
    sent = _body(environ)
    headers = {"Content-Type": environ.get("CONTENT_TYPE", ""), "Accept": environ.get("HTTP_ACCEPT", "*/*")}
    for attempt in (1, 2):  # a kept-alive connection the upstream has closed is opened again, once
        connection = getattr(_local, "connection", None)
        if connection is None:
            connection = _local.connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            connection.request("POST", target, sent, headers)
            answer = connection.getresponse()
            body = answer.read()
            break
        except (http.client.RemoteDisconnected, ConnectionError):
            connection.close()
            _local.connection = None
            if attempt == 2:
                raise
    start_response(f"{answer.status} {answer.reason}",
                   [("Content-Type", answer.getheader("Content-Type", "")), ("Content-Length", str(len(body)))])
    return [body]
