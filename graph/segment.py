"""Find the report's structure in its clean text: numbered reform sections, 一是/二是 items, sentences.

Everything is returned as offsets into the clean text, so later stages can quote spans exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# A reform heading is a line starting with its two-digit number: "01持续深化社会救助体制改革".
_HEADING = re.compile(r"^(\d{1,2})[.、\s]?(\S.*)$", re.M)
_ITEM = re.compile(r"(?:^|(?<=[。;；\n]))([一二三四五六七八九十])是")
_SENTENCE_END = "。;；!！?？\n"
_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Span:
    """A half-open range [start, end) of the clean text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass
class Item:
    """One 一是/二是 item: `lead` is its opening phrase, which names what the item does."""

    number: int
    span: Span
    lead: Span


@dataclass
class Section:
    number: int
    heading: Span
    title: Span
    body: Span
    items: list[Item] = field(default_factory=list)


def sections(text: str) -> list[Section]:
    """Split the text at its numbered headings; numbers must run 1, 2, 3 … or they are not headings."""
    found: list[tuple[int, re.Match[str]]] = []
    for m in _HEADING.finditer(text):
        number = int(m.group(1))
        if number == len(found) + 1 and len(m.group(2)) <= 40:
            found.append((number, m))
    result = []
    for i, (number, m) in enumerate(found):
        body_start = m.end() + 1
        body_end = found[i + 1][1].start() if i + 1 < len(found) else len(text)
        body = _trim(text, Span(body_start, body_end))
        section = Section(number, Span(m.start(), m.end()), Span(m.start(2), m.end(2)), body)
        section.items = items(text, body)
        result.append(section)
    return result


def items(text: str, body: Span) -> list[Item]:
    """The 一是 … 四是 items of a section body, in order; a section may have none."""
    # Keep only a run that counts up from 一, so a stray "五是" inside a sentence is not an item.
    run: list[re.Match[str]] = []
    for m in _ITEM.finditer(text, body.start, body.end):
        if _ORDINALS.index(m.group(1)) == len(run):
            run.append(m)
    result = []
    for i, m in enumerate(run):
        end = run[i + 1].start(1) if i + 1 < len(run) else body.end
        span = _trim(text, Span(m.start(1), end))
        lead_start = m.end()
        lead_end = lead_start
        while lead_end < span.end and text[lead_end] not in "。,，;；:：":
            lead_end += 1
        result.append(Item(i + 1, span, Span(lead_start, lead_end)))
    return result


def sentences(text: str, within: Span) -> list[Span]:
    """Sentences of a range, ending at 。 ; ！ ？ or a line end, the terminator included."""
    result = []
    start = within.start
    for i in range(within.start, within.end):
        if text[i] in _SENTENCE_END:
            if i + 1 > start and text[start:i].strip():
                result.append(Span(start, i + 1 if text[i] != "\n" else i))
            start = i + 1
    if start < within.end and text[start : within.end].strip():
        result.append(Span(start, within.end))
    return result


def _trim(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
