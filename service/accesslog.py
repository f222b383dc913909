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
        g.request_id = new_id(request.headers.get("X-Request-Id", ""))

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.request_id
        rid, method, path, remote, started = g.request_id, request.method, request.path, request.remote_addr, g.started
        response.call_on_close(lambda: write(rid, method, path, response.status_code, remote,
                                             response.content_length, started))
        return response


def new_id(given: str) -> str:
    """The client's X-Request-Id if it cannot forge log lines, else a fresh one."""
    return given if _CLIENT_ID.fullmatch(given) else uuid.uuid4().hex[:16]


def write(request_id: str, method: str, path: str, status: int, remote: str | None, length: int | None,
          started: float) -> None:
    """One access log line; also written for answers the answer cache gives without the app."""
    log.info(json.dumps({"request_id": request_id, "method": method, "path": path, "status": status,
                         "remote": remote, "bytes": length,
                         "duration_ms": round((time.perf_counter() - started) * 1000, 2)}, ensure_ascii=False))


def request_id() -> str:
    return g.get("request_id", "-")
