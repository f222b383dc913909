"""Request ids and the structured access log: one JSON line per request, with its timing.

The line is written when the response is closed, so a streamed answer is timed to its last byte.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

log = logging.getLogger("reformkg.access")
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def install(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        given = request.headers.get("X-Request-Id", "")
        # A client's id is kept only if it cannot forge log lines.
        g.request_id = given if _CLIENT_ID.fullmatch(given) else uuid.uuid4().hex[:16]

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.request_id
        record = {
            "request_id": g.request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "remote": request.remote_addr,
        }
        started = g.started

        def emit() -> None:
            record["bytes"] = response.content_length
            record["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
            log.info(json.dumps(record, ensure_ascii=False))

        response.call_on_close(emit)
        return response


def request_id() -> str:
    return g.get("request_id", "-")
