"""Complete answers of the read-only pages and APIs, kept per store generation, with ETags.

A resource page costs two queries, a label lookup and a template; a named query its query and the
JSON reshaping. All of it is fixed by the snapshot and the request, so the answer is kept beside the
query results (store/cache.py), in the same byte budget and under the same generation: a write, a
rebuild or another process's write makes every older answer unreachable at once. Keys hold everything
an answer varies on: scheme, host, path and query string, Accept, Accept-Language and the language cookie. Each
kept answer carries a strong ETag (its body's hash), so a client that has it gets 304.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, request

from . import answer_cache
from .i18n import COOKIE
from .store.base import Backend
from .store.cache import CachingBackend

EXTENSION = "reformkg.pages"


def install(app: Flask, backend: Backend | CachingBackend) -> None:
    """Keep answers where the backend keeps query results (the embedded store, with a cache budget)."""
    if isinstance(backend, CachingBackend):
        app.extensions[EXTENSION] = (backend.cache, backend.generation)


def cached(view: Callable[..., Response]) -> Callable[..., Response]:
    """Serve GET and HEAD of `view` from the cache; keep its complete 200 answers."""

    @wraps(view)
    def wrapper(*args, **kwargs) -> Response:
        found = current_app.extensions.get(EXTENSION)
        if found is None or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        cache, generation = found
        current = generation()
        if current is None:
            return view(*args, **kwargs)
        key = ("page", current, request.scheme, request.host, request.full_path, request.headers.get("Accept"),
               request.headers.get("Accept-Language"), request.cookies.get(COOKIE))
        kept = cache.get(key)
        if kept is None:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.is_streamed:
                return response
            body = response.get_data()
            kept = (list(response.headers.items()), body, hashlib.sha256(body).hexdigest()[:32])
            cache.put(key, kept, len(body))
        headers, body, etag = kept
        answer_cache.keep(request.environ)
        response = Response(body, status=200, headers=headers)
        response.set_etag(etag)
        return response.make_conditional(request)

    return wrapper
