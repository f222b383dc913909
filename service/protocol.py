"""Reading a SPARQL 1.1 Protocol request: which operation, its text, its dataset and its limits.

https://www.w3.org/TR/sparql11-protocol/ §2.1 (query) and §2.2 (update). Parameters are decoded
strictly as UTF-8, unlike Werkzeug's forgiving `request.args`, so a body or query string that is not
UTF-8 is a 400 rather than a query with replacement characters in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Request
from pyoxigraph import NamedNode

from . import formats
from .errors import BadRequest, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
_MAX_FIELDS = 1000


@dataclass(frozen=True)
class Operation:
    kind: str
    """"query", "update", or "describe" (no operation: the service description is asked for)."""
    text: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    accept: str | None = None
    timeout: float | None = None
    max_rows: int | None = None


def parse_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    """URL-encoded parameters, strictly: raises BadRequest if they are not UTF-8."""
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict",
                         max_num_fields=_MAX_FIELDS)
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the {where} is not UTF-8: {exc.reason} at byte {exc.start}") from exc
    except ValueError as exc:
        raise BadRequest(f"the {where} cannot be read: {exc}") from exc


def _body(request: Request) -> bytes:
    """The body, which must be UTF-8 (SPARQL 1.1 Protocol §2.1.2, §2.2.2)."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BadRequest(f"the body is declared as {charset}; send it as UTF-8")
    return request.get_data()


def _text(request: Request) -> str:
    try:
        return _body(request).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8: {exc.reason} at byte {exc.start}") from exc


def read_operation(request: Request) -> Operation:
    """The operation a GET or POST to the endpoint asks for. Raises BadRequest, UnsupportedMediaType."""
    params = parse_params(request.query_string, "query string")
    direct: tuple[str, str] | None = None
    if request.method == "POST":
        if request.mimetype == FORM:
            params += parse_params(_body(request), "form body")
        elif request.mimetype in (QUERY, UPDATE):
            direct = ("query" if request.mimetype == QUERY else "update", _text(request))
        else:
            sent = f"Content-Type {request.mimetype}" if request.mimetype else "no Content-Type"
            raise UnsupportedMediaType(f"a POST to the SPARQL endpoint with {sent}; send {QUERY}, {UPDATE} "
                                       f"or {FORM}")
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    if direct is not None:
        if "query" in values or "update" in values:
            raise BadRequest(f"the body is a {direct[0]}, so the URL may not have a query or update parameter too")
        values[direct[0]] = [direct[1]]
    queries, updates = values.get("query", []), values.get("update", [])
    if request.method != "POST" and updates:
        raise BadRequest("an update must be sent with POST; it was not run")
    if len(queries) > 1 or len(updates) > 1:
        raise BadRequest(f"give one query or one update, not {len(queries) + len(updates)}")
    if queries and updates:
        raise BadRequest("give a query or an update, not both")
    dataset = {key: tuple(iri_param(v, key) for v in values.get(key, []))
               for key in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")}
    if updates:
        if dataset["default-graph-uri"] or dataset["named-graph-uri"]:
            raise BadRequest("an update takes using-graph-uri and using-named-graph-uri, "
                             "not default-graph-uri or named-graph-uri")
        return Operation("update", updates[0], using_graphs=dataset["using-graph-uri"],
                         using_named_graphs=dataset["using-named-graph-uri"],
                         timeout=_positive(values, "timeout", float))
    if dataset["using-graph-uri"] or dataset["using-named-graph-uri"]:
        raise BadRequest("a query takes default-graph-uri and named-graph-uri, not using-graph-uri "
                         "or using-named-graph-uri")
    accept = _accept(request, values)
    if not queries:
        if request.method == "POST":
            raise BadRequest("the request has no query and no update parameter")
        return Operation("describe", accept=accept)
    return Operation("query", queries[0], dataset["default-graph-uri"], dataset["named-graph-uri"], accept=accept,
                     timeout=_positive(values, "timeout", float), max_rows=_positive(values, "max-rows", int))


def iri_param(value: str, parameter: str) -> str:
    """An absolute IRI given in a parameter; BadRequest otherwise."""
    try:
        return NamedNode(value).value
    except ValueError as exc:
        raise BadRequest(f"{parameter} must be an absolute IRI, not {value!r}: {exc}") from exc


def _accept(request: Request, values: dict[str, list[str]]) -> str | None:
    given = values.get("format", [])
    if not given:
        return request.headers.get("Accept")
    accept = formats.accept_for_names(given[0])
    if accept is None:
        names = [f.name for f in (*formats.offered(formats.RESULTS), *formats.offered(formats.GRAPH))]
        raise BadRequest(f"unknown format {given[0]!r}; use {', '.join(names)} or a media type")
    return accept


def _positive(values: dict[str, list[str]], name: str, kind: type):
    """A request's own limit (it can only lower the configured one); None when not given."""
    given = values.get(name, [])
    if not given:
        return None
    try:
        number = kind(given[0])
    except ValueError:
        number = 0
    if not number > 0:
        raise BadRequest(f"{name} must be a positive {kind.__name__}, not {given[0]!r}")
    return number
