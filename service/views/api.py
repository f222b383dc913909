"""The named-queries API (`/api/queries`), its OpenAPI document and the Swagger UI page.

`GET /api/queries` lists the catalogue; `GET /api/queries/NAME` runs one query with its parameters
bound as RDF terms (catalog.py) and answers in JSON or any SPARQL results format. The catalogue is
loaded when the blueprint is registered, so a malformed query file stops the app from starting.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from pyoxigraph import Literal, NamedNode, QueryResultsFormat, parse_query_results

from .. import negotiation, openapi, page_cache
from ..catalog import RESERVED, Catalog, NamedQuery, load_catalog
from ..errors import BadRequest
from ..settings import Settings

bp = Blueprint("api", __name__)

JSON = "application/json"
OFFERS = (JSON, "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
          "text/tab-separated-values")
ALIASES = {"application/xml": "application/sparql-results+xml", "text/xml": "application/sparql-results+xml"}
FORMAT_NAMES = {"json": JSON, "sparql-json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS = {_XSD + t for t in ("integer", "decimal", "double", "float", "long", "int", "nonNegativeInteger",
                               "positiveInteger", "negativeInteger", "nonPositiveInteger", "short", "byte")}


@bp.record_once
def _load(state) -> None:
    state.app.extensions["reformkg.catalog"] = load_catalog()


def catalog() -> Catalog:
    return current_app.extensions["reformkg.catalog"]


def settings() -> Settings:
    return current_app.config["REFORMKG"]


@bp.get("/api/queries")
def index() -> Response:
    return jsonify(queries=[summary(q) for q in catalog()])


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
    query = catalog().get(name)
    s = settings()
    args = request.args.to_dict(flat=False)
    limit = _count(args.pop("limit", None), "limit", minimum=1)
    offset = _count(args.pop("offset", None), "offset", minimum=0) or 0
    media = _negotiate(args.pop("format", None))
    if query.paging:
        # A page is never larger than max_result_rows; a larger limit is lowered to it.
        limit = min(limit if limit is not None else s.max_result_rows, s.max_result_rows)
    substitutions = query.bind(args)
    accept = "application/sparql-results+json" if media == JSON else media
    result = current_app.extensions["reformkg.backend"].query(
        query.request(substitutions, accept=accept, limit=limit, offset=offset, timeout=s.query_timeout,
                      max_rows=s.max_result_rows))
    if media != JSON:
        response = Response(result.body, mimetype=result.media_type)
    else:
        response = _json(query, b"".join(result.body), request.args, limit, offset)
    response.headers["Vary"] = "Accept"
    return response


def _count(values: list[str] | None, name: str, minimum: int) -> int | None:
    if not values:
        return None
    if len(values) > 1 or not re.fullmatch(r"[0-9]{1,9}", values[0]) or int(values[0]) < minimum:
        raise BadRequest(f"{name} must be one whole number of at least {minimum} (and at most 9 digits)")
    return int(values[0])


def _negotiate(format_values: list[str] | None) -> str:
    if format_values:
        chosen = FORMAT_NAMES.get(format_values[-1].lower(), format_values[-1].lower())
        if chosen not in OFFERS:
            raise BadRequest(f"format must be one of {', '.join(FORMAT_NAMES)} or one of the media types "
                             f"{', '.join(OFFERS)}")
        return chosen
    offered = negotiation.choose(request.headers.get("Accept"), [*OFFERS, *ALIASES], "named query results",
                                 shown=OFFERS)
    return ALIASES.get(offered, offered)


def _json(query: NamedQuery, body: bytes, given, limit: int | None, offset: int) -> Response:
    results = parse_query_results(body, format=QueryResultsFormat.JSON)
    variables = [v.value for v in results.variables]
    rows = [{name: _value(solution[name]) for name in variables} for solution in results]
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
    return jsonify(openapi.document(catalog(), settings()))


@bp.get("/api/docs")
def docs() -> str:
    return render_template("api_docs.html")
