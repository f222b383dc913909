"""What every kind of entity the text names shares: a mention (a name at a span, with its curated
entity where the curation knows it), the slug of its IRI, and the gazetteer of curated names.

Known names come from the curation; graph/groups.py, places.py, agencies.py, citations.py and
programmes.py add the names their patterns find, so a new report still yields its entities.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .curated import Curation, Entity
from .segment import Span

_CJK = r"\u4e00-\u9fff"


@dataclass(frozen=True)
class Mention:
    kind: str
    slug: str
    name: str
    span: Span
    entity: Entity | None
    """The curated entity, or None for a name only the patterns found."""
    type: str | None = None
    """The programme kind, for programme mentions."""
    broader: tuple[str, ...] = ()
    """Slugs of known groups a group found by its shape is narrower than (独居老年人 → 老年人)."""


def slug_for(kind: str, name: str, curation: Curation) -> tuple[str, Entity | None]:
    entity = curation.by_name(kind).get(name)
    if entity is not None:
        return entity.slug, entity
    return "x-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10], None


def gazetteer(text: str, within: Span, curation: Curation, kind: str, place: str | None = None) -> list[Mention]:
    """Longest-first, non-overlapping matches of the curated names of one kind.

    A short form that only names a local body in its own place (市政府 is 重庆市人民政府 in a Chongqing
    report, and 合肥市人民政府 in a Hefei one) applies only to reports of that place."""
    names = sorted(
        ((name, e) for name, e in curation.by_name(kind).items()
         if name == e.zh or e.place is None or place is None or e.place == place),
        key=lambda kv: -len(kv[0]),
    )
    taken: list[tuple[int, int]] = []
    found = []
    for name, entity in names:
        if entity.ignore:
            continue
        for m in re.finditer(re.escape(name), text[within.start : within.end]):
            start, end = within.start + m.start(), within.start + m.end()
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            found.append(Mention(kind, entity.slug, name, Span(start, end), entity))
    found.extend(_ellipses(text, found, curation, kind, taken))
    return sorted(found, key=lambda m: m.span.start)

# The shared head nouns of coordinated names: 重残、重病人员 is 重残人员 and 重病人员.
_HEADS = ("人员", "对象", "家庭", "儿童", "老年人", "政府", "部门")


def _ellipses(text: str, found: list[Mention], curation: Curation, kind: str,
              taken: list[tuple[int, int]]) -> list[Mention]:
    """Names whose head noun the text leaves to the next conjunct: in 重残、重病人员 and 市、区县政府
    the first name is 重残人员 and 市政府. A conjunct is a known name once the head is added."""
    known = curation.by_name(kind)
    extra = []
    for mention in found:
        head = next((h for h in _HEADS if mention.name.endswith(h)), None)
        if head is None:
            continue
        cursor = mention.span.start
        while cursor >= 2 and text[cursor - 1] == "、":
            j = cursor - 1
            while j > 0 and "\u4e00" <= text[j - 1] <= "\u9fff" and cursor - 1 - j < 4:
                j -= 1
            candidates = [j + k for k in range(0, cursor - 1 - j)]
            hit = None
            for start in candidates:  # longest modifier first
                entity = known.get(text[start : cursor - 1] + head)
                if entity is not None and not entity.ignore:
                    hit = start, entity
                    break
            if hit is None or any(s < cursor - 1 and hit[0] < e for s, e in taken):
                break
            start, entity = hit
            span = Span(start, cursor - 1)
            taken.append((span.start, span.end))
            extra.append(Mention(kind, entity.slug, text[start : cursor - 1] + head, span, entity))
            cursor = start
    return extra
