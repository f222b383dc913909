"""The pages in headless Chromium, against a real server, with every host but 127.0.0.1 blocked.

Each test saves a screenshot to tests/artifacts/. The `page` fixture fails a test whose page tried to
reach another host or raised a script error.
"""
from __future__ import annotations

import re

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_landing_page_renders_the_ten_reforms(page):
    page.goto("/?lang=en")
    cards = page.locator(".reform-card")
    cards.first.wait_for()
    assert cards.count() == 10
    assert page.locator(".reform-number").all_inner_texts() == [f"{n:02d}" for n in range(1, 11)]
    assert "Deepening reform of basic elderly care services" in cards.nth(1).inner_text()
    assert page.locator(".reform-card .pill[data-indicators]").nth(9).inner_text().startswith("17 ")
    screenshot(page, "landing-en")
    page.goto("/?lang=zh")
    assert "深化基本养老服务领域改革" in page.locator(".reform-card").nth(1).inner_text()
    screenshot(page, "landing-zh")


def test_resource_page_shows_the_highlighted_provenance(page):
    page.goto("/report/cq-civil-affairs-2022/indicator/3?lang=en")
    mark = page.locator(".provenance blockquote mark")
    assert mark.inner_text() == "8.23万件次"
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.locator(".headline-value").inner_text() == "82,300 件次"
    screenshot(page, "indicator-provenance")
    page.locator(".provenance figcaption a").first.click()
    page.wait_for_url(re.compile(r"/report/cq-civil-affairs-2022/text\?mark=301-308#mark$"))
    in_text = page.locator(".text-body mark#mark")
    assert in_text.inner_text() == "8.23万件次"
    assert in_text.is_visible()
    box = in_text.bounding_box()
    assert box is not None and 0 <= box["y"] <= page.viewport_size["height"]  # scrolled into view
    screenshot(page, "text-highlight", full_page=False)


def test_reform_page_shows_the_indicator_table(page):
    page.goto("/report/cq-civil-affairs-2022/reform/1?lang=en")
    values = page.locator("table.indicators td.value").all_inner_texts()
    assert "82,300 件次" in values and "¥113,000,000" in values
    screenshot(page, "reform-1")


def test_language_switch_persists_across_pages(page):
    page.goto("/report/cq-civil-affairs-2022/reform/2")
    page.locator(".lang-switch a[hreflang=zh]").click()
    page.wait_for_url(re.compile(r"lang=zh"))
    assert page.locator("h1").inner_text() == "深化基本养老服务领域改革"
    page.goto("/report/cq-civil-affairs-2022/reform/3")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "创新推进未成年人保护工作"
    screenshot(page, "reform-3-zh")


def test_yasgui_runs_an_example_query_and_shows_rows(page):
    page.goto("/query?lang=en")
    page.locator(".yasqe .CodeMirror").first.wait_for()
    page.locator("button.example[data-example=indicators]").click()
    panel = page.locator(".tabPanel.active")
    assert "PREFIX rkg:" in panel.locator(".CodeMirror").inner_text()
    panel.locator(".yasqe_queryButton").click()
    rows = panel.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=15_000)
    assert rows.count() >= 10
    assert "results" in panel.locator(".yasr_response_chip").inner_text()
    screenshot(page, "yasgui-indicators")


def test_ontology_page_lands_on_a_term(page):
    page.goto("/ontology?lang=en#Reform")
    section = page.locator("section#Reform")
    assert section.is_visible()
    assert "Reform" in section.locator("h3").inner_text()
    screenshot(page, "ontology")
