"""Attach to each reported figure the entities its own clause states, and say what kind of figure it is.

A sentence is split into clauses (segment.clauses). A figure links to the target groups, acting
agencies, programmes and places named in its own clause. It inherits from another clause of the same
sentence only by one of these rules, each recorded on the link with the words that support it:

- parallel-clause: a clause that repeats the previous clause's verb and names no group of its own is
  an ellipsis of it (一级重度残疾人护理补贴达到90元、二级达到80元: 二级 is 二级重度残疾人);
- shared-head: a figure whose noun is left to the next item of a list names that item's groups
  (1个市级、40个区县级未成年人保护中心);
- change-of-previous: a clause that states only a change (同比增长8.6%, 比上年增加…) names the groups
  of the figure whose change it is, in the clause before (全年帮助退役军人实现就业3000人以上,同比增长8.6%);
- counted-persons: a figure counted in people (人, 名, 人次, 户) whose clause names no group counts the
  person groups named last before it in the sentence, not the households they live in (对…重病、重残人员…纳入低保,2022年累计纳入保障4878人);
  a count of households (户) counts household groups (…家庭) or groups counted either way (…对象), never
  a population (开展低收入人口排查,入户走访两万多户);
- sentence-topic: a figure whose clause names no programme belongs to the programme the sentence names
  first (实施养老防诈骗专项行动,共排查养老机构6115家,…,完成资金清退2个), unless a clause from there to
  the figure opens with the whole year or area (全年…, 全县…: their totals, not the programme's), or the
  programme is only the means of its own clause's verb (通过…提升行动建设床位3000张,为…安装设备5万台);
- sentence-subject: a figure whose clause names no acting agency is done by the agencies that open the
  sentence, or a later clause that states no figure, as its subject, alone or in a list (省财政厅下达资金
  3亿元,支持…1200个; 三是壮大人才队伍,省人社厅将…纳入…,全年培训…1.1万人次; 省教育厅、省卫健委联合…),
  after 由/在/各 (由省水利厅、省自然资源厅分别负责…; 在应急管理部的指导下…; 各市州应急管理部门…), with
  the bodies the subject acts together with (县级应急管理部门会同民政部门…); the publisher in that list
  keeps its one role, and a subject that only helps (县大数据局配合建设…) is the subject of none.
  An agency opening a clause within a list of results is the subject of that clause's figure only.

Groups, agencies and places are never inherited across sentences; agencies never from an object
position (移交其他相关部门23个 is not done by the departments, 公安机关立案侦查1个 is).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .mentions import Mention
from .quantities import Quantity
from .roles import Role
from .segment import Span, words_start

PERSON_UNITS = frozenset(("人", "名", "人次", "户", "户次", "位"))
# A verb that sets a level, before the figure or the per-person unit it is paid in (提高到每人每月180元).
_VERB = re.compile(r"(提高到|提高至|达到|达|为|增至|调整为|调整到|提升至|提升到)"
                   r"(?=(?:每人每月|每人每年|每月|每年|人均)?[\d一二三四五六七八九十百千万亿两零〇])")


@dataclass(frozen=True)
class Link:
    kind: str
    """agency | target-group | programme | place"""
    mention: Mention
    evidence: Span
    """The words that state the link: the figure's clause, or the clauses from the one it inherits from."""
    rule: str
    """own-clause | parallel-clause | shared-head | change-of-previous | counted-persons | sentence-topic |
    sentence-subject"""


def clause_of(clauses: list[Span], span: Span) -> int:
    for i, clause in enumerate(clauses):
        if clause.start <= span.start < clause.end:
            return i
    raise ValueError(f"no clause holds {span}")


