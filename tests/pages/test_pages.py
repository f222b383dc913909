"""The pages over plain HTTP: landing, resource pages, the source text view, the ontology, the query UI."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reformkg.service.views import pages, sparql

STATIC = Path(pages.__file__).resolve().parent.parent / "static"
README_REFORM_INDICATORS = [7, 7, 5, 0, 3, 0, 0, 7, 10, 17]


class Elements(HTMLParser):
    """Start tags with their attributes, and the text, of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


def test_landing_page_lists_the_ten_reforms_with_their_indicator_counts(client):
    response = client.get("/?lang=en")
    assert response.status_code == 200
    counts = [int(n) for n in re.findall(r'data-indicators="(\d+)"', response.text)]
    assert counts == README_REFORM_INDICATORS
    for n in range(1, 11):
        assert f'href="/report/cq-civil-affairs-2022/reform/{n}"' in response.text


def test_landing_page_says_what_the_dataset_is_and_where_to_go(client):
    html = client.get("/?lang=en").text
    assert "2022年重庆民政十大改革" in html
    assert "Chongqing Municipal Civil Affairs Bureau" in html
    for href in ("/query", "/explore", "/api/docs", "/dumps/reformkg.nq", "/dumps/reformkg.trig",
                 "/dumps/reformkg.ttl", "/.well-known/void", "/ontology"):
        assert f'href="{href}"' in html


def test_landing_page_counts_resources_by_class_linking_each_list_and_its_documentation(client):
    html = client.get("/?lang=en").text
    assert re.search(r'href="/reform/">Reform</a> <a class="note" href="/ontology#Reform">rkg:Reform</a>'
                     r'.*?<td class="num">10</td>', html, re.S)
    assert re.search(r'href="/indicator/">Indicator</a>.*?<td class="num">56</td>', html, re.S)


def test_language_switch_sets_a_cookie_that_later_pages_follow(client):
    response = client.get("/?lang=zh")
    assert "reformkg_lang=zh" in response.headers["Set-Cookie"]
    assert '<html lang="zh-CN">' in response.text
    later = client.get("/report/cq-civil-affairs-2022/reform/2")
    assert '<html lang="zh-CN">' in later.text
    assert "<h1>深化基本养老服务领域改革</h1>" in later.text
    client.get("/?lang=en")
    assert "<h1>Deepening reform of basic elderly care services</h1>" in client.get(
        "/report/cq-civil-affairs-2022/reform/2").text


def test_pages_vary_on_the_language_cookie_and_accept_language(client):
    vary = client.get("/").headers["Vary"]
    assert "Cookie" in vary and "Accept-Language" in vary


def test_accept_language_chooses_the_language_when_no_cookie_does(app):
    fresh = app.test_client()
    assert '<html lang="zh-CN">' in fresh.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert '<html lang="en">' in app.test_client().get("/", headers={"Accept-Language": "en-GB"}).text


def test_resource_page_shows_both_languages_and_readable_property_names(client):
    html = client.get("/report/cq-civil-affairs-2022/reform/2?lang=en").text
    assert "<h1>Deepening reform of basic elderly care services</h1>" in html
    assert "深化基本养老服务领域改革" in html
    assert ">has measure</a>" in html and ">is part of</a>" in html
    assert "https://w3id.org/reformkg/ontology#hasMeasure</a>" not in html


def test_linked_resources_are_links_to_their_pages(client):
    elements = Elements(client.get("/report/cq-civil-affairs-2022/reform/2?lang=en").text)
    hrefs = {a["href"] for a in elements.find("a")}
    assert "/report/cq-civil-affairs-2022" in hrefs
    assert "/report/cq-civil-affairs-2022/reform/2/measure/1" in hrefs
    assert "/programme/time-bank" in hrefs
    assert "/ontology#hasMeasure" in hrefs


def test_indicators_are_a_table_of_formatted_values(client):
    html = client.get("/report/cq-civil-affairs-2022/reform/1?lang=en").text
    assert '<table class="indicators">' in html
    assert "82,300 件次" in html
    assert "¥113,000,000" in html
    assert "1,100,000+ 人" in html  # 110余万: approximate


def test_approximate_values_keep_the_reports_qualifier_in_chinese(client):
    assert "1,100,000余 人" in client.get("/report/cq-civil-affairs-2022/reform/1?lang=zh").text


def test_an_indicator_page_headlines_its_value(client):
    html = client.get("/report/cq-civil-affairs-2022/indicator/3?lang=en").text
    assert '<p class="headline-value">82,300 件次</p>' in html


def test_provenance_is_the_source_sentence_with_the_span_highlighted(client):
    html = client.get("/report/cq-civil-affairs-2022/indicator/3").text
    quote = re.search(r'<blockquote lang="zh">(.*?)</blockquote>', html, re.S)[1]
    assert "<mark>8.23万件次</mark>" in quote
    assert quote.startswith("2022年全市“一门受理、协同办理”社会救助信息平台累计受理救助申请")
    assert 'href="/report/cq-civil-affairs-2022/text?mark=301-308#mark"' in html


