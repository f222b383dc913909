"""Pages of a service holding two reports: the packaged one (Chongqing, 2022) and Sichuan's (2023).

The landing page lists the reports and groups the reforms by report; a reform, measure or indicator
names its report; a page that lists things of both reports names the report beside each; a resource
with no label in the page's language says so.
"""
from __future__ import annotations

import re
from html import unescape

from .conftest import SICHUAN
from .test_pages import Elements

CHONGQING_PATH = "/report/cq-civil-affairs-2022"
SICHUAN_PATH = "/report/sc-civil-affairs-2023"
NO_ENGLISH = "no English label yet"
NO_CHINESE = "暂无中文名称"


def html(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    return response.text


def report_rows(page: str) -> list[list[str]]:
    """The landing page's table of reports: each row's cells as text, whitespace collapsed."""
    table = re.search(r'<table class="counts reports-table">(.*?)</table>', page, re.S)[1]
    return [[unescape(" ".join(re.sub(r"<[^>]+>", " ", cell).split())) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r'<tr class="report-row">(.*?)</tr>', table, re.S)]


def test_the_landing_page_lists_every_report_with_its_publisher_date_and_counts(two_reports_client):
    page = html(two_reports_client, "/?lang=zh")
    # Newest first: title, publisher, date, reforms, measures, indicators.
    (sichuan, chongqing) = report_rows(page)
    assert sichuan == ["2023年四川民政重点改革举措", "四川省民政厅", "2024-01-20", "4", "9", "13"]
    assert chongqing[:4] == ["2022年重庆民政十大改革 Chongqing's ten civil affairs reforms of 2022", "重庆市民政局",
                             "2023-02-06", "10"]
    assert int(chongqing[5]) == sum(int(n) for n in re.findall(r'data-indicators="(\d+)"', page)) - 13
    hrefs = [a["href"] for a in Elements(page).find("a")]
    assert SICHUAN_PATH in hrefs and CHONGQING_PATH in hrefs


def test_the_landing_page_groups_the_reforms_by_report(two_reports_client):
    page = html(two_reports_client, "/?lang=en")
    sections = re.findall(r'<section class="block report" id="report-\d">(.*?)</section>', page, re.S)
    assert len(sections) == 2
    reforms = [re.findall(r'class="reform-title" href="([^"]+)"', s) for s in sections]
    assert reforms == [[f"{SICHUAN_PATH}/reform/{n}" for n in range(1, 5)],
                       [f"{CHONGQING_PATH}/reform/{n}" for n in range(1, 11)]]
    assert f'<a href="{SICHUAN_PATH}">2023年四川民政重点改革举措</a>' in sections[0]


def test_a_reform_page_names_its_report(two_reports_client):
    page = html(two_reports_client, f"{SICHUAN_PATH}/reform/2?lang=en")
    named = re.search(r'<p class="in-report">(.*?)</p>', page, re.S)[1]
    assert f'<a href="{SICHUAN_PATH}">2023年四川民政重点改革举措</a>' in named
    assert "<title>加快发展普惠型养老服务 · 2023年四川民政重点改革举措 · reformkg</title>" in page
    page = html(two_reports_client, f"{CHONGQING_PATH}/reform/2?lang=en")
    named = re.search(r'<p class="in-report">(.*?)</p>', page, re.S)[1]
    assert f'<a href="{CHONGQING_PATH}">Chongqing&#39;s ten civil affairs reforms of 2022</a>' in named


def test_measure_and_indicator_pages_name_their_report(two_reports_client):
    for path in (f"{SICHUAN_PATH}/reform/2/measure/1", f"{SICHUAN_PATH}/indicator/1"):
        named = re.search(r'<p class="in-report">(.*?)</p>', html(two_reports_client, path + "?lang=zh"), re.S)[1]
        assert f'<a href="{SICHUAN_PATH}">2023年四川民政重点改革举措</a>' in named, path


def test_a_resource_without_english_says_so_in_the_english_pages(two_reports_client):
    page = html(two_reports_client, f"{SICHUAN_PATH}/reform/2?lang=en")
    assert f'<p class="subtitle missing-label">{NO_ENGLISH}</p>' in page
    assert "<h1>加快发展普惠型养老服务</h1>" in page
    # Its figures have no English either: each says so in the table.
    assert page.count(f'<div class="note missing-label">{NO_ENGLISH}</div>') == 5
    assert NO_ENGLISH not in html(two_reports_client, f"{CHONGQING_PATH}/reform/2?lang=en")
    chinese = html(two_reports_client, f"{SICHUAN_PATH}/reform/2?lang=zh")
    assert NO_ENGLISH not in chinese and NO_CHINESE not in chinese
    landing = html(two_reports_client, "/?lang=en")
    # The Sichuan report and its four reforms, in the table and in its section.
    assert landing.count(NO_ENGLISH) == 1 + 1 + 4


def test_a_page_listing_both_reports_names_the_report_beside_each_item(two_reports_client):
    page = html(two_reports_client, "/target-group/extremely-poor-persons?lang=en")
    table = re.search(r'<table class="indicators">(.*?)</table>', page, re.S)[1]
    assert "<th scope=\"col\">Report</th>" in table
    reports = re.findall(r'<td class="report"><a href="([^"]+)">', table)
    assert sorted(reports) == [CHONGQING_PATH, SICHUAN_PATH]
    # The reforms and measures that name the group, each with its report beside it.
    assert re.search(rf'<a href="{SICHUAN_PATH}/reform/1">[^<]+</a> <span class="note">2023年四川民政重点改革举措</span>',
                     page)
    assert re.search(rf'<a href="{CHONGQING_PATH}/reform/1">[^<]+</a> '
                     r'<span class="note">Chongqing&#39;s ten civil affairs reforms of 2022</span>', page)


def test_with_one_report_no_page_names_the_report_beside_each_item(client):
    page = html(client, "/target-group/extremely-poor-persons?lang=en")
    assert '<td class="report">' not in page and "<th scope=\"col\">Report</th>" not in page
    assert "civil affairs reforms of 2022</span>" not in page
    reform = html(client, f"{CHONGQING_PATH}/reform/2?lang=en")
    assert f'<a href="{CHONGQING_PATH}">' in re.search(r'<p class="in-report">(.*?)</p>', reform, re.S)[1]
    assert '<span class="note">' not in reform
