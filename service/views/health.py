"""Liveness (/healthz: the process answers) and readiness (/readyz: the store is open and answers)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import context
from ..errors import NotReady, ServiceError

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    backend = context.backend()
    try:
        triples = backend.triple_count()
        graphs = len(backend.named_graphs())
    except ServiceError as exc:
        raise NotReady(f"the store does not answer: {exc.message}") from exc
    return jsonify(status="ready", triples=triples, graphs=graphs, engines_offline=backend.engines_offline())
