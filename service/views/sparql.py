"""The SPARQL endpoint (first cut: GET and POST queries; the whole protocol is issue 3)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..errors import BadRequest
from ..store.base import QueryRequest

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    settings = current_app.config["REFORMKG"]
    if request.mimetype == "application/sparql-query":
        query = request.get_data(as_text=True)
    else:
        query = request.values.get("query")
    if not query:
        raise BadRequest("missing the query parameter")
    backend = current_app.extensions["reformkg.backend"]
    result = backend.query(
        QueryRequest(query=query, accept=request.headers.get("Accept"), timeout=settings.query_timeout,
                     max_rows=settings.max_result_rows)
    )
    return Response(result.body, mimetype=result.media_type)
