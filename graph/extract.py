"""Read one report's clean text into facts: reforms, items, programmes, indicators, citations, mentions.

The facts hold spans, not strings, so every one of them can be quoted back exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import entities, quantities, segment
from .clean import clean_text
from .curated import Curation, Entity
from .entities import Citation, Mention
from .quantities import Quantity
from .segment import Section, Span
from .vocab import Schemes
from .reports import ReportSource

_CLAUSE_END = ",，;；。:：!！?？\n"
_SINCE = re.compile(r"(\d{4})年以来")
# Words that open a clause but say nothing about what is counted.
_LEADING = re.compile(r"^(?:\d{4}年(?:以来)?,?|全市|共|累计|其中)+")
_TRAILING = re.compile(r"(?:共|累计|达到|达|为|提高到|有)$")


@dataclass
class Indicator:
    number: int
    quantity: Quantity
    reform: int
    item: int | None
    label: str
    """What the quantity counts, in the text's words: the clause around it without the number."""
    key: str
    """The curation key: `<reform>:<number as written with unit>`, with `#2`, `#3` for repeats."""
    since: int | None
    """The year in "2022年以来" when the sentence says so; otherwise the report's own period."""
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Extraction:
    source: ReportSource
    text: str
    sections: list[Section]
    mentions: list[Mention]
    """Every agency, target-group, place and programme mention, in text order."""
    citations: list[Citation]
    indicators: list[Indicator]
    publisher: Entity
    home: Entity

    def section_of(self, span: Span) -> tuple[int, int | None] | None:
        """The reform number and item number a span lies in."""
        for section in self.sections:
            if section.heading.start <= span.start and span.end <= section.body.end:
                for item in section.items:
                    if item.span.start <= span.start and span.end <= item.span.end:
                        return section.number, item.number
                return section.number, None
        return None


def extract(source: ReportSource, curation: Curation, schemes: Schemes) -> Extraction:
    text = clean_text(source.raw(), source.title)
    found = segment.sections(text)
    whole = Span(0, len(text))
    publisher = _entity(curation, "agency", source.publisher)
    home = _entity(curation, "place", source.place)
    mentions = (
        entities.agencies(text, whole, curation)
        + entities.gazetteer(text, whole, curation, "target-group")
        + entities.places(text, whole, curation, home)
        + entities.programmes(text, whole, curation, schemes.kinds)
    )
    mentions.sort(key=lambda m: (m.span.start, m.kind))
    citations = entities.citations(text, whole, curation, publisher)
    result = Extraction(source, text, found, mentions, citations, [], publisher, home)
    result.indicators = _indicators(result, quantities.MEASURE_WORDS | frozenset(schemes.units))
    return result


def _entity(curation: Curation, kind: str, name: str) -> Entity:
    """The curated entity of a name from the report's metadata, or a new one the curation lacks."""
    slug, entity = entities.slug_for(kind, name, curation)
    return entity or Entity(kind=kind, slug=slug, zh=name)


def _indicators(extraction: Extraction, words: frozenset[str]) -> list[Indicator]:
    text = extraction.text
    indicators: list[Indicator] = []
    seen: dict[str, int] = {}
    for section in extraction.sections:
        for sentence in segment.sentences(text, section.body):
            found = quantities.find(text, sentence, words)
            since = _SINCE.search(sentence.of(text))
            in_sentence = [
                m for m in extraction.mentions if sentence.start <= m.span.start and m.span.end <= sentence.end
            ]
            for q in found:
                where = extraction.section_of(q.span)
                base_key = f"{section.number}:{q.span.of(text)}"
                seen[base_key] = seen.get(base_key, 0) + 1
                key = base_key if seen[base_key] == 1 else f"{base_key}#{seen[base_key]}"
                indicators.append(
                    Indicator(
                        number=len(indicators) + 1,
                        quantity=q,
                        reform=section.number,
                        item=where[1] if where else None,
                        label=_label(text, q, found),
                        key=key,
                        since=int(since.group(1)) if since else None,
                        mentions=list({(m.kind, m.slug): m for m in in_sentence}.values()),
                    )
                )
    return indicators


def _label(text: str, q: Quantity, siblings: list[Quantity]) -> str:
    """The clause holding the quantity, without it: 累计受理救助申请8.23万件次 → 累计受理救助申请.

    A 、 right after a quantity ends its clause too, so lists of quantities
    (建成乡镇养老服务中心743个、设置村级互助养老点8000个) give one clause each.
    """
    ends = {s.span.end for s in siblings}
    starts = {s.span.start for s in siblings}
    start = q.span.start
    depth = 0
    while start > 0:
        ch = text[start - 1]
        if ch in "”》)）":
            depth += 1
        elif ch in "“《(（":
            depth -= 1
        elif depth <= 0 and (ch in _CLAUSE_END or (ch == "、" and (start - 1 in ends or start in starts))):
            break
        start -= 1
    end = q.span.end
    while end < len(text) and text[end] not in _CLAUSE_END and not (
        text[end] == "、" and (end in ends or end + 1 in starts)
    ):
        end += 1
    label = (text[start : q.span.start] + text[q.span.end : end]).strip()
    label = _TRAILING.sub("", _LEADING.sub("", label))
    return label or text[start:end]
