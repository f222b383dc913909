"""Target groups: curated names, coordinated names sharing a head (重残、重病人员), and groups found by
their shape (困境儿童, 独居老年人, 防止返贫监测对象), narrower than the known group they end in."""
from __future__ import annotations

import re

from .curated import Curation
from .mentions import Mention, gazetteer, slug_for
from .segment import Span

# What a group of people is called ends in one of these (困境儿童, 独居老年人, 防止返贫监测对象 …).
_GROUP_HEADS = ("儿童", "老年人", "老人", "人员", "对象", "家庭", "群众", "人口", "患者", "孤儿", "残疾人", "退役军人",
                "军人", "妇女", "青少年", "学生", "未成年人", "居民", "职工", "农民工", "脱贫户", "低保户", "困难户",
                "群体", "人群", "劳动者", "农民", "毕业生", "农户", "家属")

_GROUP_STOP = set("为对向给将把在和与及或等的了是有、，,。；;：:（）()“”《》0123456789.%万亿名户个")

# Heads that name a group on their own; 家庭, 人员, 对象 … alone name none.
_BARE_GROUPS = ("孤儿", "退役军人", "军人", "残疾人", "老年人", "未成年人", "妇女", "青少年", "农民工", "脱贫户", "低保户",
                 "困难户", "职工")

# Words a group's name never holds: a verb of the work done for it (走访留守儿童 → 留守儿童), the name
# of a body or a campaign before it (举办退役军人专场 …). The name starts after the last of them.
_GROUP_CUT = re.compile(
    r"走访|帮助|惠及|服务|安置|接收|吸纳|救助|资助|关爱|发放|提供|建立|建成|建设|举办|化解|受理|贯彻|促进|健全|深化|"
    r"推行|完善|推动|做好|提高|开展|实施|落实|加强|推进|强化|培育|组织|引导|支持|保障|覆盖|纳入|行动|项目|工程|计划|"
    r"专项|配合|联合|会同|涉|全市|全省|全县|全区|全年|\d+年|局|厅|委|办|部|院|政府|残联|以上|以下|周岁|岁|符合条件|"
    r"经济困难|有意愿|新增|新时代|确保|拖欠|根治|织密|织牢|形成|打造|设立|调整|核算|影响|从业|工作|管理|执法|经营|护理|志愿|"
    r"营救|认定|筛查|参加|引进|追讨|代缴|招聘|培养|面向|各类|[省市县区]")

# What may stand before a known group to name a narrower one (独居老年人, 一级重度残疾人); any other word
# before it (确保困难群众, 打造重庆未成年人) is the sentence's, and the known group is the mention.
_NARROWING = re.compile(r"^(?:防止返贫|重度|中度|轻度|困难|失能|半失能|失智|独居|空巢|高龄|留守|特殊困难|农村|"
                        r"城市|城乡|低保|特困|孤寡|散居|经济困难|贫困|低收入|适龄|无人抚养|精神|智力|肢体|视力|听力)+$")

# A head followed by one of these is part of another noun (儿童主任, 儿童督导员), not a group.
_NOT_A_GROUP_AFTER = ("主任", "督导员", "工作者", "福利机构", "之家")

# A group's name before one of these names an insurance scheme (城乡居民基本养老保险, 职工养老保险), not
# the people the clause serves.
_SCHEME = ("基本养老保险", "养老保险", "基本医疗保险", "医疗保险")


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
        start = _modifier_start(text, within.start, within.start + m.start(), 10 - len(m.group(0)))
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
    shaped += _conjuncts(text, within, shaped, curation)
    return sorted((m for m in found + shaped if not text.startswith(_SCHEME, m.span.end)),
                  key=lambda m: m.span.start)


def _conjuncts(text: str, within: Span, shaped: list[Mention], curation: Curation) -> list[Mention]:
    """失能、半失能老年人 and 高血压、糖尿病患者 name two groups: a conjunct before 、 that ends in no
    group's head takes the head of the group after it (the curated names do so in mentions._ellipses)."""
    heads = tuple(sorted(_GROUP_HEADS, key=len, reverse=True))
    known = curation.by_name("target-group")
    extra = []
    for mention in shaped:
        head = next((h for h in heads if mention.name.endswith(h)), None)
        cursor = mention.span.start
        if head is None or text[cursor - 1 : cursor] != "、":
            continue
        start = _modifier_start(text, within.start, cursor - 1, 5)
        words = text[start : cursor - 1]
        if len(words) < 2 or words.endswith(heads) or words in known:
            continue
        slug, entity = slug_for("target-group", words + head, curation)
        extra.append(Mention("target-group", slug, words + head, Span(start, cursor - 1), entity))
    return extra


def _modifier_start(text: str, floor: int, end: int, longest: int) -> int:
    """Where the words before `end` that may name a group begin: at most `longest` characters of
    Chinese back to a stop (为, 、, a figure …), and after the last word a group's name never holds."""
    start = end
    while start > floor and end - start < longest and text[start - 1] not in _GROUP_STOP \
            and "\u4e00" <= text[start - 1] <= "\u9fff":
        start -= 1
    cuts = list(_GROUP_CUT.finditer(text, start, end))
    return cuts[-1].end() if cuts else start
