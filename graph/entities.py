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
_DEPARTMENTS = re.compile(rf"((?:[{_CJK}]{{2,8}}、)+[{_CJK}]{{2,8}})等(?:有关)?部门")
_DEPARTMENT_AND = re.compile(rf"([{_CJK}]{{2}})和其他有关部门")
_DISTRICTS = re.compile(rf"(?![在于])(?:[{_CJK}]{{2}}[区县市]、)+[{_CJK}]{{2}}[区县市]")
# A place list after 在 (在景德镇市、九江市开展…, 在威宁自治县、赫章县推广…): whole names of towns, counties,
# districts and cities, each the longest that ends in its level.
# A one-character stem is a name (攸县) unless it is a word of scope (全市, 本县, 城市, 各区).
_PLACE_NAME = rf"(?![全本城该各同此我])[{_CJK}]{{1,6}}(?:自治县|自治州|新区|区|县|市|镇|乡)"
_IN_PLACES = re.compile(rf"(?:在|于)((?:{_PLACE_NAME}、)*{_PLACE_NAME})")
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
    broader: tuple[str, ...] = ()
    """Slugs of known groups a group found by its shape is narrower than (独居老年人 → 老年人)."""


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


# What a group of people is called ends in one of these (困境儿童, 独居老年人, 防止返贫监测对象 …).
_GROUP_HEADS = ("儿童", "老年人", "老人", "人员", "对象", "家庭", "群众", "人口", "患者", "孤儿", "残疾人", "退役军人",
                "军人", "妇女", "青少年", "学生", "未成年人", "居民", "职工", "农民工", "脱贫户", "低保户", "困难户")
_GROUP_STOP = set("为对向给将把在和与及或等的了是有、，,。；;：:（）()“”《》0123456789.%万亿名户个")
# Heads that name a group on their own; 家庭, 人员, 对象 … alone name none.
_BARE_GROUPS = ("孤儿", "退役军人", "军人", "残疾人", "老年人", "未成年人", "妇女", "青少年", "农民工", "脱贫户", "低保户",
                 "困难户")
# Words a group's name never holds: a verb of the work done for it (走访留守儿童 → 留守儿童), the name
# of a body or a campaign before it (举办退役军人专场 …). The name starts after the last of them.
_GROUP_CUT = re.compile(
    r"走访|帮助|惠及|服务|安置|接收|吸纳|救助|资助|关爱|发放|提供|建立|建成|建设|举办|化解|受理|贯彻|促进|健全|深化|"
    r"推行|完善|推动|做好|提高|开展|实施|落实|加强|推进|强化|培育|组织|引导|支持|保障|覆盖|纳入|行动|项目|工程|计划|"
    r"专项|配合|联合|会同|涉|全市|全省|全县|全区|全年|\d+年|局|厅|委|办|部|院|政府|残联|以上|以下|周岁|岁|符合条件|"
    r"经济困难|有意愿|新增|新时代|确保|拖欠|根治|织密|织牢|形成|打造|设立|调整|核算|影响|从业|工作|管理|执法|经营|护理|志愿|"
    r"[省市县区]")
# What may stand before a known group to name a narrower one (独居老年人, 一级重度残疾人); any other word
# before it (确保困难群众, 打造重庆未成年人) is the sentence's, and the known group is the mention.
_NARROWING = re.compile(r"^(?:防止返贫|重度|中度|轻度|困难|失能|半失能|失智|独居|空巢|高龄|留守|特殊困难|农村|"
                        r"城市|城乡|低保|特困|孤寡|散居|经济困难|贫困|低收入|适龄|无人抚养|精神|智力|肢体|视力|听力)+$")
# A head followed by one of these is part of another noun (儿童主任, 儿童督导员), not a group.
_NOT_A_GROUP_AFTER = ("主任", "督导员", "工作者", "福利机构", "之家")


