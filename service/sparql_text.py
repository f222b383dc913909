"""What the web process must know about SPARQL text before an engine runs it, found by lexing alone.

pyoxigraph exposes no parsed query, so the few facts the service needs are read from tokens: which
IRIs `SERVICE` and `LOAD` would fetch, how deep brackets nest, whether the text names its own dataset
(FROM, USING, WITH), and where the protocol's using-graph-uri must go. Strings, IRIs, comments,
variables and language tags are single tokens (SPARQL 1.1 §19.8), so a keyword inside them is never
taken for one.

One trap decides how keywords are matched: pyoxigraph's parser matches a keyword without a word
boundary, so `SERVICESILENT<…>`, `SERVICEex:x` and `LOADex:x` are SERVICE and LOAD to it. A name is
therefore taken for SERVICE or LOAD when it starts with one, and every way the rest could be read is
checked.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import NamedNode

from .errors import BadRequest

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
            # A name never starts with '.', so `?o .SERVICE` is '.' then SERVICE, as the parser reads it.
            rf"(?P<name>(?:[\w:]|\\[^\s])(?:{_NAME_CHAR}|\.(?={_NAME_CHAR}))*)",
            r"(?P<open>[{(\[])",
            r"(?P<close>[})\]])",
            r"(?P<other>.)",
        ]
    ),
    re.DOTALL,
)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


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


class SparqlText:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)

    @property
    def depth(self) -> int:
        """The deepest bracket nesting ({, (, [) in the text."""
        return max((t.depth + 1 for t in self.tokens if t.kind == "open"), default=0)

    def declares_dataset(self, update: bool) -> bool:
        """Whether the text names its own dataset: FROM in a query, USING or WITH in an update."""
        keywords = ("USING", "WITH") if update else ("FROM",)
        return any(t.starts(k) for t in self.tokens for k in keywords)

    def form(self) -> str | None:
        """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of them in the text is the query's form."""
        for token in self.tokens:
            for form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                if token.is_(form):
                    return form
        return None

    def prefixes(self) -> dict[str, str]:
        """The declared prefixes, the last declaration of each winning (for output only)."""
        return {name: iris[-1] for name, iris in self._declared().items()}

    def remote_targets(self, keywords: Sequence[str]) -> list[Remote]:
        """Every IRI the keywords (SERVICE, LOAD) could make the engine fetch, read every way it parses."""
        declared = self._declared()
        found: list[Remote] = []
        for i, token in enumerate(self.tokens):
            if token.kind != "name" or i and self.tokens[i - 1].starts("PREFIX"):
                continue  # `PREFIX service: <…>` declares a prefix, it calls nothing
            for keyword in keywords:
                if token.text.upper().startswith(keyword):
                    rest = token.text[len(keyword):]
                    found += [Remote(keyword, iri) for iri in _targets(rest, self.tokens[i + 1:], declared)]
        return found

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

    def _declared(self) -> dict[str, list[str]]:
        """Every IRI each prefix is declared as, in order (a prefix may be declared more than once)."""
        declared: dict[str, list[str]] = {}
        for i, token in enumerate(self.tokens):
            if not token.starts("PREFIX"):
                continue
            rest, following = token.text[len("PREFIX"):], self.tokens[i + 1:]
            if not rest and following and following[0].kind == "name":
                rest, following = following[0].text, following[1:]
            if rest.endswith(":") and following and following[0].kind == "iri":
                declared.setdefault(rest[:-1], []).append(_unescape(following[0].text[1:-1]))
        return declared


def _tokenize(text: str) -> list[Token]:
    tokens = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        if kind == "close":
            depth = max(depth - 1, 0)
        tokens.append(Token(kind, match.group(), match.start(), depth))
        if kind == "open":
            depth += 1
    return tokens


def _targets(rest: str, following: Sequence[Token], declared: dict[str, list[str]]) -> list[str | None]:
    """The IRIs that could follow SERVICE or LOAD, given what is left of the keyword's token."""
    found: list[str | None] = []
    if rest:
        if rest.upper().startswith("SILENT"):
            found += _targets(rest[len("SILENT"):], following, declared)
        if ":" in rest:
            found += _expand(rest, declared)
        return found
    if not following:
        return found
    target = following[0]
    if target.kind == "iri":
        return [_absolute(_unescape(target.text[1:-1]))]
    if target.kind == "var":
        return [None]
    if target.kind == "name":
        if target.text.upper().startswith("SILENT"):
            found += _targets(target.text[len("SILENT"):], following[1:], declared)
        if ":" in target.text:
            found += _expand(target.text, declared)
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
