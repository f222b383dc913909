"""Whether a query's evaluation is bounded by the rows it gives, decided from its tokens alone.

A query is *short* when its text is exactly, token by token (anything else is not):

    PREFIX p: <iri> …                                  prefixes only (no BASE, no FROM)
    SELECT * | SELECT ?v …  |  ASK  |  CONSTRUCT { template }
    WHERE? { pattern }  or  WHERE? { { pattern } UNION { pattern } … }
    LIMIT n?                                           and nothing after it

where a pattern is one triple pattern `s p o .?` with s an IRI or a variable, p an IRI, `a` or a
variable, o an IRI, a variable, a literal (a string with a language tag or a datatype, an unsigned
number, true, false), no variable twice in it, and every prefixed name of a declared prefix; a
CONSTRUCT template is triples of those terms, and for each branch some template triple takes all its
variables from that branch.

Why that is bounded: pyoxigraph evaluates one triple pattern as one scan of one index, from the
prefix its constants give, one index entry per solution (a variable used twice would make it skip
entries that do not match, as many as the data holds); a UNION gives one branch's solutions after
the other; with no ORDER BY, GROUP BY, DISTINCT, aggregate, OFFSET, subquery, FILTER, OPTIONAL or
property path there is nothing to sort, group, skip or hold, so solutions are made one at a time
as the serialiser asks for them, and each CONSTRUCT solution gives at least one triple. The work
done is therefore proportional to the rows (or triples) written, whatever the data: a caller that
stops after N rows (store/embedded/evaluation.py: OverBudget) has done about N index steps, and can
run the query where it cannot be killed (store/embedded/replica.py). An ASK stops at its first solution.

A short query is also short as text, at most MAX_CHARS characters with at most MAX_BRANCHES branches,
since pyoxigraph parses and evaluates by recursion: in a thread of the web process, with the usual
8 MB stack, 10,000 UNIONs overflow it and take the web worker down (store/embedded/engine.py runs
such texts on a thread with a far larger stack; tests/robustness/test_crash_containment.py).

The reading is the lexer's (text.py), which knows no grammar; nothing it accepts means anything else
to pyoxigraph's parser, since every keyword must be a whole token and no token may hold an escape.
"""
from __future__ import annotations

from collections.abc import Sequence

from .text import SparqlText, Token

MAX_CHARS = 1000
MAX_BRANCHES = 8

_NUMBER = "number"


def short(scanned: SparqlText) -> bool:
    """Whether the query is short (see the module docstring)."""
    tokens = scanned.tokens
    if len(scanned.text) > MAX_CHARS or any("\\" in t.text for t in tokens if t.kind in ("name", "iri")):
        return False
    prefixes, i = _prologue(tokens)
    if prefixes is None or i >= len(tokens):
        return False
    form = tokens[i]
    template: list[tuple[Token, ...]] | None = None
    i += 1
    if form.is_("SELECT"):
        if i < len(tokens) and tokens[i].text == "*":
            i += 1
        else:
            start = i
            while i < len(tokens) and tokens[i].kind == "var":
                i += 1
            if i == start:
                return False
    elif form.is_("CONSTRUCT"):
        end = _group_end(tokens, i)
        if end is None:
            return False
        template = _triples(tokens[i + 1:end], prefixes)
        if not template:
            return False
        i = end + 1
    elif not form.is_("ASK"):
        return False
    if i < len(tokens) and tokens[i].is_("WHERE"):
        i += 1
    end = _group_end(tokens, i)
    if end is None:
        return False
    branches = _branches(tokens[i + 1:end], prefixes)
    if not branches:
        return False
    rest = tokens[end + 1:]
    if rest and not (len(rest) == 2 and rest[0].is_("LIMIT") and rest[1].kind == _NUMBER and rest[1].text.isdigit()):
        return False
    if template is not None:
        return all(any(_variables(t) <= _variables(pattern) for t in template) for pattern in branches)
    return True


