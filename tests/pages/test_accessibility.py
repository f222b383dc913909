"""Every page passes axe-core (vendored: tests/pages/vendor/axe-core) with no serious or critical
violation of WCAG 2 A/AA, in Chromium, in both languages; and the pages work by keyboard.

axe is injected into the page under test from the file (the `page` fixture allows no other host), run
once the page has drawn (charts, YASGUI, Swagger UI, the explorer), and every violation it finds is
listed with the elements it found it on.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")

# Each page, and what shows it has drawn before axe looks at it.
PAGES = [
    ("/", ".reform-card"),
    ("/report/cq-civil-affairs-2022", "h1"),
    ("/report/cq-civil-affairs-2022/reform/1", "#indicator-chart-data-chart svg"),
    ("/report/cq-civil-affairs-2022/indicator/3", ".headline-value"),
    ("/report/cq-civil-affairs-2022/span/301-308", "h1"),
    ("/report/cq-civil-affairs-2022/text?mark=301-308", ".text-body .fact"),
    ("/agency/cq-civil-affairs", "h1"),
    ("/target-group/minors", "h1"),
    ("/dashboard", "#chart-reform-chart svg"),
    ("/indicator/?unit=https://w3id.org/reformkg/unit/yuan", ".facets"),
    ("/agency/", "table.browse"),
    ("/reform/?sort=indicators", "table.browse"),
    ("/api/queries", ".query-list"),
    ("/api/queries/money-paid-by-reform", "#query-chart-data-chart svg"),
    ("/query", ".yasqe .CodeMirror"),
    ("/explore", "#explorer canvas"),
    ("/api/docs", ".opblock"),
    ("/ontology", "section#Reform"),
    ("/dataset", "h1"),
    ("/search?q=养老", ".text-hit"),
    ("/no/such/page", "h1"),
]


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
      const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
      return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 12).map(n => n.target.join(' '))}));
    }""")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path, drawn", PAGES)
def test_the_page_has_no_serious_accessibility_violation(page, path, drawn, lang):
    page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
    page.locator(drawn).first.wait_for(timeout=15_000)
    found = [v for v in violations(page) if v["impact"] in SERIOUS]
    assert found == [], "\n".join(f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in found)


def test_the_first_tab_offers_to_skip_to_the_content(page):
    page.goto("/dashboard?lang=en")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_named_query_table_sorts_and_filters_by_keyboard(page):
    page.goto("/api/queries/money-paid-by-reform?lang=en")
    page.locator(".table-filter").focus()
    page.keyboard.type("深化残疾人")
    assert page.locator("table.results tbody tr:not([hidden])").count() == 1
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    for _ in range(4):  # the column buttons follow the filter box: number, reform, title_zh, total
        page.keyboard.press("Tab")
    assert page.locator(":focus").inner_text() == "total"
    page.keyboard.press("Enter")
    values = [int(v.replace(",", "")) for v in page.locator("table.results tbody td:nth-child(4)").all_inner_texts()]
    assert values == sorted(values) and len(values) == 2
    page.keyboard.press("Enter")
    assert page.locator("table.results thead th:nth-child(4)").get_attribute("aria-sort") == "descending"


def test_a_class_list_and_its_facets_are_links_in_tab_order(page):
    page.goto("/indicator/?lang=en")
    facet = page.locator('.facet[data-facet="kind"] a').first
    facet.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**kind=**")
    assert int(page.locator("[data-total]").inner_text()) < 56
    screenshot(page, "indicator-list-keyboard", full_page=False)
