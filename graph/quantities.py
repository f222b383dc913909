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
    "人次", "件次", "家次", "大类", "元", "人", "名", "个", "张", "户", "家", "项", "条", "块", "栋", "类",
    "所", "座", "辆", "间", "次", "对", "批", "套", "台", "场", "期", "支", "处", "份", "%",
))


# Words that follow a number without making it a count of reform work: ages, dates.
_NOT_COUNTS = frozenset(("岁", "年", "月", "日", "时", "号"))


@lru_cache(maxsize=8)
def _pattern(words: frozenset[str]) -> re.Pattern[str]:
    words = words - _NOT_COUNTS
    # Longest first, so 人次 wins over 人 and 家次 over 家.
    unit = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(
        r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?P<q1>余|多)?(?P<mag>万|亿)?(?P<q2>余|多)?"
        rf"(?P<unit>{unit})?"
    )


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
    """余 or 多 where the text says "more than"."""


def normalise(number: str, magnitude: str | None) -> Decimal:
    """8.23 and 万 → 82300, exactly; cn2an reads the numeral and its magnitude."""
    value = cn2an.cn2an(number + (magnitude or ""), "smart")
    exact = Decimal(str(value))
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
        if unit is None and magnitude is None:
            continue  # a bare number (a heading, a year in a name) is not a reported quantity
        if unit is None and (_NOT_A_QUANTITY.match(after) or not _is_cjk(after)):
            continue
        written = m.group(0)[: len(m.group(0)) - len(unit or "")]
        found.append(
            Quantity(
                span=Span(m.start(), m.end()),
                written=written,
                value=normalise(m.group("num"), magnitude),
                unit=unit,
                qualifier=m.group("q1") or m.group("q2"),
            )
        )
    return found


def _is_cjk(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"
