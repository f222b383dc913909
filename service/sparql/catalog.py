"""The named queries in `queries/`: their front matter parsed once, checked, and turned into requests.

A query file starts with `#+ key: value` lines (grlc's decorators, in one line each); the syntax is
written up in `queries/README.md`. Loading checks every file as far as can be done without data —
the front matter, each parameter's default, that each parameter is a variable the query projects,
and that the text parses with every parameter bound — so a malformed file stops the service at
startup with a CatalogError naming the file, instead of failing a client later.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable

from pyoxigraph import QuerySolutions, Store, Variable

from reformkg.ontology.vocab import DEFAULT_BASE, ONTOLOGY

from ..errors import BadRequest, NotFound
from .request import QueryRequest
from .terms import CONVERTERS, check_length, lang_string, parse_term
from .text import SparqlText

RESERVED = ("limit", "offset", "format")
"""Query-string names the API itself uses; no parameter may take them."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_KEYS = ("title", "title_zh", "description", "description_zh", "tags", "index")
_REQUIRED_KEYS = ("title", "title_zh", "description")
_PARAM_KEYS = ("type", "required", "default", "values", "lang", "example", "description")
_RANGED = ("integer", "decimal", "date")
# A value of each type that the file check binds, to prove every parameter is a projected variable.
INDEXES = {"labels": (("resource", "q", "lang", "score", "match", "length", "labels"), ("q", "lang"))}
"""What `#+ index:` may name: an index the service keeps that gives the whole answer of a query of
these columns and parameters (search/named.py), and the query's own text its meaning."""
_SAMPLES = {"iri": "urn:reformkg:sample", "string": "x", "lang-string": "x@en", "integer": "1",
            "decimal": "1", "boolean": "true", "date": "2000-01-01"}


class CatalogError(Exception):
    """A query file is malformed; the message names the file and says what to change."""


@dataclass(frozen=True)
class Parameter:
    """One `#+ param` line: a SPARQL variable a client may bind, with its type and its checks."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    default: str | None = None
    values: tuple[str, ...] = ()
    """The allowed values, as a client writes them (always set for an enum)."""
    minimum: str | None = None
    maximum: str | None = None
    lang: str | None = None
    """For a lang-string: the tag a value without `@tag` gets."""
    example: str | None = None

    def term(self, value: str) -> str:
        """The value as an RDF term in N-Triples syntax. Raises BadRequest naming the parameter."""
        check_length(self.name, value)
        try:
            if self.values and value not in self.values and self._convert(value) not in map(self._convert, self.values):
                raise BadRequest(f"{value!r} is not one of " + ", ".join(self.values))
            text = self._convert(value)
            self._check_range(value)
        except BadRequest as exc:
            raise BadRequest(f"parameter {self.name}: {exc.message}") from exc
        return text

    def _convert(self, value: str) -> str:
        return lang_string(value, self.lang) if self.type == "lang-string" else CONVERTERS[self.type](value)

    def _check_range(self, value: str) -> None:
        key = Decimal if self.type in ("integer", "decimal") else str  # ISO dates order as text
        if self.minimum is not None and key(value) < key(self.minimum):
            raise BadRequest(f"{value} is below the minimum {self.minimum}")
        if self.maximum is not None and key(value) > key(self.maximum):
            raise BadRequest(f"{value} is above the maximum {self.maximum}")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    title_zh: str
    description: str
    text: str
    variables: tuple[str, ...]
    """The variables the query projects, in order: the result's columns."""
    paging: bool
    """True when the query ends in a top-level ORDER BY and has no LIMIT/OFFSET of its own."""
    description_zh: str | None = None
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    index: str | None = None
    """An index that answers the query as its text would (`#+ index:`), where the service has it."""

    def bind(self, args: Mapping[str, list[str]]) -> dict[str, str]:
        """Client values (name → every value given) → substitutions (name → N-Triples term).

        An empty value counts as not given. Raises BadRequest for an unknown or repeated name, a
        missing required parameter, or a value its type or allowed values refuse.
        """
        unknown = sorted(set(args) - {p.name for p in self.parameters})
        if unknown:
            accepted = ", ".join(p.name for p in self.parameters) or "no parameters"
            raise BadRequest(f"unknown parameter {', '.join(unknown)}; query {self.name} takes {accepted}"
                             f" (and {', '.join(RESERVED)})")
        bound = {}
        for p in self.parameters:
            given = [v for v in args.get(p.name, []) if v != ""]
            if len(given) > 1:
                raise BadRequest(f"parameter {p.name} is given {len(given)} times; give it once")
            value = given[0] if given else p.default
            if value is None:
                if p.required:
                    raise BadRequest(f"query {self.name} needs the parameter {p.name} ({p.type})")
                continue  # left unbound, the variable stays free
            bound[p.name] = p.term(value)
        return bound

    def request(self, substitutions: Mapping[str, str], *, accept: str | None, limit: int | None,
                offset: int, timeout: float, max_rows: int) -> QueryRequest:
        """The request to send a backend; `limit`/`offset` need `paging` (else BadRequest)."""
        text = self.text
        if limit is not None or offset:
            if not self.paging:
                raise BadRequest(f"query {self.name} does not page: it has no ORDER BY of its own or sets "
                                 "its own LIMIT, so limit and offset do not apply")
            text = self.paged(limit if limit is not None else max_rows, offset)
        return QueryRequest(query=text, accept=accept, substitutions=dict(substitutions), timeout=timeout,
                            max_rows=max_rows)

    def paged(self, limit: int, offset: int) -> str:
        # Appended after the query's own ORDER BY, so pages follow its order; wrapping it in a
        # subquery instead would lose that order (SPARQL 1.1 §15.1 orders only the outer query).
        return f"{self.text.rstrip()}\nLIMIT {int(limit)}\nOFFSET {int(offset)}\n"


