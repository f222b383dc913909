"""The cleaner keeps the report's words and drops the page around them."""
from __future__ import annotations

import re

from reformkg.graph.clean import clean_text

from ..conftest import ROOT

RAW = (ROOT / "graph/sources/cq-civil-affairs-2022-ten-reforms.txt").read_text(encoding="utf-8")
TITLE = "2022年重庆民政十大改革"


def test_the_source_is_kept_exactly_as_published():
    shared = ROOT.parent / "shared" / "sources" / "cq-civil-affairs-2022-ten-reforms.txt"
    if shared.exists():
        assert shared.read_bytes() == (ROOT / "graph/sources/cq-civil-affairs-2022-ten-reforms.txt").read_bytes()
    assert RAW.startswith("<legend")


def test_clean_text_has_no_markup():
    text = clean_text(RAW, TITLE)
    assert "<" not in text and ">" not in text and "h4sia" not in text


def test_clean_text_has_no_page_chrome():
    text = clean_text(RAW, TITLE)
    for chrome in ("您当前的位置", "首页", "日期", "2023-02-06", "字\xa0号", "字 号", "•"):
        assert chrome not in text


def test_clean_text_starts_at_the_first_reform_and_ends_with_the_last_sentence():
    text = clean_text(RAW, TITLE)
    assert text.startswith("01持续深化社会救助体制改革\n")
    assert text.rstrip().endswith("完成资金清退2个。")


def test_clean_text_keeps_every_sentence_of_the_report():
    text = clean_text(RAW, TITLE)
    body = re.sub(r"<[^>]*>", "", RAW)
    for sentence in re.findall(r"[^。\n]+。", body):
        assert sentence.strip().lstrip("\u2002") in text


def test_no_markup_or_chrome_reaches_the_graph(built):
    data = built.nquads.decode("utf-8")
    for chrome in ("h4sia", "<legend", "您当前的位置", "字\\u00A0号", "字 号", "日期:"):
        assert chrome not in data
