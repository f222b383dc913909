"""The SPARQL 1.1 Protocol endpoint: queries, updates, and the service description (GET, no query)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from .. import auth, cors, description, protocol
from . import pages
from ..errors import BadRequest, NotAcceptable
from ..store.base import QueryRequest, QueryResponse
from ..store.formats import negotiate

bp = Blueprint("sparql", __name__)
cors.allow_reads(bp, "GET, HEAD, POST, OPTIONS")


def answer(result: QueryResponse, **headers: str) -> Response:
    """A Response for a backend's answer: Content-Length when it is complete, streamed otherwise."""
    response = Response(result.body, mimetype=result.media_type)
    if result.length is not None:
        response.content_length = result.length
    response.headers.update(headers)
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    settings = current_app.config["REFORMKG"]
    backend = current_app.extensions["reformkg.backend"]
    if (page := pages.browser_redirect()) is not None:
        return page  # a browser asking for /sparql gets the query UI
    operation = protocol.read_operation(request)
    if operation.kind == "describe":
        return _service_description(operation.accept)
    if operation.kind == "update":
        auth.require_writer(request, settings)
        backend.update(operation.text, operation.timeout or settings.query_timeout, base_iri=request.base_url,
                       using_graphs=operation.using_graphs, using_named_graphs=operation.using_named_graphs)
        return Response(status=204)
    result = backend.query(QueryRequest(
        query=operation.text,
        accept=operation.accept,
        default_graphs=operation.default_graphs,
        named_graphs=operation.named_graphs,
        timeout=operation.timeout or settings.query_timeout,
        max_rows=operation.max_rows or settings.max_result_rows,
        base_iri=request.base_url,
    ))
    return answer(result, Vary="Accept")


def _service_description(accept: str | None) -> Response:
    settings = current_app.config["REFORMKG"]
    try:
        media_type = negotiate(accept, "graph")
    except NotAcceptable:
        raise BadRequest("no query: give a query parameter, or ask for the service description with an "
                         "RDF type in Accept (text/turtle, …)") from None
    backend = current_app.extensions["reformkg.backend"]
    triples = description.describe(request.base_url, backend.named_graphs(),
                                   writable=bool(settings.update_token),
                                   federated=bool(settings.federation_allow.split()))
    return Response(description.serialise(triples, media_type), mimetype=media_type, headers={"Vary": "Accept"})
