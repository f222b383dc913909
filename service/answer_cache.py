"""Whole answers kept per store generation and replayed before Flask runs.

The graph is read-mostly and clients repeat themselves (a dashboard, a notebook in a loop, a crawler),
so the same request meets the same snapshot again and again. The result cache (store/cache.py) spares
the engine; this spares everything else: routing, the protocol's parsing, negotiation, the response
object and its hooks cost several times what a cached query costs. A repeated request is answered
here from the raw WSGI environ, with the bytes, status and headers the app gave the first time; only
its request id (and the access log line) is new.

What is kept is decided by the app, not guessed here: a view marks its answer with `keep()` when the
answer is fixed by the snapshot and the request (a query, a page, a named query), and only complete
200 answers without a cookie are kept. The key holds everything those answers may vary on: method,
path, query string, body, Content-Type, Accept, Accept-Language, cookies, host and scheme. Requests
that change something, ask conditionally (the page cache answers 304) or carry credentials pass
through untouched. Entries share the result cache's byte budget and are keyed by the generation
(a readlink), so a write, a rebuild or another process's write makes every older answer unreachable.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from . import accesslog, bodies
from .store.base import Backend
from .store.cache import CachingBackend, ResultCache

KEEP = "reformkg.keep_answer"
_PASS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
         "HTTP_IF_RANGE", "HTTP_RANGE", "HTTP_AUTHORIZATION", bodies.ERROR)
_VARIES = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "HTTP_ACCEPT",
           "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme")


def install(app: Any, backend: Backend | CachingBackend) -> None:
    """Wrap the app's WSGI callable where the backend keeps query results (the embedded store)."""
    if isinstance(backend, CachingBackend):
        app.wsgi_app = AnswerCache(app.wsgi_app, backend.cache, backend.generation)


def keep(environ: dict[str, Any]) -> None:
    """Mark this request's answer as fixed by the snapshot and the request: the cache may replay it."""
    environ[KEEP] = True


class AnswerCache:
    """WSGI middleware between the body reader (bodies.py) and the Flask app."""

    def __init__(self, app: Callable, cache: ResultCache, generation: Callable[[], str | None]) -> None:
        self.app, self.cache, self.generation = app, cache, generation

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        kept = self.cache.get(key)
        if kept is not None:
            return self._replay(kept, environ, start_response, started)
        sent: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            sent.append((status, headers))
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        if not (environ.get(KEEP) and sent and _keepable(*sent[-1])):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()  # the app's access log line is written here
        status, headers = sent[-1]
        self.cache.put(key, (status, [h for h in headers if h[0] != "X-Request-Id"], data), len(data))
        return [data]

    def _key(self, environ: dict[str, Any]) -> Hashable | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "POST") or any(name in environ for name in _PASS):
            return None
        body = environ.get("wsgi.input")
        if environ.get("CONTENT_LENGTH") not in (None, "", "0") or environ.get("HTTP_TRANSFER_ENCODING"):
            if not hasattr(body, "getvalue"):
                return None  # a body the body reader did not buffer: let the app deal with it
            digest = hashlib.blake2b(body.getvalue(), digest_size=16).digest()
        else:
            digest = b""
        generation = self.generation()
        if generation is None:
            return None
        return ("answer", generation, digest, *(environ.get(name) for name in _VARIES))

    def _replay(self, kept: tuple[str, list[tuple[str, str]], bytes], environ: dict[str, Any],
                start_response: Callable, started: float) -> list[bytes]:
        status, headers, data = kept
        rid = accesslog.new_id(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(status, [*headers, ("X-Request-Id", rid)])
        accesslog.write(rid, environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), int(status[:3]),
                        environ.get("REMOTE_ADDR"), len(data), started)
        return [data]


def _keepable(status: str, headers: list[tuple[str, str]]) -> bool:
    """A complete 200 answer that gives nothing to one client alone."""
    names = {name.lower() for name, _ in headers}
    return status.startswith("200") and "content-length" in names and "set-cookie" not in names
