"""Graph exploration: the explorer page, the neighbourhood and search APIs, GraphML/GEXF exports."""
from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, render_template, request

from .. import context, exports, neighbourhood, page_cache, search
from ..errors import BadRequest, NotFound
from ..sparql.terms import iri as iri_term

bp = Blueprint("explore", __name__)


def _int(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise BadRequest(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _lang(default: str | None) -> str | None:
    lang = request.args.get("lang") or default
    if lang not in (None, *search.LANGUAGES):
        raise BadRequest(f"lang must be one of {', '.join(search.LANGUAGES)}, not {lang!r}")
    return lang


@bp.get("/explore")
def page() -> str:
    return render_template("explore.html", start=request.args.get("iri", ""))


@bp.get("/api/graph")
@page_cache.cached
def graph() -> Response:
    iri = request.args.get("iri")
    if not iri:
        raise BadRequest("give the resource to start from as iri=…")
    found = neighbourhood.neighbourhood(
        context.backend(), iri, depth=_int("depth", 1), limit=_int("limit", neighbourhood.DEFAULT_LIMIT),
        lang=_lang("zh"), timeout=context.settings().query_timeout)
    return jsonify(neighbourhood.to_cytoscape(found, context.site()))


@bp.get("/api/search")
@page_cache.cached
def find() -> Response:
    text, lang = request.args.get("q", ""), _lang(None)
    hits = search.search(context.backend(), text, site=context.site(), lang=lang,
                         limit=_int("limit", search.DEFAULT_LIMIT), timeout=context.settings().query_timeout,
                         index=context.label_index())
    return jsonify(q=text, lang=lang, results=[
        {"iri": h.iri, "label": h.label, "matched": h.matched, "match": h.match, "score": h.score,
         "class": h.display_class, "page": h.page, "report": h.report, "report_label": h.report_label} for h in hits])


@bp.get("/api/export.<fmt>")
def export(fmt: str) -> Response:
    if fmt not in exports.FORMATS:
        raise NotFound(f"no export as {fmt}; the graph is exported as " + ", ".join(exports.FORMATS))
    backend, s = context.backend(), context.settings()
    graph = request.args.get("graph") or None
    if graph is not None:
        iri_term(graph)
        if graph not in backend.named_graphs():
            raise NotFound(f"no named graph <{graph}>; the graphs are " + ", ".join(backend.named_graphs()))
    body = exports.export(backend, graph, fmt, timeout=s.query_timeout, max_rows=s.max_result_rows)
    name = "reformkg" if graph is None else "reformkg-" + re.sub(r"[^A-Za-z0-9._-]+", "-", graph.rstrip("/").rsplit("/", 1)[-1])
    return Response(body, mimetype=exports.FORMATS[fmt].media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{exports.FORMATS[fmt].extension}"'})
