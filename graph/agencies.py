"""Agencies: curated bodies (their short forms only in their own place), departments in lists
(税务、财政等部门), and bodies found by their shape where a construction names them (会同省财政厅,
县民政局、县财政局联合印发, 省教育厅牵头), named in full in the report's own place (市财政局 in a Hefei
report is 合肥市财政局)."""
from __future__ import annotations

import re

from .curated import Curation
from .mentions import _CJK, Mention, gazetteer, slug_for
from .segment import Span, clauses, sentences, words_start

_DEPARTMENTS = re.compile(rf"((?:[{_CJK}]{{2,8}}、)+[{_CJK}]{{2,8}})等(?:有关)?部门")

_DEPARTMENT_AND = re.compile(rf"([{_CJK}]{{2}})和其他有关部门")

_LEADING_VERB = re.compile(r"^(?:明确|推动|加强|会同|联合|协调|组织|指导|由|与|和)")


def agencies(text: str, within: Span, curation: Curation, place: str | None = None,
             seat: str | None = None) -> list[Mention]:
    """Curated agencies, departments named in lists (税务、财政等部门 → 税务部门, 财政部门) and agencies
    found by their shape where a construction names them (会同省财政厅, 县民政局、县财政局联合印发,
    省教育厅牵头, 经市政府同意, 在市卫生健康委的指导下, a clause opening with 省人力资源社会保障厅…), and
    the departments of a lower level opening a clause (各市州应急管理部门…)."""
    found = gazetteer(text, within, curation, "agency", place)
    levels = _level_departments(text, within, curation)
    found = [f for f in found if not any(_inside(f.span, m.span) for m in levels)] + levels
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
               "人民法院", "法院", "人民检察院", "检察院", "总队", "大队", "支队", "厅", "局", "委", "办", "院", "中心", "部",
               "署")

_LEVEL = "省市县区州"

# The suffixes of administrative bodies, not of facilities (…服务中心, 福利院): where a name is cut
# from the words that follow it, only these end it.
_ADMINISTRATIVE_SUFFIX = tuple(s for s in _ORG_SUFFIX if s not in ("中心", "院"))

# Words that open with a level without naming a place: 县级, 市级 …, 区域, 县域.
_NOT_A_PLACE = re.compile(r"[省市县区州](?:级|域)")

# Words that a body's suffix begins (市场监管部门, 局长): a name does not end inside them.
_SUFFIX_WORDS = ("部门", "局长", "厅长", "院长", "委员", "办法", "处长")

# Nouns that end in a body's suffix without naming one: 军队离退休干部 is people, 部署 a plan, 全部 and
# 内部 are no ministry.
_NOT_BODIES = ("干部", "部署", "全部", "内部", "局部", "东部", "西部", "南部", "北部", "中部", "俱乐部")

_BEFORE_ORG = re.compile(r"(?:会同|联合|配合|协同|与|由|经|推动|指导|协调|商请|报请)$")

_AFTER_ORG = re.compile(r"^(?:牵头|配合|联合印发|联合出台|联合发布|印发|出台|发布|修订|同意|批准|共同|等)")

_SUBJECT_VERB = re.compile(r"^(?:深入贯彻落实|贯彻落实|深入贯彻|贯彻|落实|按照|根据|依据|推动|指导|支持|组织|引导|协调|会同|联合)")

# 在市卫生健康委的指导下…: the body that guides the work of its sentence acts in it.
_GUIDING_AFTER = re.compile(r"^的(?:统一)?(?:指导|统筹|支持|指导和支持)下")

# 各市州应急管理部门, 县级应急管理部门: the departments of a field at a level below the report's, named
# together as the subject of their clause.
_LEVEL_DEPARTMENTS = re.compile(rf"各?((?:[省市县区州乡镇]{{2,3}}|[省市县区]级)[{_CJK}]{{2,8}}?部门)")

_NAME_STOP = re.compile(r"牵头|配合|联合|会同|协同|共同|印发|出台|发布|修订|同意|批准|开展|实施|建成|举办|化解|制定|办理|将|把|对|为|在|向|的|等|和|与")


def _shaped_agencies(text: str, within: Span, curation: Curation, place: str | None,
                     known: list[Mention]) -> list[Mention]:
    found: list[Mention] = []
    taken = [(m.span.start, m.span.end) for m in known]
    for span in (c for s in sentences(text, within) for c in clauses(text, s)):
        clause_start, clause = span.start, span.of(text)
        offset = words_start(text, span) - clause_start
        candidates: list[tuple[int, str]] = []
        # Subject position: the clause opens with a body's name.
        candidates += _names_at(clause, offset)
        for m in re.finditer(r"会同|联合|配合|协同|与|由|经|推动|指导|协调|商请|报请|在", clause):
            candidates += _names_at(clause, m.end())
        for start, name in candidates:
            begin, end = clause_start + start, clause_start + start + len(name)
            if any(s < end and begin < e for s, e in taken):
                continue
            after = clause[start + len(name):]
            before = clause[:start]
            if not (start == offset or _BEFORE_ORG.search(before) or _AFTER_ORG.match(after)
                    or before.endswith("、") or after.startswith("、")
                    or (before.endswith("在") and _GUIDING_AFTER.match(after))):
                continue
            taken.append((begin, end))
            canonical = _in_place(name, place)
            slug, entity = slug_for("agency", canonical, curation)
            found.append(Mention("agency", slug, entity.zh if entity else canonical, Span(begin, end), entity))
    return found


