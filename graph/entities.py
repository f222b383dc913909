"""Find the entities a report names: gazetteer entries, cited 《documents》, quoted programmes,
lists of departments and districts.

Known names come from the curation gazetteer; the patterns find names the gazetteer does not know
yet, so a new report still yields its documents, issuers, programmes and districts.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .curated import Curation, Entity
from .segment import Span

_CJK = r"\u4e00-\u9fff"
_DOC = re.compile(r"《([^《》]+)》")
_QUOTED = re.compile(r"“([^“”]{2,30})”")
_ISSUER_SUFFIX = re.compile(rf"[{_CJK}]{{2,14}}(?:办公厅|委员会|人民政府|政府|部|局|院|厅|委|署|办)$")
_TITLE_ISSUERS = re.compile(rf"^((?:[{_CJK}]{{2,14}}[\s、]+)*[{_CJK}]{{2,14}})关于")
_ISSUING_VERBS = ("修订出台", "印发", "出台", "制定", "编制", "发布", "修订")
_CO_ISSUE = re.compile(rf"联合([{_CJK}]{{2,14}}(?:、[{_CJK}]{{2,14}})*)(?:印发|出台|制定|发布)$")
_DEPARTMENTS = re.compile(rf"((?:[{_CJK}]{{2,8}}、)+[{_CJK}]{{2,8}})等(?:有关)?部门")
_DEPARTMENT_AND = re.compile(rf"([{_CJK}]{{2}})和其他有关部门")
_DISTRICTS = re.compile(rf"(?:[{_CJK}]{{2}}[区县市]、)+[{_CJK}]{{2}}[区县市]")
_LEADING_VERB = re.compile(r"^(?:明确|推动|加强|会同|联合|协调|组织|指导|由|与|和)")
_WHOLE_PLACE = ("全市", "本市", "全省", "本省")
# How a reform relates to a document it cites, from the verb of the citing clause: the last of these
# before the 《 wins (深入贯彻中共中央办公厅、国务院办公厅《…》 implements; 修订出台《…》 revises).
_RELATION_VERBS = (
    ("贯彻落实", "implements"), ("贯彻", "implements"), ("落实", "implements"), ("执行", "implements"),
    ("依据", "implements"), ("根据", "implements"), ("按照", "implements"),
    ("修订出台", "revises"), ("修订", "revises"), ("修改", "revises"),
    ("印发", "issues"), ("出台", "issues"), ("发布", "issues"), ("颁布", "issues"),
    ("制定", "drafts"), ("编制", "drafts"), ("起草", "drafts"), ("制订", "drafts"),
)


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


@dataclass(frozen=True)
class Citation:
    """One 《…》 citation: the document's title span, the agencies the text names as its issuers and
    how the citing clause relates to it (implements, issues, revises, drafts, or just cites)."""

    document: Mention
    issuers: tuple[Mention, ...]
    verb: str | None
    relation: str = "cites"
    clause: Span | None = None
    """The words that state the relation and the issuers: from the clause start to the 》."""


def slug_for(kind: str, name: str, curation: Curation) -> tuple[str, Entity | None]:
    entity = curation.by_name(kind).get(name)
    if entity is not None:
        return entity.slug, entity
    return "x-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10], None


def gazetteer(text: str, within: Span, curation: Curation, kind: str) -> list[Mention]:
    """Longest-first, non-overlapping matches of the curated names of one kind."""
    names = sorted(curation.by_name(kind).items(), key=lambda kv: -len(kv[0]))
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


def places(text: str, within: Span, curation: Curation, home: Entity) -> list[Mention]:
    """Curated places, districts in lists (巴南区、永川区、大足区), and 全市 as the report's own place."""
    found = gazetteer(text, within, curation, "place")
    known = {(m.span.start, m.span.end) for m in found}
    for m in _DISTRICTS.finditer(text, within.start, within.end):
        offset = m.start()
        for name in m.group(0).split("、"):
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


