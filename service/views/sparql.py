"""The SPARQL 1.1 Protocol endpoint: queries, updates, and the service description (GET, no query)."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for

from .. import answer_cache, auth, context, cors, formats, negotiation, protocol, representations, service_description
from ..errors import BadRequest, NotAcceptable
from ..responses import answer
from ..store.base import QueryRequest

bp = Blueprint("sparql", __name__)
cors.allow_reads(bp, "GET, HEAD, POST, OPTIONS")


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    settings, backend = context.settings(), context.backend()
    if (page := browser_redirect()) is not None:
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
    answer_cache.keep(request.environ)
    return answer(result, Vary="Accept")


def browser_redirect() -> Response | None:
    """A GET with no query from a browser (it asks for HTML by name) goes to the query UI.

    Returns None for every other request, which the endpoint answers itself (a GET with no query and
    no HTML in Accept is asking for the service description).
    """
    if request.method != "GET" or request.args.get("query") or request.args.get("update"):
        return None
    accept = request.headers.get("Accept")
    if not any(r.type == "text" and r.subtype == "html" and r.q > 0 for r in negotiation.parse_accept(accept)):
        return None
    try:
        wanted = representations.requested("/sparql", accept).media_type
    except NotAcceptable:
        return None
    return redirect(url_for("pages.query_ui"), code=303) if wanted == representations.HTML else None


def _service_description(accept: str | None) -> Response:
    settings = context.settings()
    try:
        fmt = formats.negotiate(accept, formats.GRAPH)
    except NotAcceptable:
        raise BadRequest("no query: give a query parameter, or ask for the service description with an "
                         "RDF type in Accept (text/turtle, …)") from None
    triples = service_description.describe(request.base_url, context.backend().named_graphs(),
                                           writable=bool(settings.update_token),
                                           federated=bool(settings.federation_allow.split()))
    return Response(service_description.serialise(triples, fmt), mimetype=fmt.media_type, headers={"Vary": "Accept"})
