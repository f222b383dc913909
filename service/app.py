"""The Flask application factory: configuration is passed in, the store is opened once per process."""
from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, jsonify, request

from .errors import ServiceError
from .settings import Settings

log = logging.getLogger("reformkg")


def create_app(settings: Settings, backend=None) -> Flask:
    """Build the app; `backend` replaces the store the settings name (tests pass their own)."""
    app = Flask(__name__)
    app.config["REFORMKG"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if backend is None:
        from .store.embedded import EmbeddedStore

        backend = EmbeddedStore.open(settings)
    app.extensions["reformkg.backend"] = backend
    _register_errors(app)
    from .views import sparql

    app.register_blueprint(sparql.bp)
    return app


def _register_errors(app: Flask) -> None:
    """The one place errors become HTTP answers: same shape, never a stack trace or a path."""

    @app.before_request
    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]

    def answer(status: int, title: str, message: str, headers: dict[str, str] | None = None) -> Response:
        rid = getattr(g, "request_id", "-")
        if "application/json" in (request.headers.get("Accept") or ""):
            response = jsonify(error=title, message=message, status=status, request_id=rid)
        else:
            response = Response(f"{status} {title}: {message}\n", mimetype="text/plain")
        response.status_code = status
        response.headers["X-Request-Id"] = rid
        response.headers.update(headers or {})
        return response

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        log.info("request %s: %s %s", getattr(g, "request_id", "-"), exc.status, exc.message)
        return answer(exc.status, exc.title, exc.message, exc.headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        from werkzeug.exceptions import HTTPException

        if isinstance(exc, HTTPException):
            headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
            return answer(exc.code or 500, (exc.name or "error").lower(), exc.description or "", headers)
        log.exception("request %s failed", getattr(g, "request_id", "-"))
        return answer(500, "internal error", f"the server failed on this request (request id {g.request_id})")