def _level_departments(text: str, within: Span, curation: Curation) -> list[Mention]:
    """Departments of a lower level named together where a clause opens with them or after 会同/联合
    (各市州应急管理部门全面推行…, 县级应急管理部门会同民政部门…), as written without 各."""
    found = []
    for span in (c for s in sentences(text, within) for c in clauses(text, s)):
        opening = words_start(text, span)
        for m in _LEVEL_DEPARTMENTS.finditer(text, span.start, span.end):
            if m.start() != opening and not _BEFORE_ORG.search(text, span.start, m.start()):
                continue
            name = m.group(1)
            if _NAME_STOP.search(name):
                continue
            slug, entity = slug_for("agency", name, curation)
            found.append(Mention("agency", slug, entity.zh if entity else name, Span(m.start(1), m.end(1)), entity))
    return found


def _inside(inner: Span, outer: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _names_at(clause: str, start: int) -> list[tuple[int, str]]:
    """The 、-separated body names that begin at `start`: 省卫生健康委、省医保局印发 → both."""
    names = []
    while start < len(clause):
        stop = _NAME_STOP.search(clause, start)
        # 县教育和体育局, 区住房和城乡建设局: a 和 after words that end no body's name joins two fields
        # of one body's work (县民政局和县财政局 are two bodies).
        while stop and stop.group() == "和" and not _body_end(clause[start : stop.start()]):
            stop = _NAME_STOP.search(clause, stop.end())
        chunk_end = stop.start() if stop else len(clause)
        chunk = re.match(r"[\u4e00-\u9fff]+", clause[start:chunk_end])
        if not chunk:
            break
        name = chunk.group(0)
        verb = _SUBJECT_VERB.match(name)
        if verb:  # 贯彻退役军人事务部等…: the verb before a name is not part of it
            start += verb.end()
            name = name[verb.end():]
        if name[:1] in _LEVEL and not _is_body(name, len(name)):
            # 配合县人力资源社会保障局开发公益性岗位, 市民政局认真落实…部署: the words after a local
            # body's name are not part of it. A level used as an adjective (县级养老服务中心新增…,
            # 区域…) opens no body's name, and a facility (…中心, 福利院) is no body.
            name = "" if _NOT_A_PLACE.match(name) else name[: _body_end(name)]
        if not name or not (name[0] in _LEVEL or name.startswith(("国务院", "国家", "中共中央", "全国")) or name.endswith("部")):
            break
        if not _is_body(name, len(name)) or not 3 <= len(name) <= 16:
            break
        names.append((start, name))
        start += len(name)
        if clause[start:start + 1] != "、":
            break
        start += 1
    return names


def _is_body(words: str, end: int) -> bool:
    """Whether words[:end] ends as a body's name does: in a suffix (…局, …委员会), not in a noun that
    ends in one (干部, 部署) nor inside a word a suffix begins (部门, 局长)."""
    return (words[:end].endswith(_ORG_SUFFIX) and not words[:end].endswith(_NOT_BODIES)
            and words[end - 1 : end + 1] not in _SUFFIX_WORDS)


def title_author(title: str) -> str | None:
    """The body a report's title opens with, as the title writes it: 广东省残联 in
    2023年广东省残联重点改革工作综述 (its publisher is 广东省残疾人联合会); None when it opens with none."""
    words = re.match(rf"(?:\d{{4}}年)?([{_CJK}]+)", title)
    end = _body_end(words.group(1)) if words and words.group(1)[:1] not in _LEVEL else 0
    return words.group(1)[:end] if end else None


def _body_end(words: str) -> int:
    """Where the administrative body's name that opens `words` ends: at the first suffix that no
    longer one follows within three characters (市人民政府办公室转发 → 市人民政府办公室, not 市人民政府);
    0 if none."""
    def ends(end: int) -> bool:
        return _is_body(words, end) and words[:end].endswith(_ADMINISTRATIVE_SUFFIX)

    for end in range(3, min(len(words), 16) + 1):
        if ends(end) and not any(ends(j) for j in range(end + 1, min(len(words), end + 3) + 1)):
            return end
    return 0


def _in_place(name: str, place: str | None) -> str:
    """市财政局 in a Hefei report is 合肥市财政局: a local body named without its place, at the report's
    own level (`place` is the report's place with its level: 合肥市, 江西省, 安吉县), takes the report's
    place. A body of another level (省财政厅 in a city's report) keeps the name the text gives it."""
    if place and len(place) > 1 and name[0] == place[-1] and not name.startswith(place):
        return place + name[1:]
    return name
