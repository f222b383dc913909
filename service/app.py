"""The Flask application factory: configuration is passed in, the store is opened once per process."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, jsonify, request

from . import accesslog, answer_cache, bodies, context, cors, headers, page_cache, search
from .errors import ServiceError
from .settings import Settings
from .sparql.catalog import load_catalog
from .store.base import Backend

log = logging.getLogger("reformkg")


def blueprints() -> list[Blueprint]:
    """Every public surface, one blueprint each; add a surface here."""
    from .views import api, browse, dashboard, dataset, explore, gsp, health, pages, resources, search_page, sparql

    return [sparql.bp, gsp.bp, health.bp, pages.bp, dataset.bp, api.bp, explore.bp, dashboard.bp, browse.bp,
            search_page.bp, resources.bp]


def create_app(settings: Settings, backend: Backend | None = None) -> Flask:
    """Build the app; `backend` replaces the store the settings name (tests pass their own).

    The embedded store starts its engine processes here; closing the backend (context.backend().close())
    stops them (they also stop when this process exits). A malformed named-query file stops the app
    from starting (CatalogError).
    """
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body_bytes
    if backend is None:
        from .store import open_backend

        backend = open_backend(settings)
    context.install(app, settings, backend, load_catalog(), search.label_index(settings, backend))
    page_cache.install(app, backend)
    answer_cache.install(app, backend)  # inside the body reader: a POST's key holds its whole body
    app.wsgi_app = bodies.BufferedBody(app.wsgi_app, settings.max_body_bytes, settings.client_timeout,
                                       settings.max_upload_bytes)
    accesslog.install(app)
    cors.install(app)
    headers.install(app)
    _register_errors(app)
    for bp in blueprints():
        app.register_blueprint(bp)
    return app


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
