"""Bind query parameters as a VALUES block in the query text, for every backend.

A remote SPARQL server takes only query text, and pyoxigraph applies its `substitutions` after it has
planned the query, so the engine cannot start from the bound term (indicators-by-agency at 1 M
triples: 3.1 s substituted, 1 ms with VALUES). The terms are parsed (terms.parse_term: the N-Triples parser does every escaping check) and
written back by pyoxigraph, so the block holds only well-formed IRIs and literals and a client's text
never reaches the query as syntax (grlc issue 101 is what splicing does).

The block goes first in the query's top-level WHERE group, so it is the leftmost operand of every join,
OPTIONAL, MINUS and FILTER of that group: each of them sees the variable bound, as with a substitution.
A trailing VALUES clause would not do: SPARQL 1.1 §18.2.4.3 joins it after grouping and aggregation,
so a parameter used only inside the WHERE clause of an aggregate query would not restrict anything.
SPARQL evaluates every group from the inside out (§18.2.2), so a nested group that uses the variable,
a subquery's WHERE, a UNION branch, an OPTIONAL, would not see the top-level block: its FILTER would
find the variable unbound, and its patterns would match every value before the join narrowed them.
Each such group therefore starts with the block too; that binds the variable to the same term in every
scope that names it, which is what a substitution does.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from ..errors import BadRequest
from .terms import parse_term
from .text import SparqlText, Token

_VARNAME = re.compile(r"[\w\u00B7\u0300-\u036F\u203F-\u2040]+")
_MODIFIERS = ("GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES")


def values_block(substitutions: Mapping[str, str]) -> str:
    """`VALUES (?a ?b) { (<…> "…") }` from variable names and terms in N-Triples syntax.

    Raises BadRequest for a name that is not a SPARQL variable name, a term that does not parse, or a
    blank node (SPARQL's VALUES has no syntax for one).
    """
    names, terms = [], []
    for name, text in substitutions.items():
        if not _VARNAME.fullmatch(name):
            raise BadRequest(f"not a SPARQL variable name: {name!r}")
        term = parse_term(text)
        if not isinstance(term, (NamedNode, Literal)):
            raise BadRequest(f"parameter {name} is a blank node; a remote SPARQL server can only bind IRIs and literals")
        names.append(f"?{name}")
        terms.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def bind(query: str, substitutions: Mapping[str, str], scanned: SparqlText | None = None) -> str:
    """The query with the substitutions bound by a VALUES block at the start of its WHERE group, and of
    every group inside it that names one of the variables. `scanned` is the query read already (its
    tokens are all this needs: the text is not read again, and where the blocks go is worked out once
    per text and set of names, SparqlText.kept)."""
    if not substitutions:
        return query
    block = values_block(substitutions)
    scanned = scanned or SparqlText(query)
    names = frozenset(substitutions)
    return scanned.kept(("bind", names), lambda: _plan(scanned.tokens, names)).apply(query, block)


@dataclass(frozen=True)
class _Plan:
    """Where a query's VALUES blocks go: `positions` to insert it at; or, for `CONSTRUCT WHERE { P }`
    (`pattern` = the offsets of P, `start` where WHERE is), the query rewritten around it; or, for a
    DESCRIBE with no WHERE clause, a WHERE group of its own at `start`."""

    kind: str
    positions: tuple[int, ...] = ()
    start: int | None = 0
    """None: the end of the query."""
    pattern: tuple[int, int] = (0, 0)

    def apply(self, query: str, block: str) -> str:
        if self.kind == "insert":
            return _insert(query, list(self.positions), f" {block} ")
        if self.kind == "construct-where":
            # `CONSTRUCT WHERE { P }` allows only triples in P: `CONSTRUCT { P } WHERE { VALUES … P }`.
            opening, closing = self.pattern
            pattern = query[opening + 1:closing]
            return f"{query[:self.start]}{{{pattern}}} WHERE {{ {block} {pattern}}}{query[closing + 1:]}"
        start = len(query) if self.start is None else self.start
        return f"{query[:start]} WHERE {{ {block} }} {query[start:]}"


def _plan(tokens: list[Token], names: frozenset[str]) -> _Plan:
    nested = _nested(tokens, set(names))
    top = [t for t in tokens if t.depth == 0]
    form_at = next((i for i, t in enumerate(top) if t.kind == "name" and t.text.upper() in
                    ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)
    if form_at is None:
        raise BadRequest("parameters can only be bound in a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    rest = top[form_at + 1:]
    if top[form_at].is_("CONSTRUCT"):
        if rest and rest[0].is_("WHERE"):
            return _construct_where(rest)  # its pattern is triples alone: nothing nested
        rest = _after_group(rest)
    # The top-level WHERE group opens before every group inside it: all the blocks go in at once.
    for token in rest:
        if token.kind == "name" and token.text.upper() in _MODIFIERS:
            break  # a query pattern is never after its solution modifiers: DESCRIBE without WHERE
        if token.kind == "open" and token.text == "{":
            return _Plan("insert", positions=(token.start + 1, *nested))
    # DESCRIBE <…> with no WHERE clause (and so no group): give it one, before any solution modifier.
    position = next((t.start for t in rest if t.kind == "name" and t.text.upper() in _MODIFIERS), None)
    return _Plan("describe", start=position)


def _insert(query: str, positions: list[int], text: str) -> str:
    for position in sorted(positions, reverse=True):
        query = f"{query[:position]}{text}{query[position:]}"
    return query


def _nested(tokens: list[Token], names: set[str]) -> list[int]:
    """Where the block goes in every group below the top level that names one of the variables (the
    top-level WHERE group gets it whether or not it names one: a substitution binds a projected
    variable the pattern does not use).

    Not every `{` opens a group: a CONSTRUCT template, a VALUES data block and the braces around a
    subquery (whose WHERE group is the one that gets the block) are left alone.
    """
    top_group: Token | None = None
    template = values_data = False
    starts: list[tuple[Token, bool]] = []  # open brackets: the token, and whether it opens a group
    named: list[bool] = []  # per open bracket: whether a variable in `names` occurs inside it
    inserts: list[int] = []
    for token, following in zip(tokens, [*tokens[1:], None]):
        if token.depth == 0 and token.is_("CONSTRUCT"):
            template = following is not None and following.kind == "open" and following.text == "{"
        elif token.is_("VALUES"):
            values_data = True
        elif token.kind == "var" and token.text[1:] in names:
            named[:] = [True] * len(named)
        elif token.kind == "open":
            group = token.text == "{" and not template and not values_data
            if token.text == "{":
                template = values_data = False
            if group and following is not None and following.is_("SELECT"):
                group = False  # `{ SELECT … }`: the block goes in the subquery's own WHERE group
            if group and top_group is None and token.depth == 0:
                top_group = token
            starts.append((token, group))
            named.append(False)
        elif token.kind == "close" and starts:
            (opened, group), uses = starts.pop(), named.pop()
            if group and uses and opened is not top_group:
                inserts.append(opened.start + 1)
    return inserts


def _after_group(tokens: list[Token]) -> list[Token]:
    """The top-level tokens after the first group (CONSTRUCT's template)."""
    for i, token in enumerate(tokens):
        if token.kind == "close" and token.text == "}":
            return tokens[i + 1:]
    return []


def _construct_where(rest: list[Token]) -> _Plan:
    opening = next((t for t in rest if t.kind == "open" and t.text == "{"), None)
    closing = next((t for t in rest if t.kind == "close" and t.text == "}"), None)
    if opening is None or closing is None:
        raise BadRequest("CONSTRUCT WHERE without a group")
    return _Plan("construct-where", start=rest[0].start, pattern=(opening.start, closing.start))
