"""Charts as data (service/charts.py): the dashboard's counts, a reform's indicators, a query's numbers."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from pyoxigraph import Literal, NamedNode

from reformkg.service import charts
from reformkg.service.describe import Indicator

from .conftest import REPORT

INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
README_REFORM_INDICATORS = [7, 7, 5, 0, 3, 0, 0, 7, 10, 17]


def chart_data(html: str, element_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert found, f"no chart data {element_id}"
    return json.loads(found.group(1))


def sparql_count(client, where: str) -> int:
    query = ("PREFIX rkg: <https://w3id.org/reformkg/ontology#> PREFIX sdmx-attribute: "
             f"<http://purl.org/linked-data/sdmx/2009/attribute#> SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    answer = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    return int(answer.json["results"]["bindings"][0]["n"]["value"])


def test_the_dashboard_counts_each_indicator_once_per_reform(client):
    html = client.get("/dashboard?lang=en").text
    by_reform = chart_data(html, "chart-reform")
    values = by_reform["series"][0]["values"]
    assert values == [n for n in README_REFORM_INDICATORS if n]  # reforms without figures have no bar
    assert by_reform["categories"][0].startswith("01 ")
    assert re.search(r'class="total">56<', html)


def test_each_dashboard_chart_counts_what_the_store_holds(client):
    html = client.get("/dashboard?lang=zh").text
    for name, pattern in (("kind", "?i rkg:indicatorKind ?k"), ("unit", "?i sdmx-attribute:unitMeasure ?k"),
                          ("group", "?i rkg:targetGroup ?k"), ("agency", "?i rkg:agency ?k")):
        chart = chart_data(html, f"chart-{name}")
        expected = sparql_count(client, f"SELECT DISTINCT ?i ?k WHERE {{ ?i a rkg:Indicator . {pattern} }}")
        assert sum(chart["series"][0]["values"]) == expected, name
        assert chart["series"][0]["values"] == sorted(chart["series"][0]["values"], reverse=True), name
        assert all(link.startswith("/indicator/?") for link in chart["links"]), name


def test_a_dashboard_bar_leads_to_the_indicators_it_counts(client):
    chart = chart_data(client.get("/dashboard?lang=en").text, "chart-unit")
    for link, value in list(zip(chart["links"], chart["series"][0]["values"]))[:3]:
        listed = client.get(link).text
        assert int(re.search(r"data-total>(\d+)<", listed).group(1)) == value, link


def test_the_dashboard_of_two_reports_draws_a_series_per_report(two_reports_client):
    html = two_reports_client.get("/dashboard?lang=en").text
    kinds = chart_data(html, "chart-kind")
    assert len(kinds["series"]) == 2
    assert len({s["name"] for s in kinds["series"]}) == 2


def test_a_reform_page_charts_its_indicators_on_a_log_scale(client):
    html = client.get("/report/cq-civil-affairs-2022/reform/1?lang=en").text
    chart = chart_data(html, "indicator-chart-data")
    assert chart["log"] is True
    assert len(chart["categories"]) == html.count('<td class="num value">') == 7
    assert "¥113,000,000" in chart["series"][0]["labels"]
    assert chart["links"][0] == "/report/cq-civil-affairs-2022/indicator/1"


def test_an_indicator_page_has_no_chart(client):
    html = client.get("/report/cq-civil-affairs-2022/indicator/3").text
    assert 'class="chart"' not in html and "echarts" not in html


def test_a_chart_of_rows_measures_the_largest_number_column_and_names_bars_by_text():
    rows = [{"number": Literal("9", datatype=INTEGER), "title": Literal("深化残疾人福利保障改革", language="zh"),
             "total": Literal("465000000", datatype=INTEGER), "reform": NamedNode(REPORT + "/reform/9")},
            {"number": Literal("1", datatype=INTEGER), "title": Literal("持续深化社会救助体制改革", language="zh"),
             "total": Literal("363000000", datatype=INTEGER), "reform": NamedNode(REPORT + "/reform/1")}]
    chart = charts.from_rows("t", ["number", "reform", "title", "total"], rows, lambda iri: iri[-1],
                             lambda iri: "/local" + iri[-2:])
    assert chart.series[0].name == "total"
    assert chart.categories == ["深化残疾人福利保障改革", "持续深化社会救助体制改革"]
    assert chart.links == ["/local/9", "/local/1"]
    assert chart.series[0].labels == ["465,000,000", "363,000,000"]


def test_rows_without_a_number_column_have_no_chart():
    rows = [{"a": Literal("x")}, {"a": Literal("1", datatype=INTEGER)}]
    assert charts.from_rows("t", ["a"], rows, str, str) is None


def test_a_chart_with_a_zero_or_negative_figure_is_not_logarithmic():
    def indicator(value: str) -> Indicator:
        return Indicator(iri="x/1", value=Decimal(value), notation="个", currency=False, approximate=False,
                         qualifier=None, label={"en": "n"}, period={}, span="s", exact="e", start=0)

    assert charts.indicators("t", [indicator("3"), indicator("0")], "en", str).log is False
    assert charts.indicators("t", [indicator("3"), indicator("5")], "en", str).log is True


def test_chart_data_cannot_end_its_script_element():
    chart = charts.Chart("</script><b>", ["</script>"], [charts.Series("s", [1.0], ["1"])])
    assert "</" not in chart.to_json()


def test_echarts_is_vendored_pinned_with_its_licence_and_notice():
    from .test_pages import STATIC

    folder = STATIC / "vendor" / "echarts"
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "Apache ECharts" in (folder / "NOTICE").read_text(encoding="utf-8")
    assert "echarts@6.1.0" in (folder / "VERSION").read_text(encoding="utf-8")
    assert 't.version="6.1.0"' in (folder / "echarts.min.js").read_text(encoding="utf-8")


def test_the_reforms_of_two_reports_are_charted_report_by_report_in_their_order(two_reports_client):
    chart = chart_data(two_reports_client.get("/dashboard?lang=en").text, "chart-reform")
    numbers = [int(c[:2]) for c in chart["categories"]]
    first_report = [int(c[:2]) for c, v in zip(chart["categories"], chart["series"][0]["values"]) if v]
    boundary = len(first_report)
    assert numbers[:boundary] == sorted(numbers[:boundary]) and numbers[boundary:] == sorted(numbers[boundary:])
    assert all(v is None for v in chart["series"][0]["values"][boundary:])
