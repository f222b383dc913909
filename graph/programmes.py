"""Named programmes: quoted names of mechanisms, programmes, platforms …, and campaigns launched by
name without quotes (实施养老防诈骗专项行动)."""
from __future__ import annotations

import re

from .curated import Curation
from .mentions import _CJK, Mention, slug_for
from .segment import Span, clause_start

_QUOTED = re.compile(r"“([^“”]{2,30})”")


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
    quoted = [m for m in _QUOTED.finditer(text, within.start, within.end)
              if m.group(1) not in excluded and not _PLAN_PERIOD.fullmatch(m.group(1))]
    kind_of: dict[str, str] = {}
    for m in quoted:
        name = m.group(1)
        entity = curated.get(name)
        if name in kind_of or entity is not None and entity.ignore:
            continue
        following = re.match(rf"[{_CJK}]{{0,12}}", text[m.end() : m.end() + 12]).group(0)
        kind = (entity.type if entity else None) or _kind(name, following, triggers, kinds)
        if kind is None and _LAUNCH_BEFORE.search(text[clause_start(text, m.start(), within.start) : m.start()]):
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
        group = "launched" if m.group("launched") else "means"
        name, span = m.group(group), Span(m.start(group), m.end(group))
        if "“" in name:
            # 实施安全生产处罚“季度清零”和执法量提升行动 coordinates two names: the quoted one is found as
            # such, and the one after 和 is this one.
            second = re.search(rf"”[和及与、]([{_CJK}]{{2,30}})$", name)
            if second is None:
                continue
            name, span = second.group(1), Span(span.end - len(second.group(1)), span.end)
        entity = curated.get(name)
        if entity is not None and entity.ignore:
            continue
        kind = (entity.type if entity else None) or _kind(name, "", triggers, kinds)
        slug, entity = slug_for("programme", name, curation)
        found.append(Mention("programme", slug, name, span, entity, kind))
    return sorted(found, key=lambda m: m.span.start)

# An unquoted campaign or programme launched by name: 实施养老防诈骗专项行动, 推进…专项行动. The name
# ends its clause (so 实施…行动方案 is not one) and does not open with a quote (“老吾老”计划 is found
# as a quoted name) other than a plan period's (“十四五”…行动计划). Named as the means of the clause's
# work (通过村级组织减负专项行动清理…, 依托…工程建设…), the name ends at its first 行动/工程/计划 and
# the clause's verb follows it.
_LAUNCHED = re.compile(
    rf"(?:实施|开展|推进|启动|组织开展|深入开展)(?:“十[一二三四五六七八九]五”)?"
    rf"(?P<launched>(?!“)[{_CJK}“”]{{2,30}}?(?:行动|工程|计划))(?=[,，。;；、]|$)"
    rf"|(?:通过|依托|借助)(?:实施|开展)?(?P<means>(?!“)[{_CJK}]{{2,30}}?(?:行动|工程|计划))(?!方案|师|书)"
)

# A five-year plan period in quotes (“十四五”) dates the plan named after it: no programme of its own
# (实施“十四五”特殊教育发展提升行动计划 names 特殊教育发展提升行动计划).
_PLAN_PERIOD = re.compile(r"十[一二三四五六七八九]五")

# Verbs that launch or run what follows them: a quoted name after one is a programme, however it
# ends (推行社会救助“一网通办”, 通过“村民说事”协商, 组建“银发先锋”志愿服务队, 深化社会救助“一件事”
# 改革). 实现/确保 state goals, so a quoted slogan after them (确保困难群众“进一个门、办所有事”) is not one.
_LAUNCH_BEFORE = re.compile(r"(?:推行|实施|开展|推广|打造|建立|创设|创建|举办|设立|推进|试点|依托|通过|组建|启动|"
                            r"上线|建设|运用|搭建|深化|织密)[^，,。；;“”]{0,12}$")


def _kind(name: str, following: str, triggers: list[str], kinds: dict[str, str]) -> str | None:
    for word in triggers:
        if name.endswith(word):
            return kinds[word]
    for end in range(len(following), 0, -1):
        for word in triggers:
            if following[:end].endswith(word):
                return kinds[word]
    return None
