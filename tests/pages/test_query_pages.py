"""Named queries as pages: `/api/queries/NAME` for a browser (service/query_pages.py)."""
from __future__ import annotations

import json
import re

from .conftest import REPORT
from .test_charts import chart_data

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page(client, path: str, **args):
    return client.get(path, query_string=args, headers={"Accept": BROWSER})


def test_a_browser_gets_a_named_query_as_a_page_with_the_rows_the_api_gives(client):
    html = page(client, "/api/queries/indicators", lang="en", reform="9")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "Accept" in html.headers["Vary"]
    rows = client.get("/api/queries/indicators", query_string={"reform": "9", "format": "json"}).json["rows"]
    assert len(rows) == 10
    body = html.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == len(rows)
    assert f'href="/report/cq-civil-affairs-2022/indicator/' in body  # IRIs link to this server's pages
    assert REPORT not in body.replace(f'href="{REPORT}', "")  # …not to the base


def test_the_form_offers_each_parameter_as_the_catalogue_declares_it(client):
    catalogue = {q["name"]: q for q in client.get("/api/queries").json["queries"]}
    html = page(client, "/api/queries/indicators", lang="en").text
    for parameter in catalogue["indicators"]["parameters"]:
        assert f'name="{parameter["name"]}"' in html
    assert re.search(r'<input id="param-reform" name="reform" type="number"', html)
    assert re.search(r'<select id="param-approx" name="approx"', html)
    assert 'placeholder="元"' in html


def test_a_client_that_accepts_anything_still_gets_json(client):
    for accept in ("*/*", "application/json", None):
        answer = client.get("/api/queries/reports", headers={"Accept": accept} if accept else {})
        assert answer.mimetype == "application/json", accept


def test_a_format_argument_wins_over_a_browsers_accept(client):
    answer = page(client, "/api/queries/reports", format="csv")
    assert answer.mimetype == "text/csv"


def test_a_refused_parameter_is_a_400_page_that_says_why_beside_the_form(client):
    answer = page(client, "/api/queries/indicators", reform="nine")
    assert answer.status_code == 400 and answer.mimetype == "text/html"
    assert 'role="alert"' in answer.text and "reform" in answer.text
    assert 'name="reform"' in answer.text


def test_the_page_links_the_same_answer_in_other_formats(client):
    html = page(client, "/api/queries/indicators-by-unit", unit="元", lang="en").text
    for fmt in ("csv", "json", "sparql-json", "xml"):
        href = re.search(rf'href="(\?[^"]*format={fmt})"', html).group(1).replace("&amp;", "&")
        assert "unit=%E5%85%83" in href and "lang" not in href
        assert client.get("/api/queries/indicators-by-unit" + href).status_code == 200


def test_a_query_with_a_number_column_is_charted(client):
    html = page(client, "/api/queries/money-paid-by-reform", lang="en").text
    chart = chart_data(html, "query-chart-data")
    rows = client.get("/api/queries/money-paid-by-reform", query_string={"format": "json"}).json["rows"]
    assert chart["series"][0]["name"] == "total"
    assert chart["series"][0]["values"] == [row["total"] for row in rows]


def test_the_catalogue_is_a_page_linking_every_query_page(client):
    html = page(client, "/api/queries", lang="en").text
    names = [q["name"] for q in client.get("/api/queries").json["queries"]]
    for name in names:
        assert f'href="/api/queries/{name}"' in html
    assert json.loads(client.get("/api/queries?format=json", headers={"Accept": BROWSER}).text)["queries"]


def test_the_query_ui_and_the_landing_page_link_the_query_pages(client):
    query_ui = client.get("/query?lang=en").text
    for q in client.get("/api/queries").json["queries"]:
        assert f'<a class="as-page" href="/api/queries/{q["name"]}"' in query_ui
    landing = client.get("/?lang=en").text
    assert 'href="/api/queries"' in landing and 'href="/dashboard"' in landing
