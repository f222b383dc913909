"""Find the quantities a report states (counts, money, rates) and normalise their values.

Dates, years, plan periods, ages and section numbers are not quantities of reform work and are skipped.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from decimal import Decimal

import cn2an

from .segment import Span

# Common measure words (classifiers) that count reform work; the units scheme may add more.
MEASURE_WORDS = frozenset((
    "人次", "件次", "家次", "户次", "大类", "元", "人", "名", "位", "个", "张", "户", "家", "项", "条", "块", "栋",
    "类", "所", "座", "辆", "间", "次", "对", "批", "套", "台", "场", "期", "支", "处", "份", "%", "件", "起",
    "床", "个工作日", "工作日", "个百分点", "天", "亩", "公里", "吨", "例", "部", "册", "本", "宗", "单",
))


# Words that follow a number without making it a count of reform work: ages, dates.
_NOT_COUNTS = frozenset(("岁", "年", "月", "日", "时", "号"))


@lru_cache(maxsize=8)
def _pattern(words: frozenset[str]) -> re.Pattern[str]:
    words = words - _NOT_COUNTS
    # Longest first, so 人次 wins over 人 and 家次 over 家.
    unit = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(
        rf"(?P<pre>{_BEFORE})?"
        r"(?:(?<![\d.])(?P<num>\d+(?:\.\d+)?)|(?P<cjk>[一二两三四五六七八九十百千]*[十百千][一二两三四五六七八九十百千]*|[一二两三四五六七八九]))"
        r"(?P<q1>余|多)?(?P<mag>万|亿)?(?P<q2>余|多)?"
        rf"(?P<unit>{unit})?(?P<post>{_AFTER})?"
    )


# Words that make a figure approximate, before it (约186万人, 近210万人, 超过650万人次, 逾2万户) or after it
# (110余万, 2700多条, 3000人以上, 5万人左右). 达/达到 only report a level and are not among them.
_BEFORE = "约|近|超过|逾|超|多达|大约|将近|接近"
_AFTER = "以上|左右|上下|之多"


# Nouns that begin with a measure word: the number before them is no measured quantity.
_NOUNS_OF_UNITS = ("部门", "项目", "条例", "名单")


# What follows a number that makes it a date, an age or a period rather than a quantity.
_NOT_A_QUANTITY = re.compile(r"年|月|日|岁|—|-|号|时|\)|）")


@dataclass(frozen=True)
class Quantity:
    span: Span
    written: str
    """The number as written, with its magnitude and qualifier: 8.23万, 110余万."""
    value: Decimal
    unit: str | None
    """The measure word as written, or None where the text counts a noun directly (110余万低收入人口)."""
    qualifier: str | None
    """The word that makes the figure approximate: 余, 多, 以上, 超过, 逾 (more than), 约, 左右, 上下
    (about), 近 (nearly); None for an exact figure."""


def normalise(number: str, magnitude: str | None) -> Decimal:
    """8.23 and 万 → 82300, exactly; cn2an reads the numeral and its magnitude."""
    value = cn2an.cn2an(number + (magnitude or ""), "smart")
    exact = Decimal(str(value))
    if not number[:1].isdigit():
        return exact.normalize() + 0  # a numeral word (三千, 两万) is exact as read
    # cn2an multiplies in floating point; the written digits bound the precision that is real.
    places = len(number.split(".")[1]) if "." in number else 0
    step = {None: 0, "万": 4, "亿": 8}[magnitude]
    return exact.quantize(Decimal(1).scaleb(min(0, step - places))).normalize() + 0


def find(text: str, within: Span, words: frozenset[str] = MEASURE_WORDS) -> list[Quantity]:
    """Quantities stated in a range of the text, in order; `words` are the measure words to know."""
    found = []
    for m in _pattern(words).finditer(text, within.start, within.end):
        unit = m.group("unit")
        magnitude = m.group("mag")
        after = text[m.end() : m.end() + 1]
        cjk = m.group("cjk")
        if cjk and (unit is None or not (m.group("q1") or m.group("q2") or magnitude or len(cjk) > 1)):
            continue  # 一是, 三个责任, 十大改革: a numeral word counts reform work only as 三千余人, 两万多户
        if unit is not None and text.startswith(_NOUNS_OF_UNITS, m.start("unit")):
            continue  # 12部门联合印发: 部 begins the noun 部门, and the number counts the issuers of a document
        if unit is None and magnitude is None:
            continue  # a bare number (a heading, a year in a name) is not a reported quantity
        if unit is None and m.group("post") is None and (_NOT_A_QUANTITY.match(after) or not _is_cjk(after)):
            continue
        start = m.start("num") if m.group("num") else m.start("cjk")
        end = max(m.end(g) for g in ("num", "cjk", "q1", "mag", "q2") if m.group(g))
        written = text[start:end]
        qualifier = m.group("q1") or m.group("q2") or m.group("pre") or m.group("post")
        try:
            value = normalise(m.group("num") or cjk, magnitude)
        except (ValueError, KeyError):
            continue  # cn2an could not read it: not a number after all
        found.append(Quantity(span=Span(m.start(), m.end()), written=written, value=value, unit=unit,
                              qualifier=qualifier))
    return found


def _is_cjk(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"
