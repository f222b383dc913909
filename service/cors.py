"""CORS on every answer, so that browser tools on other origins (YASGUI, notebooks) can query.

Allowing any origin exposes nothing: the service has no cookies or other ambient credentials. Writes
need a bearer token, and a preflight allows no Authorization header, so a page on another origin
cannot send one. The header is added app-wide so that answers no view made (a 405, a 404) have it too.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, request

READ_METHODS = "GET, HEAD, OPTIONS"
_METHODS: dict[str, str] = {}
"""Blueprint name → the methods a preflight may ask for on its URLs, where they are not READ_METHODS."""


def allow_reads(bp: Blueprint, methods: str) -> None:
    """The methods a preflight may ask for on this blueprint's URLs (default: GET, HEAD, OPTIONS)."""
    _METHODS[bp.name] = methods


def install(app: Flask) -> None:
    @app.after_request
    def _cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "X-Request-Id"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = _METHODS.get(request.blueprint or "", READ_METHODS)
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
        return response