def agencies(text: str, within: Span, curation: Curation) -> list[Mention]:
    """Curated agencies plus departments named in lists (税务、财政等部门 → 税务部门, 财政部门)."""
    found = gazetteer(text, within, curation, "agency")

    def add(name: str, start: int) -> None:
        # 明确民政、规划自然资源…等部门: a verb glued to the first department is not part of its name.
        verb = _LEADING_VERB.match(name)
        if verb:
            name, start = name[verb.end() :], start + verb.end()
        span = Span(start, start + len(name))
        if any(f.span.start < span.end and span.start < f.span.end for f in found):
            return
        full = name + "部门"
        slug, entity = slug_for("agency", full, curation)
        if entity is None or not entity.ignore:
            found.append(Mention("agency", slug, full, span, entity))

    for m in _DEPARTMENTS.finditer(text, within.start, within.end):
        offset = m.start(1)
        for name in m.group(1).split("、"):
            add(name, offset)
            offset += len(name) + 1
    for m in _DEPARTMENT_AND.finditer(text, within.start, within.end):
        add(m.group(1), m.start(1))
    return sorted(found, key=lambda m: m.span.start)


def citations(text: str, within: Span, curation: Curation, publisher: Entity,
              own_title: str = "") -> list[Citation]:
    """Every 《…》 in the range with the issuers the text names and the citing verb's relation.

    An issuer is stated only where the text names one: in the title (民政部 国家乡村振兴局关于…),
    listed right before it (中共中央办公厅、国务院办公厅《…》) or as a co-issuer (联合市检察院印发《…》,
    where the other issuer is the reporting bureau itself). 制定《…》 alone names no issuer.
    The report's own title in 《》 is not a citation.
    """
    result = []
    previous_end = -1
    previous_verb: str | None = None
    previous_relation = "cites"
    for m in _DOC.finditer(text, within.start, within.end):
        title = m.group(1)
        if own_title and title == own_title:
            continue
        slug, entity = slug_for("document", title, curation)
        document = Mention("document", slug, title, Span(m.start(1), m.end(1)), entity)
        issuers: list[Mention] = []
        before_start = max(within.start, m.start() - 40)
        before = text[before_start : m.start()]
        chained = m.start() == previous_end
        verb = previous_verb if chained else _verb_before(before)
        clause_start = _clause_start(text, m.start(), within.start)
        relation = previous_relation if chained else _relation(text[clause_start : m.start()])
        # Issuers written in the title: 民政部 国家乡村振兴局关于…
        lead = _TITLE_ISSUERS.match(title)
        if lead:
            offset = m.start(1)
            for name in re.split(r"[\s、]+", lead.group(1)):
                start = text.index(name, offset)
                offset = start + len(name)
                issuers.append(_agency(name, Span(start, offset), curation))
        # Issuers written just before it: 中共中央办公厅、国务院办公厅《…》
        listed = re.search(rf"((?:[{_CJK}]+、)*[{_CJK}]+)$", before)
        if listed and not lead:
            offset = before_start + listed.start(1)
            for name in listed.group(1).split("、"):
                candidate = _strip_verb(name)
                if _ISSUER_SUFFIX.search(candidate):
                    start = offset + len(name) - len(candidate)
                    issuers.append(_agency(candidate, Span(start, start + len(candidate)), curation))
                offset += len(name) + 1
        # Co-issued: 联合市检察院印发《…》 — the co-issuer and the reporting agency.
        co = _CO_ISSUE.search(before)
        if co:
            offset = before_start + co.start(1)
            for name in co.group(1).split("、"):
                issuers.append(_agency(name, Span(offset, offset + len(name)), curation))
                offset += len(name) + 1
        if co:
            issuers.append(Mention("agency", publisher.slug, publisher.zh, Span(before_start + co.start(), m.start()), publisher))
        result.append(Citation(document, tuple(issuers), verb, relation, Span(clause_start, m.end())))
        previous_end, previous_verb, previous_relation = m.end(), verb, relation
    return result


def _clause_start(text: str, position: int, floor: int) -> int:
    """Where the clause holding `position` starts: after the last comma, semicolon or sentence end."""
    start = position
    while start > floor and text[start - 1] not in ",，;；。:：\n":
        start -= 1
    return start


