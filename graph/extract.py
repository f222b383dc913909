"""Read one report's clean text into facts: reforms, items, programmes, indicators, citations, mentions.

The facts hold spans, not strings, so every one of them can be quoted back exactly.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from . import agencies, attach, citations, groups, places, programmes, quantities, roles, segment
from .attach import Link
from .clean import clean_with_origin
from .curated import Curation, Entity
from .citations import Citation
from .mentions import Mention, slug_for
from .quantities import Quantity
from .segment import Section, Span
from reformkg.ontology.vocab import Schemes
from .reports import ReportSource
from .roles import Role

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
    clause: Span | None = None
    """The clause that states the figure."""
    kind: str = "achievement"
    """achievement | cumulative | standard | rate | target | change (attach.kind)."""
    links: list[Link] = field(default_factory=list)
    """The groups, acting agencies, programme and places its clause states (attach.links)."""

    @property
    def mentions(self) -> list[Mention]:
        return [link.mention for link in self.links]


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
    roles: list[Role] = field(default_factory=list)
    """Every agency's role in a clause, in text order; the publisher's default role is not listed."""
    clauses: list[Span] = field(default_factory=list)
    """Every clause of every section body, in text order."""
    origin: list[int] = field(default_factory=list)
    """For each character of `text`, its offset in the page as published (clean.clean_with_origin)."""

    def clause_at(self, span: Span) -> Span:
        """The clause holding a span: the words that state what the span names (the span itself
        where it lies outside every clause, as a heading does)."""
        index = bisect.bisect_right(self.clauses, span.start, key=lambda c: c.start) - 1
        if index >= 0 and self.clauses[index].start <= span.start and span.end <= self.clauses[index].end:
            return self.clauses[index]
        return span

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
    text, origin = clean_with_origin(source.raw(), source.title)
    found = segment.sections(text)
    whole = Span(0, len(text))
    publisher = _entity(curation, "agency", source.publisher)
    home = _entity(curation, "place", source.place)
    mentions = (
        agencies.agencies(text, whole, curation, source.place, _seat(source))
        + groups.groups(text, whole, curation)
        + places.places(text, whole, curation, home)
        + programmes.programmes(text, whole, curation, schemes.kinds)
    )
    mentions.sort(key=lambda m: (m.span.start, m.kind))
    cited = citations.citations(text, whole, curation, publisher, source.title,
                                [m for m in mentions if m.kind == "agency"])
    result = Extraction(source, text, found, mentions, cited, [], publisher, home, origin=origin)
    titles = [c.document.span for c in cited]
    result.mentions = [m for m in mentions if not any(t.start <= m.span.start < t.end for t in titles)]
    acting = [m for m in result.mentions if m.kind == "agency"]
    author = agencies.title_author(source.title)
    for section in found:
        clauses = [c for s in segment.sentences(text, section.body) for c in segment.clauses(text, s)]
        result.clauses += clauses
        # The publisher named in its own report (市乡村振兴局认真贯彻…, or by the short name its title
        # gives it: 省残联配合… in a report titled 广东省残联…) acts in its default role only.
        result.roles += [r for r in roles.roles(text, clauses, acting, cited)
                         if r.agency.slug != publisher.slug and r.agency.name != author]
    result.indicators = _indicators(result, quantities.MEASURE_WORDS | frozenset(schemes.units))
    return result


def _seat(source: ReportSource) -> str:
    """The report's place with its level, read off the publisher's name: 合肥市 for 合肥市民政局,
    江西省 for 江西省民政厅; the bare place where the publisher does not start with it."""
    if source.publisher.startswith(source.place):
        level = source.publisher[len(source.place) : len(source.place) + 1]
        if level in ("省", "市", "县", "区", "州"):
            return source.place + level
    return source.place


def _entity(curation: Curation, kind: str, name: str) -> Entity:
    """The curated entity of a name from the report's metadata, or a new one the curation lacks."""
    slug, entity = slug_for(kind, name, curation)
    return entity or Entity(kind=kind, slug=slug, zh=name)


def _indicators(extraction: Extraction, words: frozenset[str]) -> list[Indicator]:
    text = extraction.text
    indicators: list[Indicator] = []
    seen: dict[str, int] = {}
    for section in extraction.sections:
        for sentence in segment.sentences(text, section.body, ends="。!！?？\n"):
            found = quantities.find(text, sentence, words)
            if not found:
                continue
            since = _SINCE.search(sentence.of(text))
            clauses = segment.clauses(text, sentence, _list_breaks(text, found))
            quantified = {attach.clause_of(clauses, q.span) for q in found}
            in_sentence = [m for m in extraction.mentions
                           if sentence.start <= m.span.start and m.span.end <= sentence.end]
            roles_here = [r for r in extraction.roles if sentence.start <= r.evidence.start < sentence.end]
            kinds: dict[int, str] = {}
            for q in found:
                index = attach.clause_of(clauses, q.span)
                clause = clauses[index]
                links = attach.links(text, clauses, index, q, quantified, in_sentence, roles_here)
                parallel = any(link.rule == "parallel-clause" for link in links)
                kind = kinds[index - 1] if parallel and index - 1 in kinds else attach.kind(text, clause, sentence, q)
                kinds[index] = kind
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
                        clause=clause,
                        kind=kind,
                        links=links,
                    )
                )
    return indicators


def _list_breaks(text: str, found: list[Quantity]) -> frozenset[int]:
    """The 、 that separate two figures (建成中心743个、设置互助点8000个): each ends a clause."""
    ends = {q.span.end for q in found}
    starts = {q.span.start for q in found}
    return frozenset(i for i in ends | {s - 1 for s in starts} if 0 <= i < len(text) and text[i] == "、")


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
