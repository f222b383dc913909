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
    """One measure of a section: an enumerated 一是/二是 item, or, in a section that enumerates
    none, one action sentence. `lead` is its opening phrase, which names what the measure does."""

    number: int
    span: Span
    lead: Span
    enumerated: bool = True


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
    """The 一是 … 四是 items of a section body, in order; a section without them gets its action
    sentences (see `action_items`)."""
    # Keep only a run that counts up from 一, so a stray "五是" inside a sentence is not an item.
    run: list[re.Match[str]] = []
    for m in _ITEM.finditer(text, body.start, body.end):
        if _ORDINALS.index(m.group(1)) == len(run):
            run.append(m)
    result = []
    for i, m in enumerate(run):
        end = run[i + 1].start(1) if i + 1 < len(run) else body.end
        span = _trim(text, Span(m.start(1), end))
        result.append(Item(i + 1, span, _lead(text, m.end(), span.end)))
    return result or action_items(text, body)


# A sentence that opens with a time or a total reports what the previous measure achieved:
# "2022年对城乡低保对象…增发…" continues "不断提升救助保障水平…".
_RESULT_OPENING = re.compile(r"^(?:\d{4}年|截至|截止|其中|全年|累计|共计|至\d)")
# A lead this short is a heading in itself: "健全法治,推动科学管理。" is one title, not two.
_SHORT_LEAD = 16


def action_items(text: str, body: Span) -> list[Item]:
    """Measures of a section that enumerates none: each sentence (to 。) that opens with an action
    is one measure; a sentence opening with a date or a total joins the measure before it."""
    spans: list[Span] = []
    for sentence in sentences(text, body, ends="。!！?？\n"):
        if spans and _RESULT_OPENING.match(sentence.of(text)):
            spans[-1] = Span(spans[-1].start, sentence.end)
        else:
            spans.append(sentence)
    return [Item(i + 1, s, _lead(text, s.start, s.end), enumerated=False) for i, s in enumerate(spans)]


def _lead(text: str, start: int, end: int) -> Span:
    """The opening phrase: the whole first sentence when it is short enough to be a title,
    otherwise up to the first comma or colon (quoted and bracketed commas do not count)."""
    sentence_end = _scan(text, start, end, "。;；")
    if sentence_end - start <= _SHORT_LEAD:
        return Span(start, sentence_end)
    return Span(start, _scan(text, start, end, "。,，;；:："))


def _scan(text: str, start: int, end: int, stops: str) -> int:
    """The first stop character at bracket depth zero in [start, end), or end."""
    depth = 0
    for i in range(start, end):
        ch = text[i]
        if ch in "“《(（":
            depth += 1
        elif ch in "”》)）":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in stops:
            return i
    return end


def sentences(text: str, within: Span, ends: str = _SENTENCE_END) -> list[Span]:
    """Sentences of a range, ending at 。 ; ！ ？ or a line end, the terminator included."""
    result = []
    start = within.start
    for i in range(within.start, within.end):
        if text[i] in ends:
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


# Clause ends: commas, semicolons, colons and sentence ends, outside quotes and brackets.
_CLAUSE_STOPS = ",，;；:：。!！?？\n"


def clauses(text: str, sentence: Span, list_breaks: frozenset[int] = frozenset()) -> list[Span]:
    """The clauses of a sentence, each without its closing punctuation.

    A 、 ends a clause only at `list_breaks` (offsets of 、 that separate two quantities, as in
    建成中心743个、设置互助点8000个), so 城乡低保对象、特困人员 stays one clause.
    """
    result = []
    start = sentence.start
    depth = 0
    for i in range(sentence.start, sentence.end):
        ch = text[i]
        if ch in "“《(（":
            depth += 1
        elif ch in "”》)）":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch in _CLAUSE_STOPS or i in list_breaks):
            if i > start:
                result.append(Span(start, i))
            start = i + 1
    if start < sentence.end:
        result.append(Span(start, sentence.end))
    return [c for c in (_trim(text, c) for c in result) if c.end > c.start]