def groups(text: str, within: Span, curation: Curation) -> list[Mention]:
    """Curated target groups, and groups found by their shape: a short noun phrase ending in a word
    that names people (…儿童, …老年人, …人员, …对象, …家庭 …). A shaped name that ends in a known
    group's name is narrower than it (留守儿童家庭 is not, 独居老年人 is narrower than 老年人)."""
    found = gazetteer(text, within, curation, "target-group")
    known = curation.by_name("target-group")
    heads = "|".join(sorted(_GROUP_HEADS, key=len, reverse=True))
    shaped: list[Mention] = []
    for m in re.finditer(heads, text[within.start : within.end]):
        end = within.start + m.end()
        start = within.start + m.start()
        while start > within.start and end - start < 10 and text[start - 1] not in _GROUP_STOP \
                and "\u4e00" <= text[start - 1] <= "\u9fff":
            start -= 1
        modifier = text[start : within.start + m.start()]
        cuts = list(_GROUP_CUT.finditer(modifier))
        if cuts:
            start += cuts[-1].end()
        name = text[start:end]
        if name == m.group(0) and name not in _BARE_GROUPS:
            continue  # a bare head (家庭, 人员, 对象) names no group
        if name in known or len(name) < 2:
            continue  # the gazetteer has it
        span = Span(start, end)
        if any(s.span.start <= span.start and span.end <= s.span.end for s in shaped):
            continue
        shaped = [s for s in shaped if not (span.start <= s.span.start and s.span.end <= span.end)]
        inner = [g for g in found if span.start <= g.span.start and g.span.end <= span.end]
        broader = tuple(dict.fromkeys(g.slug for g in inner if g.span.end == span.end))
        if broader:
            tail = min(g.span.start for g in inner if g.span.end == span.end)
            if not _NARROWING.match(text[start:tail]):
                continue  # 确保困难群众: the known group is the mention
        elif text[end : end + 4].startswith(_NOT_A_GROUP_AFTER):
            continue
        if text[start - 1 : start] == "“" and text[end : end + 1] == "”":
            continue  # a quoted name (“机构建中心带站进家庭”) is a programme's, not a group's
        found = [g for g in found if g not in inner]
        slug, entity = slug_for("target-group", name, curation)
        shaped.append(Mention("target-group", slug, name, span, entity, broader=broader))
    return sorted(found + shaped, key=lambda m: m.span.start)


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


def agencies(text: str, within: Span, curation: Curation, place: str | None = None,
             seat: str | None = None) -> list[Mention]:
    """Curated agencies, departments named in lists (税务、财政等部门 → 税务部门, 财政部门) and agencies
    found by their shape where a construction names them (会同省财政厅, 县民政局、县财政局联合印发,
    省教育厅牵头, 经市政府同意, a clause opening with 省人力资源社会保障厅…)."""
    found = gazetteer(text, within, curation, "agency", place)
    found += _shaped_agencies(text, within, curation, seat or place, found)

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


# The names of government bodies end in one of these; a local one starts with its level (省财政厅,
# 市卫生健康委, 县民政局), a national one with 国务院/国家/中共中央/全国 or is a ministry (…部).
_ORG_SUFFIX = ("人民政府", "政府", "办公厅", "办公室", "常委会", "委员会", "卫生健康委", "残联", "妇联", "总工会",
               "人民法院", "法院", "人民检察院", "检察院", "厅", "局", "委", "办", "院", "中心", "部", "署")
_LEVEL = "省市县区州"
_BEFORE_ORG = re.compile(r"(?:会同|联合|配合|协同|与|由|经|推动|指导|协调|商请|报请)$")
_AFTER_ORG = re.compile(r"^(?:牵头|配合|联合印发|联合出台|联合发布|印发|出台|发布|修订|同意|批准|共同|等)")
_ITEM_MARK = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[①-⑳]|[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，,、])")
_SUBJECT_VERB = re.compile(r"^(?:深入贯彻落实|贯彻落实|深入贯彻|贯彻|落实|按照|根据|依据|推动|指导|支持|组织|引导|协调|会同|联合)")
_NAME_STOP = re.compile(r"牵头|配合|联合|共同|印发|出台|发布|修订|同意|批准|开展|实施|建成|举办|化解|制定|办理|将|把|对|为|在|向|的|等|和|与")


