"""A SPARQL syntax error said in words: where it is, what was found there, and what could come instead.

pyoxigraph reports `error at LINE:COLUMN: expected one of …`, listing what its parser tried last, and
among them the character classes of its grammar (`['A' ..= 'Z' | 'a' ..= 'z' | '\\u{00C0}'..='\\u{00D6}' …]`),
which read as noise to a person. This names each class (a name, a number, …), keeps the keywords and
punctuation, drops the catch-all `[_]`, and quotes what the text has at that place.
"""
from __future__ import annotations

import re

_POSITION = re.compile(r"error at (\d+):(\d+): expected (.*)", re.DOTALL)
_ITEMS = re.compile(r'''"(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,\s][^,]*''')
_TOKEN = re.compile(r'"[^"\n]*"?|<[^>\s]*>?|[?$]\w+|[\w:.-]+|\S')
_ESCAPED = re.compile(r"\\(.)")
# What a message names instead of a character class: the class's first member tells which it is.
_CLASSES = (
    ("'A' ..= 'Z'", "a name"),
    ("'-' |", "more of a name"),
    ("'0' ..= '9' | '\\u{00B7}'", "more of a name"),
    ("'0'..='9'", "a number"),
)
_PHRASES = {"Prefix not found": "a declared prefix (add a PREFIX line for it)",
            "IRI parsing failed": "a valid IRI (no spaces, quotes or angle brackets inside <…>)"}


def _quoted(escaped: str) -> str:
    return "'" + _ESCAPED.sub(r"\1", escaped) + "'"


def _expected(listed: str) -> list[str]:
    """The alternatives in words, in pyoxigraph's order, each once."""
    words: list[str] = []
    for item in _ITEMS.findall(listed.replace("\n", " ").removeprefix("one of ")):
        item = item.strip()
        if item == "[_]" or not item:
            continue  # "any character": true of every place, so it says nothing
        if item.startswith("["):
            named = next((name for prefix, name in _CLASSES if item[1:].startswith(prefix)), None)
            single = re.fullmatch(r"\['((?:[^'\\]|\\.)+)'\]", item)
            word = named or (_quoted(single.group(1)) if single else "another character")
        elif item.startswith('"'):
            word = _quoted(item[1:-1])
        else:
            word = _PHRASES.get(item, item)
        if word not in words:
            words.append(word)
    return words


def _found(text: str, line: int, column: int) -> str:
    """What the text has at LINE:COLUMN (both from 1), past any white space."""
    lines = text.split("\n")
    if line > len(lines):
        return "the end of the query"
    rest = "\n".join([lines[line - 1][column - 1:], *lines[line:]]).lstrip()
    if not rest:
        return "the end of the query"
    token = _TOKEN.match(rest)
    return f"'{token.group() if token else rest[0]}'"


def _listed(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return "one of " + ", ".join(words[:-1]) + " or " + words[-1]


def explain(text: str, message: str) -> str:
    """pyoxigraph's syntax error `message` about `text`, in words; a message of another shape unchanged."""
    match = _POSITION.match(message)
    if match is None:
        return message
    line, column = int(match.group(1)), int(match.group(2))
    words = _expected(match.group(3))
    found = _found(text, line, column)
    needs = f", where the query needs {_listed(words)}" if words else ""
    return f"syntax error at line {line}, column {column}: found {found}{needs}"
