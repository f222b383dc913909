"""Charts, named-query pages and class lists in headless Chromium (tests/pages/conftest.py `page`).

Marks are counted from what ECharts drew (one graphic element per bar, static/js/charts.js `marks`),
and compared with the rows the page or the API gives for the same thing.
"""
from __future__ import annotations

import pytest

from .conftest import screenshot
from .test_charts import README_REFORM_INDICATORS

pytestmark = pytest.mark.browser


def marks(page, selector: str) -> int:
    page.locator(selector + " svg").first.wait_for()
    return page.evaluate("s => reformkgCharts.marks(document.querySelector(s))", selector)


def test_a_reform_page_draws_a_bar_per_indicator(page):
    page.goto("/report/cq-civil-affairs-2022/reform/10?lang=en")
    rows = page.locator("table.indicators tbody tr").count()
    assert rows == 17
    assert marks(page, "#indicator-chart-data-chart") == rows
    screenshot(page, "reform-10-chart")


def test_a_bar_of_the_reform_chart_leads_to_its_indicator(page):
    page.goto("/report/cq-civil-affairs-2022/reform/1?lang=en")
    marks(page, "#indicator-chart-data-chart")
    chart = page.locator("#indicator-chart-data-chart")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    # The first bar (inverse axis: at the top) starts at the value axis; click just right of it.
    page.evaluate("""el => {
      const chart = echarts.getInstanceByDom(el);
      const [x, y] = chart.convertToPixel({seriesIndex: 0}, [3025, 0]);
      el.dataset.x = x - 4; el.dataset.y = y;
    }""", chart.element_handle())
    x = float(chart.get_attribute("data-x"))
    y = float(chart.get_attribute("data-y"))
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/report/cq-civil-affairs-2022/indicator/1")


def test_the_dashboard_draws_a_bar_per_reform_kind_and_unit(page):
    page.goto("/dashboard?lang=en")
    assert marks(page, "#chart-reform-chart") == sum(1 for n in README_REFORM_INDICATORS if n)
    kinds = page.request.get("/api/queries/indicators-by-kind?format=json").json()["rows"]
    assert marks(page, "#chart-kind-chart") == len({row["kind"] for row in kinds})
    units = page.request.get("/api/queries/indicators?format=json").json()["rows"]
    assert marks(page, "#chart-unit-chart") == len({row["unit"] for row in units})
    screenshot(page, "dashboard")
    page.goto("/dashboard?lang=zh")
    assert page.locator("h1").inner_text() == "指标概览"
    screenshot(page, "dashboard-zh")


def test_a_named_query_page_sorts_and_filters_its_rows(page):
    page.goto("/api/queries/indicators?lang=en&reform=9")
    table = page.locator("table.results")
    rows = table.locator("tbody tr")
    assert rows.count() == 10
    value = [h.strip() for h in table.locator("thead th").all_inner_texts()].index("value") + 1
    table.locator(f"thead th:nth-child({value}) button").click()
    ascending = [float(v.replace(",", "")) for v in table.locator(f"tbody td:nth-child({value})").all_inner_texts()]
    assert ascending == sorted(ascending)
    assert table.locator(f"thead th:nth-child({value})").get_attribute("aria-sort") == "ascending"
    table.locator(f"thead th:nth-child({value}) button").click()
    descending = [float(v.replace(",", "")) for v in table.locator(f"tbody td:nth-child({value})").all_inner_texts()]
    assert descending == sorted(ascending, reverse=True)
    page.locator(".table-filter").fill("元")
    visible = table.locator("tbody tr:not([hidden])")
    assert 0 < visible.count() < 10
    assert all("元" in text for text in visible.all_inner_texts())
    assert marks(page, "#query-chart-data-chart") == 10
    screenshot(page, "named-query-indicators")


def test_a_named_query_form_runs_the_example(page):
    page.goto("/api/queries/indicators-by-unit?lang=en")
    page.locator("#param-unit").fill("元")
    page.locator(".query-form button[type=submit]").click()
    page.wait_for_url("**unit=%E5%85%83**")
    rows = page.locator("table.results tbody tr")
    api = page.request.get("/api/queries/indicators-by-unit?format=json&unit=%E5%85%83").json()["rows"]
    assert rows.count() == len(api) > 0