def _shaped_agencies(text: str, within: Span, curation: Curation, place: str | None,
                     known: list[Mention]) -> list[Mention]:
    found: list[Mention] = []
    taken = [(m.span.start, m.span.end) for m in known]
    for clause_start, clause_end in _clause_bounds(text, within):
        clause = text[clause_start:clause_end]
        lead = _ITEM_MARK.match(clause)
        offset = lead.end() if lead else 0
        candidates: list[tuple[int, str]] = []
        # Subject position: the clause opens with a body's name.
        candidates += _names_at(clause, offset)
        for m in re.finditer(r"会同|联合|配合|协同|与|由|经|推动|指导|协调|商请|报请", clause):
            candidates += _names_at(clause, m.end())
        for start, name in candidates:
            begin, end = clause_start + start, clause_start + start + len(name)
            if any(s < end and begin < e for s, e in taken):
                continue
            after = clause[start + len(name):]
            before = clause[:start]
            if not (start == offset or _BEFORE_ORG.search(before) or _AFTER_ORG.match(after)
                    or before.endswith("、") or after.startswith("、")):
                continue
            taken.append((begin, end))
            canonical = _in_place(name, place)
            slug, entity = slug_for("agency", canonical, curation)
            found.append(Mention("agency", slug, entity.zh if entity else canonical, Span(begin, end), entity))
    return found


def _names_at(clause: str, start: int) -> list[tuple[int, str]]:
    """The 、-separated body names that begin at `start`: 省卫生健康委、省医保局印发 → both."""
    names = []
    while start < len(clause):
        stop = _NAME_STOP.search(clause, start)
        chunk_end = stop.start() if stop else len(clause)
        chunk = re.match(r"[\u4e00-\u9fff]+", clause[start:chunk_end])
        if not chunk:
            break
        name = chunk.group(0)
        verb = _SUBJECT_VERB.match(name)
        if verb:  # 贯彻退役军人事务部等…: the verb before a name is not part of it
            start += verb.end()
            name = name[verb.end():]
        if not name or not (name[0] in _LEVEL or name.startswith(("国务院", "国家", "中共中央", "全国")) or name.endswith("部")):
            break
        if not name.endswith(_ORG_SUFFIX) or not 3 <= len(name) <= 16:
            break
        names.append((start, name))
        start += len(name)
        if clause[start:start + 1] != "、":
            break
        start += 1
    return names


def _in_place(name: str, place: str | None) -> str:
    """市财政局 in a Hefei report is 合肥市财政局: a local body named without its place, at the report's
    own level (`place` is the report's place with its level: 合肥市, 江西省, 安吉县), takes the report's
    place. A body of another level (省财政厅 in a city's report) keeps the name the text gives it."""
    if place and len(place) > 1 and name[0] == place[-1] and not name.startswith(place):
        return place + name[1:]
    return name


def _clause_bounds(text: str, within: Span):
    start = within.start
    for i in range(within.start, within.end):
        if text[i] in ",，;；。:：\n":
            if i > start:
                yield start, i
            start = i + 1
    if start < within.end:
        yield start, within.end


