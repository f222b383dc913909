"""RDF terms in N-Triples syntax: values a client types (query-string parameters) made into terms, and
terms read back, for binding query parameters safely.

Every value that reaches a query goes through here and then through `QueryRequest.substitutions`:
pyoxigraph builds the term (it escapes quotes, backslashes and line breaks, and refuses an IRI with
`<`, `>`, `"`, `{`, spaces …), and `parse_term` reads the result back as exactly one term, so no
value can become query syntax (grlc issue 101 is what string splicing leads to).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from ..errors import BadRequest

XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_VALUE_LENGTH = 2000
"""Longest value accepted for one parameter, in characters."""

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_PROBE_S = "<urn:reformkg:s>"
_PROBE_P = "<urn:reformkg:p>"


def parse_term(text: str) -> NamedNode | Literal | BlankNode:
    """Parse one term written in N-Triples syntax (<iri>, "lit"@zh, "1"^^<…#integer>).

    Parsing it as the object of a probe triple makes the N-Triples parser do all escaping checks,
    so a value can never break out into query syntax.
    """
    if "\n" in text or "\r" in text:
        raise BadRequest("an RDF term cannot contain a line break")
    try:
        triples = list(parse(f"{_PROBE_S} {_PROBE_P} {text} .\n".encode("utf-8"), format=RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise BadRequest(f"not an RDF term in N-Triples syntax: {text!r}") from exc
    if len(triples) != 1:
        raise BadRequest(f"not a single RDF term: {text!r}")
    return triples[0].object


def _checked(term: NamedNode | Literal) -> str:
    text = str(term)
    parse_term(text)
    return text


def _typed(lexical: str, datatype: str) -> str:
    return _checked(Literal(lexical, datatype=NamedNode(XSD + datatype)))


def iri(value: str) -> str:
    """An absolute IRI, e.g. https://w3id.org/reformkg/place/chongqing → <…>."""
    try:
        return _checked(NamedNode(value))
    except ValueError as exc:
        raise BadRequest(f"{value!r} is not an absolute IRI ({exc})") from exc


def string(value: str) -> str:
    """Any text → a plain (xsd:string) literal."""
    return _checked(Literal(value))


def lang_string(value: str, default_lang: str | None = None) -> str:
    """`text@tag` → a language-tagged literal; `text` alone takes `default_lang` when there is one."""
    text, at, tag = value.rpartition("@")
    if not at or not _LANG_TAG.fullmatch(tag):
        if default_lang is None:
            raise BadRequest(f"{value!r} needs a language tag: write it as text@zh or text@en")
        text, tag = value, default_lang
    return _checked(Literal(text, language=tag.lower()))


def integer(value: str) -> str:
    if not _INTEGER.fullmatch(value):
        raise BadRequest(f"{value!r} is not an integer")
    return _typed(str(int(value)), "integer")


def decimal(value: str) -> str:
    if not _DECIMAL.fullmatch(value):
        raise BadRequest(f"{value!r} is not a decimal number (write it like 1500 or 2.5)")
    return _typed(format(Decimal(value).normalize(), "f"), "decimal")


def boolean(value: str) -> str:
    if value not in ("true", "false"):
        raise BadRequest(f"{value!r} is not a boolean: write true or false")
    return _typed(value, "boolean")


def xsd_date(value: str) -> str:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{value!r} is not a date: write it as YYYY-MM-DD") from exc
    return _typed(value, "date")


CONVERTERS: dict[str, Callable[[str], str]] = {
    "iri": iri,
    "string": string,
    "lang-string": lang_string,
    "integer": integer,
    "decimal": decimal,
    "boolean": boolean,
    "date": xsd_date,
    "enum": string,
}
"""Parameter type → converter; `enum` values are plain literals, checked against the allowed list first."""


def check_length(name: str, value: str) -> None:
    if len(value) > MAX_VALUE_LENGTH:
        raise BadRequest(f"parameter {name} is longer than {MAX_VALUE_LENGTH} characters")