def test_the_text_view_highlights_the_span_in_context(client):
    html = client.get("/report/cq-civil-affairs-2022/text?mark=301-308").text
    # The mark holds the facts read from its words (marked in turn: test_annotated_text.py).
    mark = re.search(r'<mark id="mark">(.*?)</mark>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", mark) == "8.23万件次"
    assert html.count("<mark") == 1
    assert "01持续深化社会救助体制改革" in re.sub(r"<[^>]+>", "", html)


def test_the_text_view_ignores_a_mark_outside_the_text(client):
    html = client.get("/report/cq-civil-affairs-2022/text?mark=900000-900010").text
    assert "<mark" not in html


def test_a_span_page_shows_its_quote_in_context(client):
    html = client.get("/report/cq-civil-affairs-2022/span/155-161").text
    assert "<mark>3025人次</mark>" in html
    assert 'id="quote"' in html and 'id="position"' in html


def test_the_ontology_page_is_generated_with_a_section_per_term(client, store):
    html = client.get("/ontology", headers={"Accept": "text/html"}).text
    rows = store.query("""PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT DISTINCT ?t WHERE { GRAPH <https://w3id.org/reformkg/graph/ontology> {
          ?t a ?k VALUES ?k { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty } }
          FILTER(STRSTARTS(STR(?t), "https://w3id.org/reformkg/ontology#")) }""")
    terms = [r["t"].value.split("#", 1)[1] for r in rows]
    assert len(terms) > 20
    ids = {a["id"] for a in Elements(html).find("section") if "id" in a}
    assert set(terms) <= ids
    assert "Measure</a> or <a" in html  # rkg:reform's domain, a union


def test_the_ontology_page_documents_in_both_languages(client):
    html = client.get("/ontology?lang=zh", headers={"Accept": "text/html"}).text
    assert "改革报告知识图谱本体" in html and "改革事项" in html


def test_query_ui_serves_vendored_yasgui_pointed_at_the_endpoint(client):
    html = client.get("/query").text
    elements = Elements(html)
    assert elements.find("script", src="/static/vendor/yasgui/yasgui.min.js")
    assert elements.find("link", href="/static/vendor/yasgui/yasgui.min.css")
    assert '"endpoint": "http://localhost/sparql"' in html
    with client.get("/static/vendor/yasgui/yasgui.min.js") as script:
        assert script.status_code == 200


def test_query_ui_offers_every_named_query_as_an_example(client):
    from reformkg.service.sparql.catalog import load_catalog

    html = client.get("/query").text
    for query in load_catalog():
        assert f'data-example="{query.name}"' in html


def test_query_ui_has_the_dataset_prefixes(client):
    from reformkg.ontology.vocab import PREFIXES

    assert client.get("/query/prefixes.json").get_json() == PREFIXES
    assert "PREFIX rkg: <https://w3id.org/reformkg/ontology#>" in client.get("/query").text


def test_vendored_yasgui_has_its_licence_and_version():
    vendor = STATIC / "vendor" / "yasgui"
    assert (vendor / "VERSION").read_text().splitlines()[0] == "@zazuko/yasgui@4.6.2"
    assert "MIT License" in (vendor / "LICENSE").read_text()


def test_no_page_or_asset_loads_anything_from_another_host(client):
    """Pages and first-party assets refer only to this service; links out (licences, Wikidata) are links."""
    for path in ("/", "/query", "/ontology", "/dataset", "/report/cq-civil-affairs-2022/reform/1"):
        elements = Elements(client.get(path, headers={"Accept": "text/html"}).text)
        loaded = [a.get("src") or a.get("href") for t in ("script", "img", "iframe", "link")
                  for a in elements.find(t) if t != "link" or a.get("rel") == "stylesheet"]
        assert all(url.startswith("/") for url in loaded if url), (path, loaded)
    for asset in (STATIC / "css").glob("*.css"):
        assert "url(" not in asset.read_text() and "@import" not in asset.read_text()
    assert "http" not in (STATIC / "js" / "query.js").read_text()


@pytest.mark.parametrize("accept", ["text/html", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_browsers_asking_the_endpoint_for_a_page_are_sent_to_the_query_ui(app, accept):
    with app.test_request_context("/sparql", headers={"Accept": accept}):
        response = sparql.browser_redirect()
    assert response is not None and response.status_code == 303 and response.location.endswith("/query")


@pytest.mark.parametrize("path,accept", [("/sparql", "text/turtle"), ("/sparql", None), ("/sparql", "*/*"),
                                         ("/sparql?query=ASK%7B%7D", "text/html")])
def test_other_endpoint_requests_are_left_to_the_endpoint(app, path, accept):
    with app.test_request_context(path, headers={"Accept": accept} if accept else {}):
        assert sparql.browser_redirect() is None


def test_landing_page_links_the_reports_full_text(client):
    assert 'href="/report/cq-civil-affairs-2022/text"' in client.get("/").text
    assert client.get("/report/cq-civil-affairs-2022/text").status_code == 200


def test_the_readme_shows_the_dashboard_a_reform_chart_and_the_annotated_text():
    readme = (STATIC.parent.parent / "README.md").read_text(encoding="utf-8")
    for name in ("dashboard", "reform-chart", "annotated-text"):
        assert f"(docs/screenshots/{name}.png)" in readme
        image = STATIC.parent.parent / "docs" / "screenshots" / f"{name}.png"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