@dataclass(frozen=True)
class Catalog:
    queries: dict[str, NamedQuery] = field(default_factory=dict)

    def get(self, name: str) -> NamedQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise NotFound(f"no named query {name!r}; GET /api/queries lists them") from None

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def rebased(self, base: str) -> Catalog:
        """The catalogue as a deployment under `base` shows it: the files' examples and descriptions
        name IRIs under the default base (https://w3id.org/reformkg/), which a deployment under another
        base does not have, so a documented example (OpenAPI, the query editor) would find nothing
        there. The query texts do not depend on the base (tests/test_queries_base.py)."""
        if base == DEFAULT_BASE:
            return self

        # The ontology's own IRIs (rkg:CoActorRole) stay where they are: a vocabulary is not minted per deployment.
        minted = re.compile(re.escape(DEFAULT_BASE) + r"(?!" + re.escape(ONTOLOGY.removeprefix(DEFAULT_BASE)) + r"\b)")

        def moved(text: str | None) -> str | None:
            return None if text is None else minted.sub(lambda _: base, text)

        return Catalog({name: replace(
            query, description=moved(query.description), description_zh=moved(query.description_zh),
            parameters=tuple(replace(p, description=moved(p.description), example=moved(p.example),
                                     default=moved(p.default), values=tuple(map(moved, p.values)))
                             for p in query.parameters),
        ) for name, query in self.queries.items()})


def load_catalog(directory: Traversable | None = None) -> Catalog:
    """Every `*.rq` in `directory` (default: the packaged `queries/`), parsed and checked once.

    Raises CatalogError naming the first malformed file.
    """
    return _load(directory or resources.files("reformkg.queries"))


@functools.cache
def _load(directory: Traversable) -> Catalog:
    files = sorted((f for f in directory.iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)
    return Catalog({f.name[:-3]: parse_query_file(f.name[:-3], f.read_text(encoding="utf-8")) for f in files})


def parse_query_file(name: str, text: str) -> NamedQuery:
    """One query file → a NamedQuery. Raises CatalogError saying which file and line is wrong."""
    where = f"queries/{name}.rq"
    meta: dict[str, str] = {}
    params: list[Parameter] = []
    in_header = True
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#+"):
            in_header = in_header and (not stripped or stripped.startswith("#"))
            continue
        if not in_header:
            raise CatalogError(f"{where}:{number}: a #+ line after the query starts; move it to the top")
        key, colon, value = stripped[2:].partition(":")
        key, value = key.strip(), value.strip()
        if not colon or not value:
            raise CatalogError(f"{where}:{number}: write front matter as '#+ key: value'")
        if key.startswith("param ") or key == "param":
            params.append(_parse_param(key[len("param"):].strip(), value, f"{where}:{number}"))
        elif key not in _KEYS:
            raise CatalogError(f"{where}:{number}: unknown key {key!r}; the keys are "
                               + ", ".join([*_KEYS, "param NAME"]))
        elif key in meta:
            raise CatalogError(f"{where}:{number}: {key} is given twice")
        else:
            meta[key] = value
    missing = [k for k in _REQUIRED_KEYS if k not in meta]
    if missing:
        raise CatalogError(f"{where}: missing front matter: " + ", ".join(f"#+ {k}:" for k in missing))
    names = [p.name for p in params]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CatalogError(f"{where}: parameter {', '.join(twice)} is declared twice")
    sparql = SparqlText(text)
    used = {t.text[1:] for t in sparql.tokens if t.kind == "var"}
    for p in params:
        if p.name not in used:
            raise CatalogError(f"{where}: parameter {p.name} is not a variable of the query (no ?{p.name})")
    variables = _check_with_engine(where, text, params)
    index = meta.get("index")
    if index is not None:
        if index not in INDEXES:
            raise CatalogError(f"{where}: index must be one of {', '.join(INDEXES)}, not {index!r}")
        columns, needed = INDEXES[index]
        if variables != columns or tuple(p.name for p in params) != needed:
            raise CatalogError(f"{where}: the {index} index answers a query of the columns {', '.join(columns)} "
                               f"and the parameters {', '.join(needed)}; this one has {', '.join(variables)} "
                               f"and {', '.join(p.name for p in params) or 'none'}")
    top = [t for t in sparql.tokens if t.depth == 0]
    paging = any(t.is_("ORDER") for t in top) and not any(t.is_("LIMIT") or t.is_("OFFSET") for t in top)
    if paging:
        _check_with_engine(where, f"{text.rstrip()}\nLIMIT 1\nOFFSET 0\n", params)
    return NamedQuery(
        name=name, title=meta["title"], title_zh=meta["title_zh"], description=meta["description"],
        description_zh=meta.get("description_zh"), text=text, variables=variables, paging=paging,
        tags=tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip()), parameters=tuple(params),
        index=index,
    )


