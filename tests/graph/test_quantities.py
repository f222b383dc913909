"""Quantities: exact values from Chinese notation, units as written, 余/多, and what is not a quantity."""
from __future__ import annotations

from decimal import Decimal

import pytest

from reformkg.graph.quantities import find
from reformkg.graph.segment import Span


def one(text: str):
    found = find(text, Span(0, len(text)))
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text, value, unit, qualifier",
    [
        ("累计受理救助申请8.23万件次。", "82300", "件次", None),
        ("增发一次性生活补贴1.13亿元,", "113000000", "元", None),
        ("将110余万低收入人口纳入监测范围", "1100000", None, "余"),
        ("共查清11大类地名", "11", "大类", None),
        ("地名45.5万余条。", "455000", "条", "余"),
        ("排查整治安全隐患2700多条。", "2700", "条", "多"),
        ("整改率达98%。", "98", "%", None),
        ("累计投入1500余万元,", "15000000", "元", "余"),
        ("惠及残疾人49.7万人。", "497000", "人", None),
        ("护理型床位8000余张。", "8000", "张", "余"),
    ],
)
def test_quantity_value_unit_and_qualifier(text, value, unit, qualifier):
    q = one(text)
    assert q.value == Decimal(value)
    assert str(q.value) == value  # normalised: no exponent, no trailing zeros
    assert q.unit == unit
    assert q.qualifier == qualifier


@pytest.mark.parametrize(
    "text",
    ["2022年以来主动发现", "面向全市60岁以上的老年人", "地名规划(2021—2035)。", "01持续深化", "第二批国家综合创新试点"],
)
def test_dates_ages_periods_and_headings_are_not_quantities(text):
    assert find(text, Span(0, len(text))) == []


def test_the_span_covers_number_qualifier_magnitude_and_unit():
    text = "全市有1600余家社会组织"
    q = one(text)
    assert text[q.span.start : q.span.end] == "1600余家"
    assert q.written == "1600余"
