"""Turn a report as published (markup, page chrome, indentation) into the clean text the graph quotes.

Every character offset in the graph indexes into the string this module returns, so the cleaning
must be deterministic and must never rewrite the report's own words or punctuation.
"""
from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]*>")
# Lines that belong to the web page, not to the report: breadcrumbs, date and font-size widgets,
# print/close buttons, list bullets left behind by the spam markup.
_CHROME = re.compile(
    r"^(?:您当前的位置|当前位置|日期|发布日期|来源|字\s*号|【?打印|【?关闭|【?我要打印|分享到|浏览次数"
    r"|[（(]?责任编辑|扫一扫|【?字体)"
    r"|^[•·\-\d.、\s]*$"
)
_INDENT = re.compile(r"^[\s\u2002\u2003\u3000\xa0]+|[\s\u2002\u2003\u3000\xa0]+$")
_INDENT_START = re.compile(r"^[\s\u2002\u2003\u3000\xa0]+")


_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{0,31});?")


def clean_with_origin(raw: str, title: str) -> tuple[str, list[int]]:
    """The clean text and, for each of its characters, its offset in the page as published, so a span
    of the clean text can be found in the page too (`origin[start]` to `origin[end - 1] + 1`).

    Removes exactly what clean_text removes; a character an entity stands for (&amp;) maps to the
    entity's first character, a line break the cleaning adds maps to the page's own line end."""
    chars: list[str] = []
    origin: list[int] = []
    position = 0
    for token in _TOKEN.finditer(raw):
        for i in range(position, token.start()):
            chars.append(raw[i])
            origin.append(i)
        if not token.group(0).startswith("<"):
            for ch in html.unescape(token.group(0)):
                chars.append(ch)
                origin.append(token.start())
        position = token.end()
    for i in range(position, len(raw)):
        chars.append(raw[i])
        origin.append(i)
    stripped = "".join(chars)
    out: list[str] = []
    out_origin: list[int] = []
    offset = 0
    for piece in stripped.splitlines(keepends=True):
        line = piece.splitlines()[0] if piece.splitlines() else ""
        lead = len(line) - len(_INDENT_START.sub("", line))
        kept = _INDENT.sub("", line)
        if kept and kept != title and not _CHROME.search(kept):
            if out:
                out.append("\n")
                out_origin.append(out_origin[-1] + 1)
            out.append(kept)
            out_origin.extend(origin[offset + lead : offset + lead + len(kept)])
        offset += len(piece)
    out.append("\n")
    out_origin.append(out_origin[-1] + 1 if out_origin else len(raw))
    return "".join(out), out_origin


def clean_text(raw: str, title: str) -> str:
    """Return the report body: paragraphs one per line, section blocks separated by a blank line.

    `title` is dropped where the page repeats it as a heading, since the report's metadata carries it.
    """
    text = html.unescape(_TAG.sub("", raw))
    paragraphs: list[str] = []
    for line in text.splitlines():
        line = _INDENT.sub("", line)
        if not line or line == title or _CHROME.search(line):
            continue
        paragraphs.append(line)
    return "\n".join(paragraphs) + "\n"
