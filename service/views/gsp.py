"""The SPARQL 1.1 Graph Store HTTP Protocol at /store: `?graph=<iri>`, `?default`, or /store/<path>.

https://www.w3.org/TR/sparql11-http-rdf-update/ — indirect identification (§4.2) by the `graph`
parameter, direct identification (§4.1) by a URL under /store, which is then the graph's IRI. A POST to
/store itself creates a graph with a new IRI (§5.5). Reads are open; writes need the update token.

A body larger than SPOOL_BYTES is written to a file of its own, which the embedded store bulk-loads
(store/embedded/engine.py), so a PUT of millions of triples takes little memory; such a body may be up
to max_upload_bytes. Each body (each part of a multipart body) is one RDF document: a blank node
label names one node throughout it, and its blank nodes are new nodes, never those of an earlier
request, even with the same label (RDF 1.1 Concepts §3.4; GSP §5.6 merges a POST's graph into the
store's as an RDF merge, which keeps the blank nodes of the two graphs apart).
"""
from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Blueprint, Response, request

from .. import auth, context, formats, protocol
from ..bodies import SPOOL_BYTES
from ..errors import BadRequest, UnsupportedMediaType
from ..responses import answer
from ..store.base import Payload

bp = Blueprint("gsp", __name__)
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


@dataclass(frozen=True)
class Target:
    graph: str | None
    """The graph's IRI; None for the default graph or for the whole store."""
    store: bool = False
    """True when the request names no graph: the graph store itself."""


def _target(rest: str | None) -> Target:
    if rest is not None:
        return Target(request.base_url)
    params = protocol.parse_params(request.query_string, "query string")
    graphs = [value for key, value in params if key == "graph"]
    default = any(key == "default" for key, _ in params)
    if len(graphs) > 1 or graphs and default:
        raise BadRequest("name one graph: ?graph=<iri> or ?default")
    if graphs:
        return Target(protocol.iri_param(graphs[0], "graph"))
    if default:
        return Target(None)
    return Target(None, store=True)


@bp.route("/store", methods=METHODS)
@bp.route("/store/<path:rest>", methods=METHODS)
def graph_store(rest: str | None = None) -> Response:
    settings, backend = context.settings(), context.backend()
    target = _target(rest)
    if request.method in ("GET", "HEAD"):
        return _read(target)
    auth.require_writer(request, settings)
    if request.method == "DELETE":
        if target.store:
            raise BadRequest("DELETE needs ?graph=<iri> or ?default")
        backend.graph_delete(target.graph)
        return Response(status=204)
    if target.store and request.method != "POST":
        raise BadRequest("PUT needs ?graph=<iri> or ?default")
    request.max_content_length = settings.max_upload_bytes
    payloads = _payloads()
    try:
        if target.store:
            graph = f"{request.url_root}store/{uuid.uuid4().hex}"
            backend.graph_add(graph, payloads)
            return Response(status=201, headers={"Location": graph})
        write = backend.graph_replace if request.method == "PUT" else backend.graph_add
        created = write(target.graph, payloads)
        return Response(status=201 if created else 204)
    finally:
        for payload in payloads:
            if isinstance(payload.data, Path):
                payload.data.unlink(missing_ok=True)


def _read(target: Target) -> Response:
    backend = context.backend()
    accept = request.headers.get("Accept")
    if target.store:
        return answer(backend.dataset_get(formats.negotiate(accept, formats.DATASET).media_type), Vary="Accept")
    media_type = formats.negotiate(accept, formats.TRIPLES).media_type
    if request.method == "HEAD":
        if not backend.graph_exists(target.graph):
            return Response(status=404)
        return Response(mimetype=media_type, headers={"Vary": "Accept"})
    return answer(backend.graph_get(target.graph, media_type), Vary="Accept")


def _payloads() -> list[Payload]:
    """The RDF in the body, or in each part of a multipart/form-data body (GSP §5.5)."""
    if request.mimetype == "multipart/form-data":
        parts = [_payload(f.stream, f.mimetype) for f in request.files.values()]
        if not parts or request.form:
            raise BadRequest("each part of a multipart body must be a file with its RDF Content-Type")
        return parts
    if not request.mimetype:
        raise UnsupportedMediaType("send the RDF with a Content-Type: "
                                   + " or ".join(", ".join(formats.media_types(formats.TRIPLES)).rsplit(", ", 1)))
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"the body is declared as {charset}; send RDF as UTF-8")
    return [_payload(request.stream, request.mimetype)]


def _payload(stream: IO[bytes], media_type: str) -> Payload:
    """The body in memory up to SPOOL_BYTES, else in a file of its own for the store to bulk-load."""
    head = stream.read(SPOOL_BYTES + 1)
    if len(head) <= SPOOL_BYTES:
        return Payload(head, media_type)
    with tempfile.NamedTemporaryFile(prefix="reformkg-upload-", delete=False) as file:
        file.write(head)
        shutil.copyfileobj(stream, file, 1024 * 1024)
    return Payload(Path(file.name), media_type)
