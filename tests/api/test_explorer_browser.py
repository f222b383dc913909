"""The explorer and the API docs in headless Chromium against a real server, with no other host reachable."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ..pages.conftest import ARTIFACTS, SICHUAN, Offline
from .conftest import BASE, REPORT

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


@pytest.fixture()
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    offline = Offline()
    context.route("**/*", offline)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab, offline
    context.close()


def node_count(tab) -> int:
    return tab.evaluate("document.getElementById('explorer').cy.nodes().length")


def click_node(tab, iri: str) -> None:
    """Click a node where Cytoscape drew it on the canvas."""
    box = tab.locator("#graph").bounding_box()
    point = tab.evaluate("(id) => document.getElementById('explorer').cy.getElementById(id).renderedPosition()", iri)
    tab.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_search_expand_a_node_and_open_its_page(page, live_url):
    tab, offline = page
    tab.goto(f"{live_url}/explore?lang=zh")
    explorer = tab.locator("#explorer")
    # It starts from the first reform, chosen in the reform list.
    tab.wait_for_function("document.getElementById('explorer').getAttribute('data-center') !== null")
    assert explorer.get_attribute("data-center") == f"{REPORT}/reform/1"
    assert tab.locator("#reform-select option").count() == 1 + 10  # "—" and the ten reforms
    assert tab.locator("#reform-select").input_value() == f"{REPORT}/reform/1"

    # Search by a Chinese label, pick the measure that issued the elderly-care list.
    tab.fill("#search-input", "养老服务清单")
    tab.click("#search-form button[type=submit]")
    measure = f"{REPORT}/reform/2/measure/1"
    hit = tab.locator(f'.search-hit[data-iri="{measure}"]')
    hit.wait_for()
    hit.click()
    tab.wait_for_function(f"document.getElementById('explorer').getAttribute('data-center') === '{measure}'")
    assert tab.locator("#node-label").inner_text() == "出台基本养老服务清单"
    before = node_count(tab)

    # Expand a neighbour by clicking it: the reform it belongs to.
    reform = f"{REPORT}/reform/2"
    click_node(tab, reform)
    tab.wait_for_function(f"document.getElementById('explorer').getAttribute('data-center') === '{reform}'")
    assert node_count(tab) > before
    assert tab.evaluate("(id) => document.getElementById('explorer').cy.getElementById(id).hasClass('expanded')", reform)
    assert tab.locator("#node-label").inner_text() == "深化基本养老服务领域改革"
    assert tab.locator("#node-class").text_content() == "改革事项"  # the class in the page's language
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)

    # Open its page.
    with tab.expect_navigation():
        tab.click("#node-page")
    assert urlsplit(tab.url).path == "/report/cq-civil-affairs-2022/reform/2"
    assert "深化基本养老服务领域改革" in tab.locator("h1").inner_text()
    assert offline.attempts == []


def test_english_labels_and_an_english_search(page, live_url):
    tab, offline = page
    tab.goto(f"{live_url}/explore?lang=en&iri={REPORT}/reform/9")
    tab.wait_for_function(f"document.getElementById('explorer').getAttribute('data-center') === '{REPORT}/reform/9'")
    assert tab.locator("#node-label").inner_text() == "Deepening reform of welfare and security for persons with disabilities"
    tab.fill("#search-input", "Chongqing")
    tab.click("#search-form button[type=submit]")
    first = tab.locator(".search-hit").first
    first.wait_for()
    assert first.text_content() == "Chongqing Place · exact"
    assert first.get_attribute("data-iri") == BASE + "place/chongqing"
    assert offline.attempts == []


def test_the_api_docs_render_every_operation_offline(page, live_url):
    tab, offline = page
    tab.goto(f"{live_url}/api/docs")
    tab.locator(".opblock").first.wait_for()
    tab.wait_for_function("document.querySelectorAll('.opblock').length >= 29")
    assert tab.locator(".opblock-summary-path", has_text="/api/queries/indicators-by-unit").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    assert offline.attempts == []


def test_the_reforms_to_start_from_are_grouped_by_report(page, two_reports_url):
    tab, offline = page
    tab.goto(f"{two_reports_url}/explore?lang=en")
    tab.wait_for_function("document.getElementById('explorer').getAttribute('data-center') !== null")
    groups = tab.eval_on_selector_all("#reform-select optgroup", """groups => groups.map(g => [
        g.label, g.getAttribute('data-report'), Array.from(g.querySelectorAll('option')).map(o => o.value)])""")
    # Newest report first; a report without an English title says so.
    assert groups == [
        ["2023年四川民政重点改革举措 (no English label yet)", SICHUAN, [f"{SICHUAN}/reform/{n}" for n in range(1, 5)]],
        ["Chongqing's ten civil affairs reforms of 2022", REPORT, [f"{REPORT}/reform/{n}" for n in range(1, 11)]],
    ]
    assert tab.locator("#explorer").get_attribute("data-center") == f"{SICHUAN}/reform/1"
    assert tab.locator(f'#reform-select option[value="{SICHUAN}/reform/2"]').text_content() == (
        "2. 加快发展普惠型养老服务 (no English label yet)")

    # Hits of both reports: each reform, measure and indicator says which report it is from.
    tab.fill("#search-input", "养老")
    tab.click("#search-form button[type=submit]")
    tab.locator(".search-hit").first.wait_for()
    sichuan = tab.locator(f'.search-hit[data-iri^="{SICHUAN}/"]').first.text_content()
    chongqing = tab.locator(f'.search-hit[data-iri^="{REPORT}/"]').first.text_content()
    assert sichuan.endswith(" · 2023年四川民政重点改革举措")
    assert chongqing.endswith(" · 2022年重庆民政十大改革")
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "explorer-two-reports.png"), full_page=True)
    assert offline.attempts == []