def links(text: str, clauses: list[Span], index: int, quantity: Quantity, quantified: set[int],
          mentions: list[Mention], roles: list[Role]) -> list[Link]:
    """The entities linked to the figure in clauses[index]; `quantified` are the indexes of the
    sentence's clauses that hold a figure; `mentions` are the sentence's mentions outside 《》."""
    clause = clauses[index]

    def within(c: Span, kind: str) -> list[Mention]:
        return [m for m in mentions if m.kind == kind and c.start <= m.span.start and m.span.end <= c.end]

    acting = {(r.agency.span.start, r.agency.span.end) for r in roles if r.role != "publisher"}

    def agents(c: Span) -> list[Mention]:
        return [m for m in within(c, "agency") if (m.span.start, m.span.end) in acting]

    found: list[Link] = []
    for kind in ("target-group", "place"):
        found += [Link(kind, m, clause, "own-clause") for m in within(clause, kind) if not _quoted(text, m)]
    groups = within(clause, "target-group")
    if not groups and index > 0 and index - 1 in quantified:
        previous = clauses[index - 1]
        if _verb(text, previous) and _verb(text, previous) == _verb(text, clause):
            found += [Link("target-group", m, Span(previous.start, clause.end), "parallel-clause")
                      for m in within(previous, "target-group")]
            groups = within(previous, "target-group")
    if not groups and index - 1 in quantified and _CHANGE_ONLY.match(text, words_start(text, clause), clause.end):
        previous = clauses[index - 1]
        found += [Link("target-group", m, Span(previous.start, clause.end), "change-of-previous")
                  for m in within(previous, "target-group")]
        groups = within(previous, "target-group")
    if not groups and index + 1 in quantified and _modifier_only(text, clause, quantity):
        following = clauses[index + 1]
        found += [Link("target-group", m, Span(clause.start, following.end), "shared-head")
                  for m in within(following, "target-group")]
        groups = within(following, "target-group")
    if not groups and quantity.unit in PERSON_UNITS:
        for j in range(index - 1, -1, -1):
            earlier = within(clauses[j], "target-group")
            if quantity.unit in _HOUSEHOLD_UNITS:  # 入户走访两万多户 counts no 低收入人口
                earlier = [m for m in earlier if m.name.endswith(_HOUSEHOLDS + _PERSONS_OR_HOUSEHOLDS)]
            else:
                persons = [m for m in earlier if not m.name.endswith(_HOUSEHOLDS)]
                earlier = persons or earlier
            if earlier:
                found += [Link("target-group", m, Span(clauses[j].start, clause.end), "counted-persons")
                          for m in earlier]
                break
    own = agents(clause)
    found += [Link("agency", m, clause, "own-clause") for m in own]
    # 公安机关立案侦查1个 within a list of results is the subject of its own figure only.
    openers = [j for j in range(index - 1, -1, -1) if j == 0 or j not in quantified] if not own else []
    for j in openers:
        subject = _subjects(text, words_start(text, clauses[j]), within(clauses[j], "agency"))
        if subject:
            # The publisher opening the sentence with another body (县卫生健康局、县教育和体育局分别…)
            # keeps its one role; the other acts.
            found += [Link("agency", m, Span(clauses[j].start, clause.end), "sentence-subject")
                      for m in subject if (m.span.start, m.span.end) in acting]
            break
    programmes = within(clause, "programme")
    found += [Link("programme", m, clause, "own-clause") for m in programmes]
    if not programmes:
        # A clause opening with 全年/全县… reports the whole year's or area's total, and the clauses
        # after it go on with that total: a programme named before it is no longer their topic.
        for j in range(index):
            earlier = [m for m in within(clauses[j], "programme") if not _example(text, m) and not _means(text, m)]
            if earlier:
                if not any(_opens_with_scope(text, clauses[k]) for k in range(j + 1, index + 1)):
                    found += [Link("programme", m, Span(clauses[j].start, clause.end), "sentence-topic")
                              for m in earlier[:1]]
                break
    unique: dict[tuple[str, str], Link] = {}
    for link in found:
        unique.setdefault((link.kind, link.mention.slug), link)
    return list(unique.values())


_HOUSEHOLDS = ("家庭", "户")
_HOUSEHOLD_UNITS = ("户", "户次")
# Groups whose members may be counted as persons or as households (监测对象 are households).
_PERSONS_OR_HOUSEHOLDS = ("对象", "群众")

# A clause that opens with the year it compares against states only how the figure before it changed.
_CHANGE_ONLY = re.compile(r"(?:同比|比上年|较上年|比去年|较去年|比\d{4}年|较\d{4}年)")

_SCOPE = re.compile(r"全(?:年|[省市县区州国])")


def _opens_with_scope(text: str, clause: Span) -> bool:
    """全年受理…, 全县建成…, ②全省慈善组织…: the clause counts the whole year or the whole area."""
    return bool(_SCOPE.match(text, words_start(text, clause), clause.end))


