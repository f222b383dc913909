"""The OpenAPI 3.1 document of the API, generated from the query files and the routes' constants.

Each named query is its own path (`/api/queries/indicators`) so that its parameters, their types,
allowed values and examples appear in the docs and in generated clients; the catalogue's front
matter is the only source of that, so the document cannot drift from the queries.
"""
from __future__ import annotations

from importlib.metadata import version

from . import exports, formats, neighbourhood, search
from .settings import Settings
from .sparql.catalog import Catalog, NamedQuery, Parameter

_TYPES = {
    "iri": {"type": "string", "format": "iri"},
    "string": {"type": "string"},
    "lang-string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "enum": {"type": "string"},
}


def document(catalog: Catalog, settings: Settings) -> dict:
    paths: dict[str, dict] = {"/api/queries": {"get": {
        "operationId": "listQueries", "tags": ["catalogue"], "summary": "List the named queries",
        "description": "Every named query with its titles, description, parameters and result variables.",
        "responses": {"200": _json("The catalogue", {"$ref": "#/components/schemas/QueryList"})},
    }}}
    for query in catalog:
        paths[f"/api/queries/{query.name}"] = {"get": _operation(query, settings)}
    paths.update(_exploration_paths(settings))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "reformkg API",
            "version": version("reformkg"),
            "summary": "Named queries and graph exploration over a knowledge graph of government reform reports.",
            "description": ("Each named query is a SPARQL file in `queries/` with its parameters declared in its "
                            "front matter; parameters are bound as RDF terms, never pasted into the query. "
                            f"The full SPARQL endpoint is at `/sparql`. Results are capped at "
                            f"{settings.max_result_rows} rows (max_result_rows)."),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": "catalogue", "description": "The named queries and this document"},
                 *({"name": t} for t in dict.fromkeys(_tag(q) for q in catalog)),
                 {"name": "exploration", "description": "Neighbourhoods, label search and exports for graph tools"}],
        "paths": paths,
        "components": {"schemas": _SCHEMAS, "responses": _ERRORS},
    }


def _operation(query: NamedQuery, settings: Settings) -> dict:
    parameters = [_parameter(p) for p in query.parameters]
    if query.paging:
        parameters += [
            {"name": "limit", "in": "query", "required": False,
             "description": f"Rows per page (at most {settings.max_result_rows}; {settings.page_rows} when not given).",
             "schema": {"type": "integer", "minimum": 1, "maximum": settings.max_result_rows,
                        "default": min(settings.page_rows, settings.max_result_rows)}},
            {"name": "offset", "in": "query", "required": False, "description": "Rows to skip.",
             "schema": {"type": "integer", "minimum": 0, "default": 0}},
        ]
    parameters.append({"name": "format", "in": "query", "required": False,
                       "description": "The result format, instead of the Accept header.",
                       "schema": {"type": "string", "enum": formats.names(formats.API)}})
    description = f"{query.description}\n\n{query.title_zh}" + (f"：{query.description_zh}" if query.description_zh else "")
    description += "\n\nColumns: " + ", ".join(f"`{v}`" for v in query.variables) + "."
    content = {media: {"schema": {"$ref": "#/components/schemas/QueryResult"} if syntax is None else {"type": "string"}}
               for media, syntax in ((f.media_type, f.syntax) for f in formats.offered(formats.API))}
    return {
        "operationId": "query_" + query.name.replace("-", "_"),
        "tags": [_tag(query)],
        "summary": query.title,
        "description": description,
        "parameters": parameters,
        "responses": {"200": {"description": "The query's rows", "content": content}, **_error_refs()},
    }


def _tag(query: NamedQuery) -> str:
    """The query's first tag groups it in the docs."""
    return query.tags[0] if query.tags else "queries"


def _parameter(p: Parameter) -> dict:
    schema = dict(_TYPES[p.type])
    if p.values:
        schema["enum"] = [_typed(p, v) for v in p.values]
    if p.type in ("integer", "decimal"):  # a date range is checked too, but JSON Schema has no keyword for it
        schema.update({k: _typed(p, v) for k, v in (("minimum", p.minimum), ("maximum", p.maximum)) if v is not None})
    if p.default is not None:
        schema["default"] = _typed(p, p.default)
    described = p.description + {"enum": "", "lang-string": " Written text@lang; bound as a language-tagged literal."}.get(
        p.type, f" Bound as an RDF term ({p.type}).")
    parameter = {"name": p.name, "in": "query", "required": p.required, "description": described.strip(),
                 "schema": schema}
    if p.example is not None:
        parameter["example"] = _typed(p, p.example)
    return parameter


def _typed(p: Parameter, value: str) -> object:
    if p.type == "integer":
        return int(value)
    if p.type == "decimal":
        return float(value)
    if p.type == "boolean":
        return value == "true"
    return value


