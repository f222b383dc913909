"""What the web process must know about SPARQL text before an engine runs it, found by lexing alone.

pyoxigraph exposes no parsed query, so the few facts the service needs are read from tokens: which
IRIs `SERVICE` and `LOAD` would fetch, how deep brackets nest, whether the text names its own dataset
(FROM, USING, WITH), and where the protocol's using-graph-uri must go (whether it parses at all,
pyoxigraph says, on an empty store). Strings, IRIs, comments,
variables and language tags are single tokens (SPARQL 1.1 §19.8), so a keyword inside them is never
taken for one.

Two traps shape how SERVICE and LOAD are found, both checked against pyoxigraph in the tests:

- its parser matches a keyword without a word boundary, so `SERVICESILENT<…>`, `SERVICEex:x` and
  `LOADex:x` are SERVICE and LOAD to it: a name is taken for one when it starts with it, and every
  way the rest could be read is checked;
- `<` is an IRI or, inside an expression, less-than: `FILTER(?o<1)SERVICE#>` is a comparison, a
  SERVICE and a comment to it, but an IRI to a lexer that does not know the grammar. Wherever `<`
  follows an operand, the text is therefore read both ways, and a SERVICE or LOAD either reading
  finds counts.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, TypeVar

from pyoxigraph import NamedNode, Store

from ..errors import BadRequest
from .syntax import explain

_NAME_CHAR = r"[\w:%\-\u00B7\u0300-\u036F\u203F-\u2040]|\\[^\s]"
_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<space>\s+)",
            r"(?P<comment>#[^\r\n]*)",
            r"(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''"
            r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
            r"|'(?:[^'\\\r\n]|\\.)*'"
            r'|"(?:[^"\\\r\n]|\\.)*")',
            # The parser decodes \u escapes inside IRIs, so they are part of the token.
            r'(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)',
            r"(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)",
            r"(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            r"(?P<number>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)",
            # A name starts with neither '.' nor a digit: `?o .SERVICE` and `0.SERVICE` are SERVICE.
            rf"(?P<name>(?:[^\W\d]|:|\\[^\s])(?:{_NAME_CHAR}|\.(?={_NAME_CHAR}))*)",
            r"(?P<open>[{(\[])",
            r"(?P<close>[})\]])",
            r"(?P<other>.)",
        ]
    ),
    re.DOTALL,
)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_UNARY = frozenset("!-+")
"""Prefix operators of SPARQL expressions; a chain of them (`!!`, `- -`) nests like brackets."""
_PREFIX_NAME = re.compile(r"(?:[^\W\d_](?:[\w.\-]*[\w\-])?)?")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int
    """How many brackets are open before this token."""

    def starts(self, keyword: str) -> bool:
        """A bare name beginning with `keyword` (see the module docstring for why not equality)."""
        return self.kind == "name" and ":" not in self.text and self.text.upper().startswith(keyword)

    def is_(self, keyword: str) -> bool:
        return self.kind == "name" and self.text.upper() == keyword


@dataclass(frozen=True)
class Remote:
    """An IRI that SERVICE or LOAD would fetch; None when it is a variable or a relative IRI."""

    keyword: str
    iri: str | None


KEPT_CHARS = 2000
"""Texts up to this long are read once and kept (`read`), the most recent KEPT of them (a few MB at most)."""
KEPT = 128


def read(text: str) -> SparqlText:
    """The text read, kept if short: clients send the same queries again and again, and lexing the
    mix's lookup took 50 µs, about what pyoxigraph takes to answer it; a kept one costs 2 µs."""
    return _read_kept(text) if len(text) <= KEPT_CHARS else SparqlText(text)


@lru_cache(maxsize=KEPT)
def _read_kept(text: str) -> SparqlText:
    return SparqlText(text)


_T = TypeVar("_T")


