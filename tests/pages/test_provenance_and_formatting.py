"""The pieces pages are made of: sentences around spans, marked paragraphs, numbers as people read them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from reformkg.service.describe import Indicator
from reformkg.service.readable import number, quantity
from reformkg.service.provenance import paragraphs, parse_mark, sentence

TEXT = "01标题\n第一句话。第二句有8.23万件次,还有下文;第三句。\n末段"


def test_sentence_stops_at_the_sentence_boundaries_around_the_span():
    start = TEXT.index("8.23万件次")
    passage = sentence(TEXT, start, start + len("8.23万件次"))
    assert (passage.before, passage.quote, passage.after) == ("第二句有", "8.23万件次", ",还有下文;")
    assert not passage.clipped_before and not passage.clipped_after


def test_sentence_is_clipped_when_no_boundary_comes_within_the_limit():
    text = "甲" * 50 + "乙" + "丙" * 50
    passage = sentence(text, 50, 51, limit=10)
    assert passage.before == "甲" * 10 and passage.after == "丙" * 10
    assert passage.clipped_before and passage.clipped_after


def test_sentence_at_the_start_of_the_text_is_not_clipped():
    passage = sentence(TEXT, 0, 4)
    assert passage.before == "" and passage.quote == "01标题" and not passage.clipped_before


def test_paragraphs_mark_the_span_once_with_its_anchor():
    start = TEXT.index("8.23万件次")
    result = paragraphs(TEXT, (start, start + 7))
    assert [len(p) for p in result] == [1, 3, 1]
    marked = [piece for p in result for piece in p if piece.marked]
    assert [(m.text, m.anchor) for m in marked] == [("8.23万件次", True)]


def test_a_mark_across_paragraphs_has_one_anchor():
    result = paragraphs(TEXT, (2, 8))
    marked = [piece for p in result for piece in p if piece.marked]
    assert [m.text for m in marked] == ["标题", "第一句"]
    assert [m.anchor for m in marked] == [True, False]


@pytest.mark.parametrize("value,length,expected", [
    ("1-3", 10, (1, 3)), ("0-10", 10, (0, 10)), ("3-1", 10, None), ("1-11", 10, None), ("x", 10, None),
    (None, 10, None), ("1-1", 10, None), ("-1-3", 10, None),
])
def test_parse_mark_accepts_only_a_range_inside_the_text(value, length, expected):
    assert parse_mark(value, length) == expected


@pytest.mark.parametrize("value,expected", [
    ("82300", "82,300"), ("113000000", "113,000,000"), ("8.50", "8.5"), ("0.95", "0.95"), ("12345.6", "12,345.6"),
    ("3", "3"),
])
def test_numbers_are_grouped_by_thousands_without_trailing_zeros(value, expected):
    assert number(Decimal(value)) == expected


def _indicator(value: str, notation: str, *, currency: bool = False, approximate: bool = False,
               qualifier: str | None = None) -> Indicator:
    return Indicator(iri="urn:i", value=Decimal(value), notation=notation, currency=currency,
                     approximate=approximate, qualifier=qualifier, label={}, period={}, span="urn:s", exact="",
                     start=0)


@pytest.mark.parametrize("indicator,lang,expected", [
    (_indicator("82300", "件次"), "en", "82,300 件次"),
    (_indicator("113000000", "元", currency=True), "en", "¥113,000,000"),
    (_indicator("98", "%"), "zh", "98%"),
    (_indicator("8000", "张", approximate=True, qualifier="余"), "zh", "8,000余 张"),
    (_indicator("8000", "张", approximate=True, qualifier="余"), "en", "8,000+ 张"),
    (_indicator("2700", "条", approximate=True, qualifier="多"), "zh", "2,700多 条"),
])
def test_quantities_read_as_the_report_writes_them(indicator, lang, expected):
    assert quantity(indicator, lang) == expected
