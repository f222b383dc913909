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
