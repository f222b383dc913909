"""The dataset described and given whole: VoID and DCAT (void.py), the dumps, the JSON-LD context.

The dumps are made from the store on each request; their ETag is their content's hash, so it changes
exactly when the store does.
"""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, render_template, request
from pyoxigraph import Quad, RdfFormat, Triple, parse, serialize

from reformkg.ontology.vocab import PREFIXES

from .. import context, cors, jsonld, representations, statistics
from ..errors import NotFound
from ..i18n import language
from ..labeller import Labeller
from ..links import prefixed
from ..void import DESCRIPTION, DUMPS, PUBLISHER, dump_links, void_triples

bp = Blueprint("dataset", __name__)
cors.allow_reads(bp, "GET, HEAD, OPTIONS")


def _dataset_page(stats: statistics.Statistics, alternates: list) -> str:
    lang = language(request)
    labeller = Labeller([], context.term_labels(), lang, context.site())
    return render_template(
        "dataset.html", stats=stats, labeller=labeller, prefixed=prefixed, description=DESCRIPTION[lang],
        dumps=dump_links(), publisher=PUBLISHER, alternates=alternates, iri=context.site().iri("dataset"),
    )


def _describe_dataset(path: str, default: str) -> Response:
    asked = representations.requested(path, request.headers.get("Accept"), default=default)
    backend, base = context.backend(), context.settings().base_iri
    stats = statistics.compute(backend, base)
    alternates = representations.alternates(asked.path)
    return representations.respond(asked, html=lambda: _dataset_page(stats, alternates),
                                   triples=lambda: void_triples(backend, base, stats))


@bp.route("/.well-known/void")
@bp.route("/.well-known/void.<ext>")
def well_known_void(ext: str | None = None) -> Response:
    """VoID §7.2: the description at a well-known place; Turtle unless Accept asks otherwise."""
    representations.known_suffix(ext, "/.well-known/void")
    return _describe_dataset(request.path, "text/turtle")


@bp.route("/dataset")
@bp.route("/dataset.<ext>")
def dataset(ext: str | None = None) -> Response:
    """`{base}dataset` dereferenced: the same description, a page first."""
    representations.known_suffix(ext, "/dataset")
    return _describe_dataset(request.path, representations.HTML)


def _conditional(body: bytes, content_type: str, filename: str | None = None) -> Response:
    """An answer with a strong ETag (the body's hash) and its length; 304 when If-None-Match names it."""
    response = Response(body, content_type=content_type)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response.make_conditional(request)


def _quad_order(quad: Quad) -> tuple[str, str, str, str]:
    return str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object)


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    """The whole dataset as N-Quads or TriG, or the default graph (the union) as Turtle."""
    media_type = DUMPS.get(name)
    if media_type is None:
        raise NotFound(f"no dump {name}; there are " + ", ".join(DUMPS))
    nquads = b"".join(context.backend().dataset_get("application/n-quads").body)
    if media_type == "application/n-quads":
        body = nquads
    else:
        quads = sorted(parse(nquads, format=RdfFormat.N_QUADS), key=_quad_order)
        if media_type == "application/trig":
            body = serialize(quads, format=RdfFormat.TRIG, prefixes=PREFIXES)
        else:
            triples = sorted({Triple(q.subject, q.predicate, q.object) for q in quads}, key=representations.order)
            body = serialize(triples, format=RdfFormat.TURTLE, prefixes=PREFIXES)
    return _conditional(body, representations.content_type(media_type), name)


@bp.route("/context.jsonld")
def jsonld_context() -> Response:
    """The JSON-LD context every JSON-LD answer refers to, generated from the vocabularies and the ontology."""
    ctx = jsonld.context(context.backend(), context.ontology_graph())
    body = json.dumps({"@context": ctx}, ensure_ascii=False, indent=2).encode("utf-8")
    return _conditional(body, "application/ld+json")
