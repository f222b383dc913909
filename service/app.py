"""The Flask application factory: configuration is passed in, the store is opened once per process."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, jsonify, request

from . import accesslog, bodies, cors, page_cache
from .errors import ServiceError
from .settings import Settings

log = logging.getLogger("reformkg")


def blueprints() -> list[Blueprint]:
    """Every public surface, one blueprint each; add a surface here."""
    from .views import api, dataset, explore, gsp, health, pages, resources, sparql

    return [sparql.bp, gsp.bp, health.bp, pages.bp, dataset.bp, api.bp, explore.bp, resources.bp]


def create_app(settings: Settings, backend=None) -> Flask:
    """Build the app; `backend` replaces the store the settings name (tests pass their own).

    The embedded store starts its engine processes here; `app.extensions["reformkg.backend"].close()`
    stops them (they also stop when this process exits).
    """
    app = Flask(__name__)
    app.config["REFORMKG"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body_bytes
    if backend is None:
        from .store import open_backend

        backend = open_backend(settings)
    app.extensions["reformkg.backend"] = backend
    page_cache.install(app, backend)
    _label_index(app, settings, backend)
    app.wsgi_app = bodies.BufferedBody(app.wsgi_app, settings.max_body_bytes, settings.client_timeout)
    accesslog.install(app)
    cors.install(app)
    _register_errors(app)
    for bp in blueprints():
        app.register_blueprint(bp)
    return app


def _label_index(app: Flask, settings: Settings, backend) -> None:
    """The embedded store's label index (textindex.py), rebuilt in the background after every write
    so that searches scan only until it is; none over a remote store (search.py says why)."""
    if settings.store or not hasattr(backend, "on_written"):
        return
    from . import textindex
    from .store import snapshots

    index = textindex.LabelIndex(settings.data_dir)
    app.extensions["reformkg.textindex"] = index
    backend.on_written.append(lambda: index.build_soon(snapshots.generation(settings.data_dir) or ""))


def _register_errors(app: Flask) -> None:
    """The one place errors become HTTP answers: same shape, never a stack trace or a path."""

    @app.before_request
    def _body() -> None:
        error = request.environ.get(bodies.ERROR)
        if error is not None:
            raise error

    def answer(status: int, title: str, message: str, headers: dict[str, str] | None = None) -> Response:
        rid = accesslog.request_id()
        if "application/json" in (request.headers.get("Accept") or ""):
            response = jsonify(error=title, message=message, status=status, request_id=rid)
        else:
            response = Response(f"{status} {title}: {message}\n", mimetype="text/plain")
        response.status_code = status
        response.headers.update(headers or {})
        return response

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        level = logging.WARNING if exc.status >= 500 else logging.INFO
        log.log(level, "request %s: %s %s", accesslog.request_id(), exc.status, exc.message)
        return answer(exc.status, exc.title, exc.message, exc.headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        from werkzeug.exceptions import HTTPException, MethodNotAllowed

        if isinstance(exc, HTTPException):
            log.info("request %s: %s %s", accesslog.request_id(), exc.code, exc.name)
            headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
            message = exc.description or ""
            if isinstance(exc, MethodNotAllowed):
                message = f"{request.method} is not allowed on {request.path}; use {headers.get('Allow', '')}"
            return answer(exc.code or 500, (exc.name or "error").lower(), message, headers)
        log.exception("request %s failed", accesslog.request_id())
        return answer(500, "internal error",
                      f"the server failed on this request (request id {accesslog.request_id()})")