def run_example(page, name: str):
    page.goto("/query?lang=en")
    page.locator(".yasqe .CodeMirror").first.wait_for()
    page.locator(f"button.example[data-example={name}]").click()
    panel = page.locator(".tabPanel.active")
    panel.locator(".yasqe_queryButton").click()
    return panel


def test_the_query_ui_charts_a_select_result(page):
    panel = run_example(page, "money-paid-by-reform")
    rows = panel.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=15_000)
    shown = rows.count()
    panel.locator(".yasr .select_chart").click()
    chart = panel.locator(".yasr .yasr-chart")
    chart.locator("svg").wait_for()
    assert chart.evaluate("el => reformkgCharts.marks(el)") == shown == 2
    screenshot(page, "yasgui-chart")


def test_a_parameterised_example_opens_with_its_example_bound(page):
    panel = run_example(page, "reforms-by-target-group")
    assert "VALUES" in panel.locator(".CodeMirror").inner_text()
    rows = panel.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=15_000)
    catalogue = page.request.get("/api/queries?format=json").json()["queries"]
    group = next(q for q in catalogue if q["name"] == "reforms-by-target-group")["parameters"][0]
    assert group["name"] == "group" and group["required"]
    api = page.request.get("/api/queries/reforms-by-target-group", params={"format": "json", "group": group["example"]}
                           ).json()["rows"]
    assert rows.count() == len(api) > 0