def _parse_param(name: str, spec: str, where: str) -> Parameter:
    if not _NAME.fullmatch(name):
        raise CatalogError(f"{where}: write a parameter as '#+ param NAME: type=…; …' with NAME a SPARQL "
                           f"variable name, not {name!r}")
    if name in RESERVED:
        raise CatalogError(f"{where}: {name} is reserved for the API ({', '.join(RESERVED)}); rename the variable")
    head, _, description = spec.partition("description=")
    fields: dict[str, str] = {}
    for item in (i.strip() for i in head.split(";")):
        if not item:
            continue
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or key not in _PARAM_KEYS:
            raise CatalogError(f"{where}: parameter {name}: {item!r} is not one of "
                               + ", ".join(f"{k}=…" for k in _PARAM_KEYS) + " (description= comes last)")
        if key in fields:
            raise CatalogError(f"{where}: parameter {name}: {key} is given twice")
        fields[key] = value
    kind = fields.get("type")
    if kind not in CONVERTERS:
        raise CatalogError(f"{where}: parameter {name}: type must be one of {', '.join(CONVERTERS)}, not {kind!r}")
    if fields.get("required", "false") not in ("true", "false"):
        raise CatalogError(f"{where}: parameter {name}: required is true or false")
    values: tuple[str, ...] = ()
    minimum = maximum = None
    allowed = fields.get("values")
    if allowed is not None:
        if ".." in allowed and "|" not in allowed:
            if kind not in _RANGED:
                raise CatalogError(f"{where}: parameter {name}: a range MIN..MAX is for {', '.join(_RANGED)}")
            low, _, high = allowed.partition("..")
            minimum, maximum = low.strip() or None, high.strip() or None
        else:
            values = tuple(v.strip() for v in allowed.split("|") if v.strip())
    if kind == "enum" and not values:
        raise CatalogError(f"{where}: parameter {name}: an enum needs values=a|b|…")
    lang = fields.get("lang")
    if lang is not None and (kind != "lang-string" or not _LANG.fullmatch(lang)):
        raise CatalogError(f"{where}: parameter {name}: lang=TAG is for lang-string parameters, with a BCP 47 tag")
    param = Parameter(name=name, type=kind, description=description.strip(), required=fields.get("required") == "true",
                      default=fields.get("default"), values=values, minimum=minimum, maximum=maximum, lang=lang,
                      example=fields.get("example"))
    if param.required and param.default is not None:
        raise CatalogError(f"{where}: parameter {name}: a required parameter has no default")
    for label, value in (("minimum", minimum), ("maximum", maximum), *(("value", v) for v in values)):
        _valid(where, param, label, value, param._convert)
    for label, value in (("default", param.default), ("example", param.example)):
        _valid(where, param, label, value, param.term)
    return param


def _valid(where: str, param: Parameter, label: str, value: str | None, convert) -> None:
    if value is not None:
        try:
            convert(value)
        except BadRequest as exc:
            raise CatalogError(f"{where}: parameter {param.name}: the {label} {value!r} is not valid: {exc.message}") from exc


def _sample(p: Parameter) -> str:
    return next(v for v in (p.example, p.default, *p.values[:1], p.minimum, p.maximum, _SAMPLES.get(p.type)) if v is not None)


def _check_with_engine(where: str, text: str, params: list[Parameter]) -> tuple[str, ...]:
    """Run the query on an empty store with every parameter bound; returns the projected variables.

    pyoxigraph refuses a substitution for a variable the SELECT does not project, so this also
    proves each parameter can be bound.
    """
    sample = {Variable(p.name): parse_term(p.term(_sample(p))) for p in params}
    try:
        result = Store().query(text, substitutions=sample)
    except (SyntaxError, RuntimeError, ValueError) as exc:
        raise CatalogError(f"{where}: the query does not run with its parameters bound: {exc}") from exc
    if not isinstance(result, QuerySolutions):
        raise CatalogError(f"{where}: a named query must be a SELECT query")
    return tuple(v.value for v in result.variables)
