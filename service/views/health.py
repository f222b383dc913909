"""Liveness (/healthz: the process answers) and readiness (/readyz: the store is open and answers)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..errors import NotReady, ServiceError

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    backend = current_app.extensions["reformkg.backend"]
    try:
        triples = backend.triple_count()
        graphs = len(backend.named_graphs())
    except ServiceError as exc:
        raise NotReady(f"the store does not answer: {exc.message}") from exc
    executor = getattr(backend, "executor", None)
    isolated = executor.isolated() if executor is not None else None
    return jsonify(status="ready", triples=triples, graphs=graphs, engines_offline=isolated)