def _exploration_paths(settings: Settings) -> dict:
    iri = {"name": "iri", "in": "query", "required": True, "description": "The resource to start from.",
           "schema": {"type": "string", "format": "iri"},
           "example": f"{settings.base_iri}report/cq-civil-affairs-2022/reform/2"}
    lang = {"name": "lang", "in": "query", "required": False, "description": "The labels' language.",
            "schema": {"type": "string", "enum": list(search.LANGUAGES), "default": "zh"}}
    graph = {"name": "graph", "in": "query", "required": False,
             "description": "One named graph (default: the union of all graphs).",
             "schema": {"type": "string", "format": "iri"}}
    paths = {
        "/api/graph": {"get": {
            "operationId": "neighbourhood", "tags": ["exploration"], "summary": "A resource's neighbourhood",
            "description": ("The links between IRIs within `depth` hops of the resource (rdf:type links left out), "
                            "with each node's label and display class, as Cytoscape.js elements; at most `limit` "
                            "links, nearest first, and `truncated` says whether there were more."),
            "parameters": [iri,
                           {"name": "depth", "in": "query", "required": False, "description": "Hops out: 1 or 2.",
                            "schema": {"type": "integer", "minimum": 1, "maximum": neighbourhood.MAX_DEPTH,
                                       "default": 1}},
                           {"name": "limit", "in": "query", "required": False, "description": "Most links returned.",
                            "schema": {"type": "integer", "minimum": 1, "maximum": neighbourhood.MAX_LIMIT,
                                       "default": neighbourhood.DEFAULT_LIMIT}},
                           lang],
            "responses": {"200": _json("Cytoscape.js elements", {"$ref": "#/components/schemas/Neighbourhood"}),
                          **_error_refs()},
        }},
        "/api/search": {"get": {
            "operationId": "search", "tags": ["exploration"], "summary": "Search labels",
            "description": ("Resources whose labels contain the text, best match first: exact, then prefix, then a "
                            "whole English word, then a substring (Chinese matches as a substring)."),
            "parameters": [{"name": "q", "in": "query", "required": True, "description": "The text to look for.",
                            "schema": {"type": "string", "minLength": 1}, "example": "养老"},
                           {**lang, "description": "Only match labels in this language (default: any).",
                            "schema": {"type": "string", "enum": list(search.LANGUAGES)}},
                           {"name": "limit", "in": "query", "required": False, "description": "Most results.",
                            "schema": {"type": "integer", "minimum": 1, "maximum": search.MAX_LIMIT,
                                       "default": search.DEFAULT_LIMIT}}],
            "responses": {"200": _json("Ranked matches", {"$ref": "#/components/schemas/SearchResults"}),
                          **_error_refs()},
        }},
        "/api/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["catalogue"], "summary": "This document",
            "responses": {"200": _json("OpenAPI 3.1", {"type": "object"})},
        }},
    }
    for name, fmt in exports.FORMATS.items():
        paths[f"/api/export.{name}"] = {"get": {
            "operationId": f"export_{name}", "tags": ["exploration"], "summary": f"The graph as {name.upper()}",
            "description": ("Every resource a node and every link between resources an edge, with labels and "
                            "types as attributes, for Gephi, Cytoscape desktop or yEd."),
            "parameters": [graph],
            "responses": {"200": {"description": f"A {name.upper()} document",
                                  "content": {fmt.media_type: {"schema": {"type": "string"}}}},
                          **_error_refs()},
        }}
    return paths


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error_refs() -> dict:
    return {code: {"$ref": f"#/components/responses/{name}"} for code, name in
            (("400", "BadRequest"), ("404", "NotFound"), ("406", "NotAcceptable"), ("503", "Unavailable"))}


_ERROR = {"$ref": "#/components/schemas/Error"}
_ERRORS = {
    name: {"description": description, "content": {"application/json": {"schema": _ERROR},
                                                   "text/plain": {"schema": {"type": "string"}}}}
    for name, description in (("BadRequest", "A parameter is missing, unknown or has a value its type refuses"),
                              ("NotFound", "No such query, resource or graph"),
                              ("NotAcceptable", "None of the formats the Accept header allows is offered"),
                              ("Unavailable", "The query ran past query_timeout, or the service is overloaded"))
}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "message", "status"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"},
        "request_id": {"type": "string"}}},
    "QueryList": {"type": "object", "properties": {"queries": {"type": "array", "items": {
        "type": "object", "properties": {
            "name": {"type": "string"}, "title": {"type": "string"}, "title_zh": {"type": "string"},
            "description": {"type": "string"}, "description_zh": {"type": ["string", "null"]}, "tags": _STRINGS,
            "variables": _STRINGS, "paging": {"type": "boolean"}, "url": {"type": "string"},
            "parameters": {"type": "array", "items": {"type": "object"}}}}}}},
    "QueryResult": {"type": "object", "required": ["query", "variables", "rows"], "properties": {
        "query": {"type": "string"}, "title": {"type": "string"}, "variables": _STRINGS,
        "parameters": {"type": "object", "additionalProperties": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object", "additionalProperties": {
            "type": ["string", "number", "boolean", "null"]}}},
        "limit": {"type": ["integer", "null"]}, "offset": {"type": "integer"},
        "next": {"type": ["string", "null"], "description": "The next page, while the page is full"}}},
    "Neighbourhood": {"type": "object", "properties": {
        "center": {"type": "string"}, "depth": {"type": "integer"}, "limit": {"type": "integer"},
        "lang": {"type": "string"}, "truncated": {"type": "boolean"},
        "elements": {"type": "object", "properties": {
            "nodes": {"type": "array", "items": {"type": "object", "properties": {"data": {"type": "object", "properties": {
                "id": {"type": "string"}, "label": {"type": "string"}, "class": {"type": "string"}, "types": _STRINGS,
                "page": {"type": "string"}, "center": {"type": "boolean"}}}, "classes": {"type": "string"}}}},
            "edges": {"type": "array", "items": {"type": "object", "properties": {"data": {"type": "object", "properties": {
                "id": {"type": "string"}, "source": {"type": "string"}, "target": {"type": "string"},
                "predicate": {"type": "string"}, "label": {"type": "string"}}}}}}}},
        "properties": {"type": "array", "items": {"type": "object"}}}},
    "SearchResults": {"type": "object", "properties": {
        "q": {"type": "string"}, "lang": {"type": ["string", "null"]},
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "iri": {"type": "string"}, "label": {"type": "string"}, "matched": {"type": "string"},
            "match": {"type": "string", "enum": ["exact", "prefix", "word", "substring"]},
            "score": {"type": "integer"}, "class": {"type": "string"}, "page": {"type": "string"}}}}}},
}