def citations(text: str, within: Span, curation: Curation, publisher: Entity,
              own_title: str = "", agencies: list[Mention] = ()) -> list[Citation]:
    """Every 《…》 in the range with the issuers the text names and the citing verb's relation.

    An issuer is stated only where the text names one: in the title (民政部 国家乡村振兴局关于…),
    listed right before it (中共中央办公厅、国务院办公厅《…》), as the subject of the issuing verb
    (国务院办公厅印发的《…》, 县民政局、县财政局联合印发《…》, 推动省人大常委会修订《…》) or as a co-issuer
    (联合市检察院印发《…》, 会同省财政厅印发《…》: the reporting bureau, only implied, is not stated).
    制定《…》 alone names no issuer. `agencies` are the agency mentions found in the text.
    The report's own title in 《》 is not a citation.
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
        # Agencies the clause names as issuing it: a chain of names ending right before the issuing
        # verb (印发, 联合印发的, 修订 …) or the 《 itself.
        chain = [] if lead else _issuing_chain(text, clause_start, m.start(), agencies)
        co_issued = bool(chain) and bool(_CO_BEFORE.search(text[clause_start : chain[0].span.start]))
        if co_issued and not _ISSUING_GAP_VERB.search(text[chain[-1].span.end : m.start()]):
            chain, co_issued = [], False  # 联合市卫生健康委建成…: acting together, not issuing
        # 联合X印发 names X; the reporting bureau is only implied, so it is not stated as an issuer
        # (the measure that issues the document is the bureau's, through its publisher role).
        issuers.extend(chain)
        # Issuers written just before it that no pattern knows as agencies: …办公厅、…委员会《…》
        listed = re.search(rf"((?:[{_CJK}]+、)*[{_CJK}]+)$", before)
        if listed and not lead and not chain:
            offset = before_start + listed.start(1)
            for name in listed.group(1).split("、"):
                candidate = _strip_verb(name)
                if _ISSUER_SUFFIX.search(candidate):
                    start = offset + len(name) - len(candidate)
                    issuers.append(_agency(candidate, Span(start, start + len(candidate)), curation))
                offset += len(name) + 1
        issuers = list({(i.slug): i for i in issuers}.values())
        result.append(Citation(document, tuple(issuers), verb, relation, Span(clause_start, m.end())))
        previous_end, previous_verb, previous_relation = m.end(), verb, relation
    return result


_CO_BEFORE = re.compile(r"(?:联合|会同|协同)$")
_ISSUING_GAP = re.compile(r"^(?:[、\s和]|等\d*个?部门)*(?:联合|共同)?(?:印发|出台|发布|修订|制定|制订|颁布)?的?$")
_ISSUING_GAP_VERB = re.compile(r"(?:印发|出台|发布|修订|制定|制订|颁布)的?$")


def _issuing_chain(text: str, clause_start: int, bracket: int, agencies: list[Mention]) -> list[Mention]:
    """The agencies that issue the document whose 《 is at `bracket`: the names right before it,
    joined by 、 and followed only by an issuing verb (国务院办公厅印发的《, 退役军人事务部等12部门联合印发的《)."""
    before = sorted((a for a in agencies if clause_start <= a.span.start and a.span.end <= bracket),
                    key=lambda a: a.span.start)
    chain: list[Mention] = []
    position = bracket
    for agency in reversed(before):
        gap = text[agency.span.end : position]
        if (not chain and _ISSUING_GAP.match(gap)) or (chain and re.fullmatch(r"[、\s和]", gap)):
            chain.insert(0, agency)
            position = agency.span.start
        else:
            break
    return chain


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
        for m in re.finditer(verb, before):
            i = m.start()
            if before[m.end() : m.end() + 1] == "的":
                continue  # 贯彻国务院办公厅印发的《…》: 印发的 says what the issuer did, not the reform
            if (i + len(verb), len(verb)) > key:
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
        if kind is None and _LAUNCH_BEFORE.search(text[_clause_start(text, m.start(), within.start) : m.start()]):
            # 推行“一网通办”, 建立“一人一档”: a programme of no kind the words name.
            kind = next((k for k in kinds.values() if k.endswith("/programme")), None)
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


# Verbs that launch or run what follows them: a quoted name after one is a programme, however it
# ends (推行社会救助“一网通办”, 通过“村民说事”协商, 组建“银发先锋”志愿服务队). 实现/确保 state goals, so a
# quoted slogan after them (确保困难群众“进一个门、办所有事”) is not one.
_LAUNCH_BEFORE = re.compile(r"(?:推行|实施|开展|推广|打造|建立|创设|创建|举办|设立|推进|试点|依托|通过|组建|启动|"
                            r"上线|建设|运用|搭建)[^，,。；;“”]{0,12}$")


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
