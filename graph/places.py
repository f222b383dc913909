"""Places: curated names, districts in lists, the places after 在 (在景德镇市、九江市开展…), and
全市/全省 as the report's own place."""
from __future__ import annotations

import re

from .curated import Curation, Entity
from .mentions import _CJK, Mention, gazetteer, slug_for
from .segment import Span

_DISTRICTS = re.compile(rf"(?![在于])(?:[{_CJK}]{{2}}[区县市]、)+[{_CJK}]{{2}}[区县市]")

# A place list after 在 (在景德镇市、九江市开展…, 在威宁自治县、赫章县推广…): whole names of towns, counties,
# districts and cities, each the longest that ends in its level.
# A one-character stem is a name (攸县) unless it is a word of scope (全市, 本县, 城市, 各区).
_PLACE_NAME = rf"(?![全本城该各同此我])[{_CJK}]{{1,6}}(?:自治县|自治州|新区|区|县|市|镇|乡)"

_IN_PLACES = re.compile(rf"(?:在|于)((?:{_PLACE_NAME}、)*{_PLACE_NAME})")

_WHOLE_PLACE = ("全市", "本市", "全省", "本省")

# A place in the noun phrase that names the bodies a measure engages (山东及其它东部省(市)社会组织, 浙江企业,
# 北京的高校) says where they come from, not where the measure happens: graph/rdf.py links it by
# rkg:bodiesFrom, not dcterms:spatial. The phrase runs to the body's head noun without a clause break or a verb of action.
_ORIGIN = re.compile(r"(?:(?:及|和|与|、)(?:其[它他])?[^，,。；;：:“”（）开组实推建举在于]{0,8}?)?"
                     r"(?:省|市|地区)?(?:\(市\)|（市）)?的?(?:社会组织|企业|高校|院校|慈善组织|基金会)")


def names_origin(text: str, end: int, limit: int) -> bool:
    """Whether the place ending at `end` says where the bodies named after it come from (_ORIGIN),
    within text[:limit] (its clause)."""
    return _ORIGIN.match(text, end, limit) is not None


def places(text: str, within: Span, curation: Curation, home: Entity) -> list[Mention]:
    """Curated places, districts in lists (巴南区、永川区、大足区), and 全市 as the report's own place."""
    found = gazetteer(text, within, curation, "place")
    known = {(m.span.start, m.span.end) for m in found}
    lists = [(m.start(1), m.group(1)) for m in _IN_PLACES.finditer(text, within.start, within.end)]
    lists += [(m.start(), m.group(0)) for m in _DISTRICTS.finditer(text, within.start, within.end)
              if not any(start <= m.start() < start + len(names) for start, names in lists)]
    for list_start, names in lists:
        offset = list_start
        for name in names.split("、"):
            span = Span(offset, offset + len(name))
            offset = span.end + 1
            if (span.start, span.end) in known or any(
                f.span.start <= span.start < f.span.end for f in found
            ):
                continue
            slug, entity = slug_for("place", name, curation)
            found.append(Mention("place", slug, name, span, entity))
    for word in _WHOLE_PLACE:
        for m in re.finditer(word, text[within.start : within.end]):
            span = Span(within.start + m.start(), within.start + m.end())
            found.append(Mention("place", home.slug, word, span, home))
    return sorted(found, key=lambda m: m.span.start)
