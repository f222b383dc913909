"""Find the report's structure in its clean text: numbered reform sections, 一是/二是 items, sentences.

Everything is returned as offsets into the clean text, so later stages can quote spans exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Reform headings in the styles reports of the genre use, each a whole short line: 01持续深化…,
# 1. 深化…, 一、深化…, （一）织密…, 第一，深化…. A report uses one style; its numbers run 1, 2, 3 ….
_NUM = r"(?P<num>\d{1,2}|[一二三四五六七八九十]{1,3})"
_HEADING_STYLES = (
    re.compile(r"^(?P<num>\d{1,2})(?:[.．、]\s*|\s+|(?=[^\d.．、\s]))(?P<title>[^。\n]{2,40})$", re.M),
    re.compile(r"^(?P<num>[一二三四五六七八九十]{1,3})[、．.]\s*(?P<title>[^。\n]{2,40})$", re.M),
    re.compile(r"^[（(](?P<num>[一二三四五六七八九十]{1,3})[）)]\s*(?P<title>[^。\n]{2,40})$", re.M),
    re.compile(r"^第(?P<num>[一二三四五六七八九十]{1,3})(?:项|部分|方面)?[，,、：:]\s*(?P<title>[^。\n]{2,40})$", re.M),
)
# Item markers inside a section body, at a paragraph start or after a sentence end.
_AFTER = r"(?:^|(?<=[。;；\n]))"
_ITEM_STYLES = (
    re.compile(_AFTER + r"(?P<num>[一二三四五六七八九十]{1,3})是"),
    re.compile(_AFTER + r"[（(](?P<num>[一二三四五六七八九十]{1,3})[）)]"),
    re.compile(_AFTER + r"第(?P<num>[一二三四五六七八九十]{1,3})[，,、：:]"),
    re.compile(_AFTER + r"(?P<num>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])"),
)
_CJK_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九", 0)}
_SENTENCE_END = "。;；!！?？\n"


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
    """Split the text at its numbered headings, in whichever style numbers the longest run 1, 2, 3 …
    of short title lines. A text with no such run is one section numbered 0 holding the whole body
    (its title is the report's own), so a report without headings still yields its figures."""
    best: list[re.Match[str]] = []
    for style in _HEADING_STYLES:
        run = _run(style.finditer(text))
        if len(run) > len(best) or (run and len(run) == len(best) and run[0].start() < best[0].start()):
            best = run
    if len(best) < 2:
        body = _trim(text, Span(0, len(text)))
        section = Section(0, Span(body.start, body.start), Span(body.start, body.start), body)
        section.items = items(text, body)
        return [section] if body.end > body.start else []
    result = []
    for i, m in enumerate(best):
        body_start = m.end() + 1
        body_end = best[i + 1].start() if i + 1 < len(best) else len(text)
        body = _trim(text, Span(body_start, body_end))
        section = Section(i + 1, Span(m.start(), m.end()), Span(m.start("title"), m.end("title")), body)
        section.items = items(text, body)
        result.append(section)
    return result


def ordinal(numeral: str) -> int:
    """1, 01, 一, 十二, ① → their number."""
    if numeral.isdigit() and numeral.isascii():
        return int(numeral)
    if "\u2460" <= numeral <= "\u2473":
        return ord(numeral) - 0x2460 + 1
    if len(numeral) == 1:
        return 10 if numeral == "十" else _CJK_DIGITS.get(numeral, 0)
    tens, _, units = numeral.partition("十")
    return (_CJK_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CJK_DIGITS.get(units, 0) if units else 0)


def _run(matches) -> list[re.Match[str]]:
    """The matches whose numbers count up 1, 2, 3 …; others (a stray 五是 in a sentence) are skipped."""
    run: list[re.Match[str]] = []
    for m in matches:
        if ordinal(m.group("num")) == len(run) + 1:
            run.append(m)
    return run


def items(text: str, body: Span) -> list[Item]:
    """The enumerated items of a section body (一是…, （一）…, 第一，…, ①…), in order, in the
    style that numbers the longest run; a section without them gets its action sentences
    (see `action_items`)."""
    best: list[re.Match[str]] = []
    for style in _ITEM_STYLES:
        run = _run(style.finditer(text, body.start, body.end))
        if len(run) > len(best):
            best = run
    if len(best) == 1 and not best[0].group(0).endswith("是"):
        best = []  # one （一） alone is a parenthesis, not an enumeration
    result = []
    for i, m in enumerate(best):
        end = best[i + 1].start() if i + 1 < len(best) else body.end
        span = _trim(text, Span(m.start(), end))
        result.append(Item(i + 1, span, _lead(text, m.end(), span.end)))
    return result or action_items(text, body)


# A sentence that opens with a time or a total reports what the previous measure achieved:
# "2022年对城乡低保对象…增发…" continues "不断提升救助保障水平…".
_RESULT_OPENING = re.compile(r"^(?:\d{4}年|截至|截止|其中|全年|累计|共计|至\d)")
_OPENING = re.compile(r"(?:\d{4}年(?:以来)?|全年|今年|近年来)[,，]")
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
    opening = _OPENING.match(text, start, end)
    if opening and _scan(text, opening.end(), end, "。;；") > opening.end():
        start = opening.end()  # 2022年,市乡村振兴局认真贯彻…: the time is not what the measure does
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


# An item's number where it opens a clause: （一）, ①, 一是, 第一，.
_ITEM_MARK = re.compile(r"(?:[（(][一二三四五六七八九十]+[）)]|[①-⑳]|[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，,、])")


def words_start(text: str, clause: Span) -> int:
    """Where a clause's own words start: after the item number that opens it (②为…, 三是省人社厅…)."""
    mark = _ITEM_MARK.match(text, clause.start, clause.end)
    return mark.end() if mark else clause.start


def clause_start(text: str, position: int, floor: int) -> int:
    """Where the clause holding `position` starts: after the last comma, colon, semicolon or sentence
    end before it (`floor` at the latest)."""
    start = position
    while start > floor and text[start - 1] not in ",，;；。:：\n":
        start -= 1
    return start
