"""A named query as a page: `/api/queries/NAME` for a browser (views/api.py asks `wanted` first).

The page is the same answer the API gives, for people: a form for the query's parameters as the
catalogue declares them (type, allowed values, example), the rows as a sortable table whose IRIs link
to this server's pages, a chart when a column is numbers (charts.py), and links to the same answer as
CSV, JSON and SPARQL results. A browser's Accept prefers HTML; a client that accepts anything (`*/*`)
still gets JSON, the API's first format.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import render_template, request, url_for
from pyoxigraph import Literal, NamedNode

from . import charts, context, formats, i18n, negotiation, readable
from .errors import NotAcceptable
from .links import prefixed
from .sparql.catalog import RESERVED, NamedQuery, Parameter
from .store.base import Terms

HTML = "text/html"


def wanted(accept: str | None) -> bool:
    """Whether the client prefers a page to every format of the API (ties go to the API's JSON)."""
    offers = [*formats.media_types(formats.API), HTML]
    try:
        return negotiation.choose(accept, offers) == HTML
    except NotAcceptable:
        return False  # none of them by name (application/xml is an alias): the API negotiates it


@dataclass
class Field:
    """One parameter of the form."""

    parameter: Parameter
    value: str
    input: str
    """The input's type: select, number, date or text."""
    options: list[str]


@dataclass
class Cell:
    text: str
    href: str | None = None
    number: float | None = None
    """The value a column of numbers sorts by."""


def _field(p: Parameter, given: dict[str, list[str]]) -> Field:
    value = (given.get(p.name) or [""])[-1]
    if p.type == "enum" or p.values and p.type not in ("integer", "decimal", "date"):
        return Field(p, value, "select", list(p.values))
    if p.type == "boolean":
        return Field(p, value, "select", ["true", "false"])
    return Field(p, value, {"integer": "number", "decimal": "number", "date": "date"}.get(p.type, "text"), [])


def _cell(term: object) -> Cell:
    here = context.site()
    if isinstance(term, NamedNode):
        path = here.path(term.value)
        return Cell(path.rsplit("/", 1)[-1] if path else prefixed(term.value), here.href(term.value))
    number = charts.numeric(term)
    if number is not None:
        return Cell(readable.number(number), number=float(number))
    if isinstance(term, Literal):
        return Cell(term.value)
    return Cell("" if term is None else str(term))


def render(query: NamedQuery, answer: Terms | None, error: str | None) -> str:
    """The page; `answer` is None when the parameters were refused (`error` says why)."""
    lang = i18n.language(request)
    t = i18n.translate(lang)
    given = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in RESERVED and k != "lang"}
    fields = [_field(p, given) for p in query.parameters]
    variables, rows, chart = [], [], None
    if answer is not None:
        variables = list(answer.variables)
        solutions = [{v: s.get(v) for v in variables if s.get(v) is not None} for s in answer.solutions]
        rows = [[_cell(s.get(v)) for v in variables] for s in solutions]
        title = t(query.title, query.title_zh)
        chart = charts.from_rows(title, variables, solutions, lambda iri: _cell(NamedNode(iri)).text,
                                 context.site().href)
    kept = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in ("format", "lang")}
    example = {p.name: p.example for p in query.parameters if p.example}
    downloads = [(name, "?" + urlencode({**kept, "format": fmt}, doseq=True))
                 for name, fmt in (("CSV", "csv"), ("JSON", "json"), ("SPARQL JSON", "sparql-json"),
                                   ("SPARQL XML", "xml"))]
    return render_template(
        "named_query.html", query=query, title=t(query.title, query.title_zh),
        description=(query.description_zh or query.description) if lang == "zh" else query.description,
        fields=fields, variables=variables, rows=rows, answer_chart=chart, error=error, downloads=downloads,
        example_href="?" + urlencode(example) if example else None,
        editor_href=url_for("pages.query_ui", example=query.name), catalogue=url_for("api.index"),
    )
