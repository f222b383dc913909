"""Headers every answer carries, whichever view (or none: a 404, a 405) made it.

`X-Content-Type-Options: nosniff` keeps a browser to the declared type: an error message that quotes a
path or a query is text/plain and stays text, and a JSON or CSV answer is never run as a script
(https://fetch.spec.whatwg.org/#x-content-type-options-header). A 204 has no body, so it has no
Content-Type either (RFC 9110 §8.3: the header describes content, and there is none); Flask gives every
response one by default.
"""
from __future__ import annotations

from flask import Flask, Response


def install(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.status_code == 204:
            del response.headers["Content-Type"]
        return response
