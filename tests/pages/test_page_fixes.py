"""Resource pages as issue 16 found them wanting: spans named by their words, a named graph's badges and
links once, a reform quoting its whole section, an agency's reforms and indicators, links not repeated."""
from __future__ import annotations

import re

from .test_charts import chart_data


def section(html: str, heading: str) -> str:
    found = re.search(rf"<h2>{re.escape(heading)}.*?</section>", html, re.S)
    return found.group(0) if found else ""


def test_a_span_page_is_titled_by_its_words(client):
    html = client.get("/report/cq-civil-affairs-2022/span/3451-3464?lang=en").text
    assert "<h1>“09深化残疾人福利保障改革”</h1>" in html
    assert "characters 3451–3464 of the text" in html
    assert "<title>3451-3464" not in html


def test_a_named_graph_page_shows_its_type_and_its_dataset_once(client):
    html = client.get("/graph/report/cq-civil-affairs-2022?lang=en").text
    assert html.count('class="badge"') == 1
    referenced = section(html, "Referenced by")
    assert referenced.count('href="/dataset"') == 1


def test_a_reform_page_quotes_its_whole_section(client):
    html = client.get("/report/cq-civil-affairs-2022/reform/1?lang=en").text
    quoted = section(html, "From the report")
    assert "<p>01持续深化社会救助体制改革</p>" in quoted
    assert "将110余万低收入人口纳入监测范围" in quoted  # a measure's words, not only the heading
    assert "2.5亿元" in quoted  # …to the end of its last measure
    assert 'href="/report/cq-civil-affairs-2022/text?mark=0-481#mark"' in quoted
    assert quoted.count("<figure") == 1  # the heading alone is not quoted again


def test_referenced_by_leaves_out_what_the_page_already_links(client):
    html = client.get("/report/cq-civil-affairs-2022/reform/1?lang=en").text
    links, referenced = section(html, "Links"), section(html, "Referenced by")
    measure = 'href="/report/cq-civil-affairs-2022/reform/1/measure/1"'
    assert measure in links and measure not in referenced


def test_an_agency_page_lists_its_reforms_with_their_role_and_their_indicators(client):
    html = client.get("/agency/cq-civil-affairs?lang=en").text
    associated = section(html, "Associated with")
    assert associated.count("<li>") == 10 and ">publisher<" in associated
    assert len(chart_data(html, "indicator-chart-data")["categories"]) == 56
    assert html.count('<td class="num value">') == 56
    assert 'href="/report/cq-civil-affairs-2022/reform/1"' not in section(html, "Referenced by")