def test_result_iris_under_the_base_link_to_this_servers_pages(page):
    panel = run_example(page, "reports")
    panel.locator(".yasr table.dataTable tbody tr").first.wait_for(timeout=15_000)
    hrefs = panel.locator(".yasr table.dataTable tbody a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "/report/cq-civil-affairs-2022" in hrefs
    assert not [h for h in hrefs if h.startswith("https://w3id.org/reformkg/")]


def test_swagger_shows_an_optional_example_without_filling_it_in(page):
    page.goto("/api/docs")
    page.locator(".opblock-summary-path[data-path='/api/queries/indicators']").click()
    block = page.locator(".opblock.is-open")
    block.wait_for(timeout=15_000)
    unit = block.locator('tr[data-param-name="unit"]')
    assert "Example: 元" in unit.inner_text()
    assert unit.locator("input").input_value() == ""
    block.locator(".execute").click()
    body = block.locator(".responses-wrapper .live-responses-table .microlight").first
    body.wait_for(timeout=15_000)
    all_rows = page.request.get("/api/queries/indicators?format=json").json()["rows"]
    assert body.inner_text().count('"indicator":') == len(all_rows)


def test_a_class_list_pages_and_its_facets_narrow_it(page):
    page.goto("/?lang=en")
    page.locator('a[href="/indicator/"]').first.click()
    page.wait_for_url("**/indicator/")
    rows = page.locator("table.indicators tbody tr")
    assert rows.count() == 50
    page.locator('.pager a[rel="next"]').click()
    page.wait_for_url("**page=2")
    assert rows.count() == 6
    page.goto("/indicator/?lang=en")
    page.locator('.facet[data-facet="unit"] a', has_text="yuan").click()
    page.wait_for_url("**unit=**")
    assert rows.count() == int(page.locator("[data-total]").inner_text()) == 7
    screenshot(page, "indicator-list-facets")
    page.goto("/agency/?lang=en")
    page.locator("th a.sort", has_text="Indicators").click()
    page.wait_for_url("**sort=indicators**")
    counts = [int(n) for n in page.locator("table.browse tbody td.num").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    screenshot(page, "agency-list")


def test_the_annotated_text_marks_every_fact_and_a_click_leads_to_it(page):
    page.goto("/report/cq-civil-affairs-2022/text?lang=en")
    covered = page.evaluate("""() => {
      const spans = JSON.parse(document.getElementById('fact-data').textContent);
      const seen = new Set();
      document.querySelectorAll('.text-body .fact').forEach(e => e.dataset.spans.split(' ').forEach(i => seen.add(+i)));
      const facts = new Set();
      seen.forEach(i => spans[i].facts.forEach(f => facts.add(f.href)));
      return [seen.size, spans.length, facts.size];
    }""")
    total = int(page.locator("[data-facts-total]").inner_text())
    assert covered == [covered[1], covered[1], total]
    figure = page.locator(".text-body .fact", has_text="8.23万件次").last
    figure.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#fact-panel")
    # The indicator itself, and the links read from the same words whose subject it is.
    indicator = panel.locator('li:has(.badge:text-is("Indicator")) a[href="/report/cq-civil-affairs-2022/indicator/3"]')
    assert indicator.count() == 1
    assert panel.locator('a[href="/report/cq-civil-affairs-2022/indicator/3"]').count() > 1
    screenshot(page, "annotated-text", full_page=False)
    indicator.click()
    page.wait_for_url("**/report/cq-civil-affairs-2022/indicator/3")
    assert page.locator(".headline-value").inner_text() == "82,300 件次"


def test_a_search_from_any_page_leads_to_its_fact(page):
    page.goto("/report/cq-civil-affairs-2022/reform/3?lang=en")
    page.locator("#site-search").fill("110余万")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=**")
    hit = page.locator(".text-hit")
    assert hit.count() == 1 and hit.locator("mark").inner_text() == "110余万"
    screenshot(page, "search-110")
    hit.locator("a.fact-link").click()
    page.wait_for_url("**/report/cq-civil-affairs-2022/indicator/2")
    assert page.locator(".provenance blockquote mark").inner_text() == "110余万"
    page.go_back()
    page.locator(".text-hit a.in-text").click()
    page.wait_for_url("**/text?mark=**")
    assert page.locator(".text-body mark#mark").inner_text() == "110余万"


def test_the_query_results_show_every_column_heading_whole(page):
    panel = run_example(page, "reforms-and-measures")
    panel.locator(".yasr table.dataTable tbody tr").first.wait_for(timeout=15_000)
    clipped = panel.locator(".yasr table.dataTable thead th").evaluate_all("""ths => ths.filter(th => {
      const title = th.querySelector('.dt-column-title').getBoundingClientRect(), cell = th.getBoundingClientRect();
      return title.left < cell.left - 0.5 || title.right > cell.right + 0.5;
    }).map(th => th.innerText)""")
    assert clipped == []
    assert "measure_number" in panel.locator(".yasr table.dataTable thead").inner_text()


def test_the_explorer_filters_by_type_collapses_and_keeps_its_state_in_the_url(page):
    page.goto("/explore?lang=zh")
    page.wait_for_function("document.getElementById('explorer').getAttribute('data-center') !== null")
    reform = "https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1"
    page.wait_for_url(lambda url: "iri=" in url)
    assert reform in page.evaluate("decodeURIComponent(location.search)")
    legend = page.locator("#legend")
    assert "改革事项" in legend.inner_text() and "Reform" not in legend.inner_text()  # the legend in Chinese
    assert legend.bounding_box()["y"] < page.locator("#graph").bounding_box()["y"]  # above the graph
    count = "(s) => document.getElementById('explorer').cy.nodes(s).length"
    spans = page.evaluate(count, '[class = "Span"]')
    assert spans > 0
    labels = page.evaluate("() => document.getElementById('explorer').cy.nodes('[class = \"Span\"]')"
                           ".map(n => n.style('label'))")
    assert all(label.startswith("原文字符 ") for label in labels)  # not "0-14"
    visible = page.evaluate(count, ":visible")
    legend.locator('input[value="Span"]').uncheck()
    # Cytoscape restyles a node whose class changed when it next draws, so its :visible may lag a moment.
    shown = "(n) => document.getElementById('explorer').cy.nodes(':visible').length === n"
    page.wait_for_function(shown, arg=visible - spans, timeout=5_000)
    assert "hide=Span" in page.url
    page.reload()
    page.wait_for_function("document.getElementById('explorer').getAttribute('data-center') !== null")
    assert not legend.locator('input[value="Span"]').is_checked()
    page.wait_for_function(shown, arg=visible - spans, timeout=5_000)
    before = page.evaluate(count, "")
    page.locator("#collapse").click()
    assert page.evaluate(count, "") < before
    screenshot(page, "explorer-zh-filtered")


def test_the_dashboard_of_two_reports_draws_a_bar_per_report_and_kind(page, two_reports_url):
    page.goto(f"{two_reports_url}/dashboard?lang=en")
    rows = page.request.get(f"{two_reports_url}/api/queries/indicators-by-kind?format=json").json()["rows"]
    assert len({row["report"] for row in rows}) == 2
    assert marks(page, "#chart-kind-chart") == len({(row["report"], row["kind"]) for row in rows})
    assert page.locator("#chart-kind-chart").evaluate(
        "el => echarts.getInstanceByDom(el).getOption().series.length") == 2
    screenshot(page, "dashboard-two-reports")
