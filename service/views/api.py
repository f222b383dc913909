"""The named-queries API (`/api/queries`), its OpenAPI document and the Swagger UI page.

`GET /api/queries` lists the catalogue; `GET /api/queries/NAME` runs one query with its parameters
bound as RDF terms (sparql/catalog.py) and answers in JSON, made from its rows as terms, or in any
SPARQL results format, as the backend writes it.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from pyoxigraph import Literal, NamedNode

from .. import context, formats, openapi, page_cache, query_pages
from ..errors import BadRequest
from ..search import named
from ..sparql.catalog import RESERVED, NamedQuery
from ..store.base import Terms

bp = Blueprint("api", __name__)

JSON = "application/json"
"""The API's own format: the rows as JSON values (the other formats are SPARQL results formats)."""
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS = {_XSD + t for t in ("integer", "decimal", "double", "float", "long", "int", "nonNegativeInteger",
                               "positiveInteger", "negativeInteger", "nonPositiveInteger", "short", "byte")}


@bp.get("/api/queries")
def index() -> Response:
    if "format" not in request.args and query_pages.wanted(request.headers.get("Accept")):
        return _page(render_template("named_queries.html", queries=list(context.catalog())))
    response = jsonify(queries=[summary(q) for q in context.catalog()])
    response.headers["Vary"] = "Accept"
    return response


def _page(html: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype=query_pages.HTML)
    response.headers["Vary"] = "Accept"
    return response


def summary(query: NamedQuery) -> dict:
    return {
        "name": query.name, "title": query.title, "title_zh": query.title_zh, "description": query.description,
        "description_zh": query.description_zh, "tags": list(query.tags), "variables": list(query.variables),
        "paging": query.paging, "url": url_for("api.run", name=query.name),
        "parameters": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                        "values": list(p.values) or None, "minimum": p.minimum, "maximum": p.maximum, "lang": p.lang,
                        "example": p.example, "description": p.description} for p in query.parameters],
    }


@bp.get("/api/queries/<name>")
@page_cache.cached
def run(name: str) -> Response:
    query = context.catalog().get(name)
    s = context.settings()
    args = request.args.to_dict(flat=False)
    limit = _count(args.pop("limit", None), "limit", minimum=1)
    offset = _count(args.pop("offset", None), "offset", minimum=0) or 0
    chosen = args.pop("format", None)
    if not chosen and query_pages.wanted(request.headers.get("Accept")):
        return _run_page(query, args, s)
    media = _negotiate(chosen)
    if query.paging:
        # page_rows when the client names no limit (Virtuoso, as shipped, refuses to sort more than 10,000
        # rows for a LIMIT); a page is never larger than max_result_rows, a larger limit is lowered to it.
        limit = min(limit if limit is not None else s.page_rows, s.max_result_rows)
    asked = query.request(query.bind(args), accept=media, limit=limit, offset=offset, timeout=s.query_timeout,
                          max_rows=s.max_result_rows)
    indexed = named.terms(context.label_index(), query, args, limit or s.max_result_rows, offset)
    if media == JSON:
        answer = indexed if indexed is not None else context.backend().terms(asked)
        response = _json(query, answer, request.args, limit, offset)
    elif indexed is not None:
        response = Response(named.body(indexed, media), mimetype=media)
    else:
        result = context.backend().query(asked)
        response = Response(result.body, mimetype=result.media_type)
    response.headers["Vary"] = "Accept"
    return response


def _run_page(query: NamedQuery, args: dict, s) -> Response:
    """The query as a page (query_pages.py): its form, and its rows when the parameters bind."""
    args.pop("lang", None)
    try:
        page = min(s.page_rows, s.max_result_rows) if query.paging else None
        asked = query.request(query.bind(args), accept=JSON, limit=page, offset=0,
                              timeout=s.query_timeout, max_rows=s.max_result_rows)
    except BadRequest as refused:
        return _page(query_pages.render(query, None, refused.message), status=400)
    indexed = named.terms(context.label_index(), query, args, min(s.page_rows, s.max_result_rows), 0)
    answer = indexed if indexed is not None else context.backend().terms(asked)
    return _page(query_pages.render(query, answer, None))


def _count(values: list[str] | None, name: str, minimum: int) -> int | None:
    if not values:
        return None
    if len(values) > 1 or not re.fullmatch(r"[0-9]{1,9}", values[0]) or int(values[0]) < minimum:
        raise BadRequest(f"{name} must be one whole number of at least {minimum} (and at most 9 digits)")
    return int(values[0])


def _negotiate(format_values: list[str] | None) -> str:
    if format_values:
        chosen = formats.named(formats.API, format_values[-1])
        if chosen is None:
            raise BadRequest(f"format must be one of {', '.join(formats.names(formats.API))} or one of the media "
                             f"types {', '.join(formats.media_types(formats.API))}")
        return chosen.media_type
    return formats.negotiate(request.headers.get("Accept"), formats.API).media_type


def _json(query: NamedQuery, answer: Terms, given, limit: int | None, offset: int) -> Response:
    variables = list(answer.variables)
    rows = [{name: _value(solution.get(name)) for name in variables} for solution in answer.solutions]
    document = {"query": query.name, "title": query.title, "variables": variables,
                "parameters": {k: v for k, v in given.items() if k not in RESERVED}, "rows": rows,
                "limit": limit, "offset": offset, "next": None}
    if limit is not None and len(rows) == limit:
        following = {**given.to_dict(), "limit": str(limit), "offset": str(offset + limit)}
        document["next"] = url_for("api.run", name=query.name, **following)
    response = Response(json.dumps(document, ensure_ascii=False), mimetype=JSON)
    if document["next"]:
        response.headers["Link"] = f'<{document["next"]}>; rel="next"'
    return response


def _value(term) -> object:
    """A result term as a JSON value: numbers and booleans as such, everything else as its text."""
    if isinstance(term, Literal):
        datatype = term.datatype.value
        if datatype in _NUMBERS:
            number = Decimal(term.value)
            if not number.is_finite():
                return term.value  # INF and NaN have no JSON number
            return int(number) if number == number.to_integral_value() else float(number)
        if datatype == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, NamedNode):
        return term.value
    return None if term is None else str(term)


@bp.get("/api/openapi.json")
def openapi_document() -> Response:
    return jsonify(openapi.document(context.catalog(), context.settings()))


@bp.get("/api/docs")
def docs() -> str:
    return render_template("api_docs.html")