class SparqlText:
    """A text's tokens, read once; nothing changes them after (`read` shares one between requests)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self._readings: list[list[Token]] | None = None
        self._kept: dict[Hashable, Any] = {}

    def kept(self, key: Hashable, make: Callable[[], _T]) -> _T:
        """What `make` reads from the tokens, read once per text: a kept text (`read`) serves every
        request that sends it, and its form, prefixes, nesting or where parameters go are the same each
        time. Read afresh for each, they cost a page's dozen queries about a millisecond. Callers
        must not change what this returns (it is shared); two threads may both make it, to one value."""
        try:
            return self._kept[key]
        except KeyError:
            value = self._kept[key] = make()
            return value

    @cached_property
    def depth(self) -> int:
        """The deepest nesting in the text: brackets ({, (, [) and chains of unary operators, since
        `!!!…true` nests the parser's recursion just as brackets do (300,000 of them overflow even an
        engine's 256 MB stack, killing it, where refusing them here costs nothing)."""
        deepest, chain = 0, 0
        for token in self.tokens:
            if token.kind == "open":
                deepest = max(deepest, token.depth + 1)
            chain = chain + 1 if token.kind == "other" and token.text in _UNARY else 0
            if chain:
                deepest = max(deepest, token.depth + chain)
        return deepest

    @cached_property
    def recursion_bound(self) -> int:
        """At most how deep pyoxigraph's parser and evaluator can recurse on this text, in tokens.

        Where the text reads one way only, a string, an IRI or a comment is one unit, as a bracket is.
        Where a `<` after an operand could open an IRI or compare (the other readings), what this
        reading takes for an IRI, a string or a comment could be code in another: every character
        counts then, as it does in a name with an escape."""
        tokens = self.tokens
        declarations = {b.start for a, name, b in zip(tokens, tokens[1:], tokens[2:])
                        if a.is_("PREFIX") and name.kind == "name" and name.text.endswith(":")}
        if any(start not in declarations for start, _ in _ambiguous(tokens)):  # `PREFIX p: <…>` is no operand
            return len(self.text)
        return sum(len(t.text) if t.kind == "name" and "\\" in t.text else 1 for t in self.tokens)

    def declares_dataset(self, update: bool) -> bool:
        """Whether the text names its own dataset: FROM in a query, USING or WITH in an update."""
        keywords = ("USING", "WITH") if update else ("FROM",)
        return self.kept(("dataset", update), lambda: any(t.starts(k) for t in self.tokens for k in keywords))

    def form(self) -> str | None:
        """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of them in the text is the query's form."""
        return self.kept("form", self._form)

    def _form(self) -> str | None:
        for token in self.tokens:
            for form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                if token.is_(form):
                    return form
        return None

    def prefixes(self) -> dict[str, str]:
        """The declared prefixes a Turtle writer can use (absolute IRIs), the last declaration winning."""
        return dict(self.kept("prefixes", lambda: {name: iris[-1] for name, iris in self._declared().items()
                                                   if _absolute(iris[-1]) and _PREFIX_NAME.fullmatch(name)}))

    def remote_targets(self, keywords: Sequence[str]) -> list[Remote]:
        """Every IRI the keywords (SERVICE, LOAD) could make the engine fetch, read every way it parses."""
        return list(self.kept(("remote", tuple(keywords)), lambda: self._remote_targets(keywords)))

    def _remote_targets(self, keywords: Sequence[str]) -> list[Remote]:
        # A keyword token upper-cases to a substring of the upper-cased text, so a text in which no
        # keyword appears that way has none: most queries skip the other readings, the costly part.
        upper = self.text.upper()
        keywords = [keyword for keyword in keywords if keyword in upper]
        if not keywords:
            return []
        declared = self._declared()
        found = _remotes(self.tokens, keywords, declared, needs_group=False)
        for reading in self._other_readings():
            # Another reading of a `<` counts a SERVICE only with its group after it, as the parser
            # needs: an IRI like <http://x/service?id=1> read as code is no SERVICE.
            found += _remotes(reading, keywords, declared, needs_group=True)
        return found

    def _other_readings(self) -> list[list[Token]]:
        """The tokens the text has if a `<` after an operand is less-than instead of an IRI's start.

        Each reading starts at such a `<` and stops once it is back in step with the tokens already
        read (the rest is the same), so the whole costs little more than one pass.
        """
        if self._readings is None:
            self._readings = []
            seen = {t.start for t in self.tokens}
            pending = _ambiguous(self.tokens)
            done: set[int] = set()
            while pending:
                start, depth = pending.pop()
                if start in done:
                    continue
                done.add(start)
                reading = _reread(self.text, start, depth, seen)
                seen.update(t.start for t in reading)
                pending += _ambiguous(reading)
                self._readings.append(reading)
        return self._readings

    def with_using(self, graphs: Iterable[str], named: Iterable[str]) -> str:
        """The update with USING / USING NAMED clauses put before each operation's WHERE.

        The protocol's using-graph-uri/using-named-graph-uri act as USING clauses (SPARQL 1.1 Protocol
        §2.2.3); an update that has USING or WITH of its own, or a DELETE WHERE (which takes no USING),
        is refused with BadRequest.
        """
        clause = " ".join([f"USING {NamedNode(g)}" for g in graphs] + [f"USING NAMED {NamedNode(g)}" for g in named])
        if self.declares_dataset(update=True):
            raise BadRequest("the update has USING or WITH clauses and the request has using-graph-uri or "
                             "using-named-graph-uri parameters; give the dataset one way only")
        inserts = []
        previous: Token | None = None
        for token in self.tokens:
            if token.depth == 0 and token.kind == "name" and ":" not in token.text and "WHERE" in token.text.upper():
                if not token.is_("WHERE") or previous is not None and previous.is_("DELETE"):
                    raise BadRequest("using-graph-uri cannot apply to DELETE WHERE; write it as "
                                     "DELETE { … } WHERE { … }")
                inserts.append(token.start)
            previous = token
        text = self.text
        for position in reversed(inserts):
            text = f"{text[:position]}{clause} {text[position:]}"
        return text

    def syntax_error(self, update: bool = False) -> str | None:
        """pyoxigraph's message, in words (syntax.py), when the text does not parse, else None.

        The text is run on an empty in-memory store: parsing is all that can fail there. A SELECT is
        evaluated lazily and never iterated; text with SERVICE or LOAD is not tried, since it would fetch.
        """
        if self.remote_targets(("SERVICE", "LOAD")):
            return None
        try:
            if update:
                Store().update(self.text)
            else:
                Store().query(self.text)
        except SyntaxError as exc:
            return explain(self.text, str(exc))
        except Exception:  # an evaluation error on the empty store: the syntax was fine
            return None
        return None

    def _declared(self) -> dict[str, list[str]]:
        """Every IRI each prefix is declared as, in order (a prefix may be declared more than once)."""
        declared: dict[str, list[str]] = {}
        for i, token in enumerate(self.tokens):
            # `PREFIXe:` and `PREFIX:` are declarations to the parser too, hence no starts() here.
            if token.kind != "name" or not token.text.upper().startswith("PREFIX"):
                continue
            rest, following = token.text[len("PREFIX"):], self.tokens[i + 1:]
            if not rest and following and following[0].kind == "name":
                rest, following = following[0].text, following[1:]
            if rest.endswith(":") and following and following[0].kind == "iri":
                declared.setdefault(rest[:-1], []).append(_unescape(following[0].text[1:-1]))
        return declared


def _tokens(text: str, start: int, depth: int, less_than: int = -1):
    """Tokens from `start` with `depth` brackets open, the `<` at `less_than` read as an operator."""
    position = start
    while position < len(text):
        if position == less_than:
            match, kind = None, "other"
            end = position + 1
        else:
            match = _TOKEN.match(text, position)
            assert match is not None  # `other` matches any character
            kind, end = match.lastgroup or "other", match.end()
        if kind not in ("space", "comment"):
            if kind == "close":
                depth = max(depth - 1, 0)
            yield Token(kind, text[position:end], position, depth)
            if kind == "open":
                depth += 1
        position = end


def _tokenize(text: str) -> list[Token]:
    return list(_tokens(text, 0, 0))


_OPERAND_ENDS = {"var", "string", "langtag", "iri", "number", "name", "close"}


def _ambiguous(tokens: list[Token]) -> list[tuple[int, int]]:
    """Where an IRI token follows an operand, so that its `<` could be less-than: (start, depth)."""
    return [(t.start, t.depth) for prev, t in zip(tokens, tokens[1:])
            if t.kind == "iri" and prev.kind in _OPERAND_ENDS]


def _reread(text: str, start: int, depth: int, seen: set[int], settle: int = 4) -> list[Token]:
    """Read from `start` with that `<` as less-than, until `settle` tokens in a row start where a
    token was read already, none of them a name that could be SERVICE, LOAD or SILENT (a keyword
    needs the tokens after it in this reading)."""
    reading: list[Token] = []
    in_step = 0
    for token in _tokens(text, start, depth, less_than=start):
        reading.append(token)
        keywordish = token.kind == "name" and token.text.upper().startswith(("SERVICE", "LOAD", "SILENT"))
        in_step = in_step + 1 if token.start in seen and not keywordish else 0
        if in_step >= settle:
            break
    return reading


def _remotes(tokens: list[Token], keywords: Sequence[str], declared: dict[str, list[str]],
             needs_group: bool) -> list[Remote]:
    found: list[Remote] = []
    for i, token in enumerate(tokens):
        if token.kind != "name" or i and tokens[i - 1].starts("PREFIX"):
            continue  # `PREFIX service: <…>` declares a prefix, it calls nothing
        for keyword in keywords:
            if token.text.upper().startswith(keyword):
                rest = token.text[len(keyword):]
                for iri, after in _targets(rest, tokens[i + 1:], declared):
                    if not needs_group or keyword != "SERVICE" or after is not None and after.text == "{":
                        found.append(Remote(keyword, iri))
    return found


def _targets(rest: str, following: Sequence[Token], declared: dict[str, list[str]]
             ) -> list[tuple[str | None, Token | None]]:
    """The IRIs that could follow SERVICE or LOAD, given what is left of the keyword's token, each
    with the token after it."""
    found: list[tuple[str | None, Token | None]] = []
    after = following[0] if following else None
    if rest:
        if rest.upper().startswith("SILENT"):
            found += _targets(rest[len("SILENT"):], following, declared)
        if ":" in rest:
            found += [(iri, after) for iri in _expand(rest, declared)]
        return found
    if not following:
        return found
    target, after = following[0], (following[1] if len(following) > 1 else None)
    if target.kind == "iri":
        return [(_absolute(_unescape(target.text[1:-1])), after)]
    if target.kind == "var":
        return [(None, after)]
    if target.kind == "name":
        if target.text.upper().startswith("SILENT"):
            found += _targets(target.text[len("SILENT"):], following[1:], declared)
        if ":" in target.text:
            found += [(iri, after) for iri in _expand(target.text, declared)]
    return found


def _expand(pname: str, declared: dict[str, list[str]]) -> list[str | None]:
    """A prefixed name as IRIs, one per declaration of its prefix; none if undeclared (the parser fails)."""
    prefix, _, local = pname.partition(":")
    local = re.sub(r"\\(.)", r"\1", local)
    return [_absolute(iri + local) for iri in declared.get(prefix, [])]


def _unescape(iri: str) -> str:
    """\\u and \\U escapes in an IRI, which the parser decodes before it resolves the IRI."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def _absolute(iri: str) -> str | None:
    return iri if _SCHEME.match(iri) else None