def _relation(before: str) -> str:
    """The relation the citing clause's last verb states, or cites when it has none; of verbs that
    end at the same place the longest wins (修订出台 revises, though it ends in 出台)."""
    best, key = "cites", (-1, 0)
    for verb, relation in _RELATION_VERBS:
        i = before.rfind(verb)
        if i >= 0 and (i + len(verb), len(verb)) > key:
            best, key = relation, (i + len(verb), len(verb))
    return best


def programmes(text: str, within: Span, curation: Curation, kinds: dict[str, str]) -> list[Mention]:
    """Quoted names of mechanisms, programmes, platforms … (“时间银行”互助养老服务模式).

    `kinds` maps a trigger word (机制, 计划, 平台 …) to a programme-kind slug. A quoted phrase is a
    programme when the curation says so, when it ends in a trigger word (“重庆慈善周”), or when the
    noun phrase right after one of its quoted mentions does (“老吾老”计划). Once a programme, every
    quoted mention of the name counts. Slogans and place names in quotes are not programmes.
    """
    curated = curation.by_name("programme")
    excluded = set(curation.by_name("place")) | set(curation.by_name("target-group"))
    triggers = sorted(kinds, key=len, reverse=True)
    quoted = [m for m in _QUOTED.finditer(text, within.start, within.end) if m.group(1) not in excluded]
    kind_of: dict[str, str] = {}
    for m in quoted:
        name = m.group(1)
        entity = curated.get(name)
        if name in kind_of or entity is not None and entity.ignore:
            continue
        following = re.match(rf"[{_CJK}]{{0,12}}", text[m.end() : m.end() + 12]).group(0)
        kind = (entity.type if entity else None) or _kind(name, following, triggers, kinds)
        if kind is not None:
            kind_of[name] = kind
    found = []
    for m in quoted:
        name = m.group(1)
        if name in kind_of:
            slug, entity = slug_for("programme", name, curation)
            found.append(Mention("programme", slug, name, Span(m.start(1), m.end(1)), entity, kind_of[name]))
    for m in _LAUNCHED.finditer(text, within.start, within.end):
        name = m.group(1)
        if "“" in name:
            continue  # 实施安全生产处罚“季度清零”和执法量提升行动 coordinates two names; the quoted one is found
        entity = curated.get(name)
        if entity is not None and entity.ignore:
            continue
        kind = (entity.type if entity else None) or _kind(name, "", triggers, kinds)
        slug, entity = slug_for("programme", name, curation)
        found.append(Mention("programme", slug, name, Span(m.start(1), m.end(1)), entity, kind))
    return sorted(found, key=lambda m: m.span.start)


# An unquoted campaign or programme launched by name: 实施养老防诈骗专项行动, 推进…专项行动. The name
# ends its clause (so 实施…行动方案 is not one) and does not open with a quote (“老吾老”计划 is found
# as a quoted name).
_LAUNCHED = re.compile(
    rf"(?:实施|开展|推进|启动|组织开展|深入开展)((?!“)[{_CJK}“”]{{2,30}}?(?:行动|工程|计划))(?=[,，。;；、]|$)"
)


def _kind(name: str, following: str, triggers: list[str], kinds: dict[str, str]) -> str | None:
    for word in triggers:
        if name.endswith(word):
            return kinds[word]
    for end in range(len(following), 0, -1):
        for word in triggers:
            if following[:end].endswith(word):
                return kinds[word]
    return None


def _agency(name: str, span: Span, curation: Curation) -> Mention:
    slug, entity = slug_for("agency", name, curation)
    return Mention("agency", slug, name, span, entity)


def _verb_before(before: str) -> str | None:
    """The issuing verb written right before 《: 制定《…》, 联合市检察院印发《…》."""
    for verb in _ISSUING_VERBS:
        if before.endswith(verb):
            return verb
    return None


def _strip_verb(name: str) -> str:
    """深入贯彻中共中央办公厅 → 中共中央办公厅: drop the verb phrase glued to a listed issuer."""
    for verb in ("深入贯彻落实", "深入贯彻", "贯彻落实", "贯彻", "落实", "根据", "按照", "依据"):
        if verb in name:
            return name[name.rindex(verb) + len(verb) :]
    return name