def _subjects(text: str, opening: int, agencies: list[Mention]) -> list[Mention]:
    """The agencies that open a clause as its subject: the one at `opening`, also after 由, 在 or 各
    (由省水利厅负责…, 在应急管理部的指导下…, 各市州应急管理部门…), those joined to it (省人社厅、省财政厅
    联合开展…, 县残联和县教育局共同…) and the bodies it acts together with (县级应急管理部门会同民政部门…).
    None when the subject only helps (县大数据局配合建设…): the later figures are the work it helps."""
    if text[opening : opening + 1] in _SUBJECT_MARKS:
        opening += 1
    subjects: list[Mention] = []
    ordered = sorted(agencies, key=lambda m: m.span.start)
    for m in ordered:
        if m.span.start == opening or (subjects and m.span.start == subjects[-1].span.end + 1
                                       and text[subjects[-1].span.end] in "、和与及"):
            subjects.append(m)
    if not subjects or text.startswith(_HELPS, subjects[-1].span.end):
        return []
    together = subjects[-1].span.end
    if text.startswith(_TOGETHER, together):
        cursor = together + 2
        for m in ordered:
            if m.span.start == cursor:
                subjects.append(m)
                cursor = m.span.end + 1 if text[m.span.end : m.span.end + 1] == "、" else -1
    return subjects


_SUBJECT_MARKS = ("由", "在", "各")
_HELPS = ("配合", "协助")
_TOGETHER = ("会同", "联合", "协同")


def _modifier_only(text: str, clause: Span, quantity: Quantity) -> bool:
    """1个市级 in 1个市级、40个区县级未成年人保护中心: the figure's noun is the next item's."""
    rest = text[quantity.span.end : clause.end]
    return bool(rest) and len(rest) <= 4 and rest.endswith("级")


def _example(text: str, mention: Mention) -> bool:
    """“渝康家园”等康复机构 names an example of what is counted, not the sentence's programme."""
    return text[mention.span.end : mention.span.end + 2] in ("”等", "等")


_MEANS = re.compile(r"(?:通过|依托|借助)(?:实施|开展)?“?$")


def _means(text: str, mention: Mention) -> bool:
    """通过…提升行动建设床位3000张, 为…安装设备5万台: a programme named as the means of its clause's
    verb is that clause's, not the topic the sentence's later clauses report on."""
    return bool(_MEANS.search(text, max(0, mention.span.start - 8), mention.span.start))


def _verb(text: str, clause: Span) -> str | None:
    m = _VERB.search(text, clause.start, clause.end)
    return m.group(1) if m else None


def _quoted(text: str, mention: Mention) -> bool:
    """A quoted name (“红岩村”) is what the clause talks about, not where it happens."""
    return text[mention.span.start - 1 : mention.span.start] == "“"


# What kind of figure a clause reports. Checked in this order; the first that matches wins.
_TARGET = re.compile(r"力争|计划|目标|预计|将达到|争取|到20\d\d年|至20\d\d年")
_CHANGE = re.compile(r"同比|比上年|较上年|增长|下降|增加了|减少|提高了|降低|增幅|降幅|新增.*百分点")
_CUMULATIVE = re.compile(r"累计|以来|累积|总计|历年")
_STANDARD_CUE = re.compile(r"补贴|标准|每人每月|每人每年|每月|每年每人|人均|/人")
_STANDARD_VERB = re.compile(r"提高到|提高至|达到|达|为|调整为|调整到|提升至|提升到|不低于")
_DURATIONS = frozenset(("天", "个工作日", "工作日", "小时", "分钟", "日"))
_SHORTENED = re.compile(r"压缩|缩短|控制在|不超过|时限|时间")
_PAID = re.compile(r"发放|投入|增发|拨付|下达|筹集|支出|资金|募集|惠及|累计")


def kind(text: str, clause: Span, sentence: Span, quantity: Quantity) -> str:
    """achievement | cumulative | standard | rate | target | change, from the clause's own words
    (and 以来/累计 anywhere before it in the sentence, which scopes every later figure)."""
    words = text[clause.start : clause.end]
    lead = text[sentence.start : clause.end]
    if _TARGET.search(words):
        return "target"
    if quantity.unit == "个百分点" or _CHANGE.search(text[clause.start : quantity.span.start]):
        return "change"
    if quantity.unit == "%":
        return "rate"
    if quantity.unit == "元" and _STANDARD_CUE.search(words) and _STANDARD_VERB.search(words) \
            and not _PAID.search(words):
        return "standard"
    if quantity.unit in _DURATIONS and _SHORTENED.search(words):
        return "standard"  # 办理时限压缩至5个工作日: a time limit, the standard of a service
    if _CUMULATIVE.search(words) or "以来" in lead:
        return "cumulative"
    return "achievement"