def _prologue(tokens: Sequence[Token]) -> tuple[set[str] | None, int]:
    """The declared prefixes and where the prologue ends; None when it holds anything but PREFIX."""
    prefixes: set[str] = set()
    i = 0
    while i < len(tokens) and tokens[i].is_("PREFIX"):
        if i + 2 >= len(tokens):
            return None, i
        name, iri = tokens[i + 1], tokens[i + 2]
        if name.kind != "name" or not name.text.endswith(":") or name.text.count(":") != 1 or iri.kind != "iri":
            return None, i
        prefixes.add(name.text[:-1])
        i += 3
    return prefixes, i


def _group_end(tokens: Sequence[Token], i: int) -> int | None:
    """The index of the `}` closing the `{` at i, if i is a `{`."""
    if i >= len(tokens) or tokens[i].text != "{":
        return None
    depth = tokens[i].depth
    for j in range(i + 1, len(tokens)):
        if tokens[j].kind == "close" and tokens[j].depth == depth:
            return j if tokens[j].text == "}" else None
    return None


def _branches(tokens: Sequence[Token], prefixes: set[str]) -> list[tuple[Token, ...]] | None:
    """The triple pattern of each branch: one pattern, or groups of one pattern joined by UNION."""
    if tokens and tokens[0].text != "{":
        triples = _triples(tokens, prefixes)
        return triples if triples is not None and len(triples) == 1 else None
    branches: list[tuple[Token, ...]] = []
    i = 0
    while i < len(tokens):
        if branches:
            if not tokens[i].is_("UNION"):
                return None
            i += 1
        end = _group_end(tokens, i)
        if end is None:
            return None
        triples = _triples(tokens[i + 1:end], prefixes)
        if triples is None or len(triples) != 1:
            return None
        branches.append(triples[0])
        i = end + 1
    return branches if 0 < len(branches) <= MAX_BRANCHES else None


def _triples(tokens: Sequence[Token], prefixes: set[str]) -> list[tuple[Token, ...]] | None:
    """Triples `s p o` separated by `.`, each without a variable twice; None for anything else."""
    triples: list[tuple[Token, ...]] = []
    i = 0
    while i < len(tokens):
        s, i = _term(tokens, i, prefixes, subject=True)
        p, i = _term(tokens, i, prefixes, predicate=True)
        o, i = _term(tokens, i, prefixes)
        if s is None or p is None or o is None:
            return None
        names = [t.text[1:] for t in (s, p, o) if t.kind == "var"]
        if len(set(names)) != len(names):
            return None
        triples.append((s, p, o))
        if i < len(tokens):
            if tokens[i].text != ".":
                return None
            i += 1
    return triples


def _term(tokens: Sequence[Token], i: int, prefixes: set[str], subject: bool = False,
          predicate: bool = False) -> tuple[Token | None, int]:
    """The term at i and where the next one starts; None if it is not one the rule allows there."""
    if i >= len(tokens):
        return None, i
    token = tokens[i]
    if token.kind in ("iri", "var"):
        return token, i + 1
    if token.kind == "name":
        if predicate and token.text == "a":
            return token, i + 1
        prefix, colon, _ = token.text.partition(":")
        if colon and prefix in prefixes:
            return token, i + 1
        if not (subject or predicate) and token.text in ("true", "false"):
            return token, i + 1
        return None, i
    if subject or predicate:
        return None, i
    if token.kind == _NUMBER:
        return token, i + 1
    if token.kind == "string":
        if i + 1 < len(tokens) and tokens[i + 1].kind == "langtag":
            return token, i + 2
        if i + 2 < len(tokens) and tokens[i + 1].text == "^" and tokens[i + 2].text == "^":
            datatype, after = _term(tokens, i + 3, prefixes, predicate=True)
            return (token, after) if datatype is not None and datatype.kind != "var" and datatype.text != "a" \
                else (None, i)
        return token, i + 1
    return None, i


def _variables(triple: tuple[Token, ...]) -> set[str]:
    return {t.text[1:] for t in triple if t.kind == "var"}
