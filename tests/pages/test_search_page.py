"""The search page and the box on every page: names, abstracts and the reports' text, each hit in context."""
from __future__ import annotations

import re

import pytest

from .test_charts import sparql_count

TEXT = "https://w3id.org/reformkg/report/cq-civil-affairs-2022/text"


def test_a_number_as_written_is_found_in_the_text_with_the_fact_read_from_it(client):
    html = client.get("/search", query_string={"q": "110余万", "lang": "en"}).text
    text_hits = html.split('id="in-text"', 1)[1].split('id="names"', 1)[0]
    assert text_hits.count('class="text-hit"') == 1
    assert "<mark>110余万</mark>" in text_hits
    mark = re.search(r'href="/report/cq-civil-affairs-2022/text\?mark=(\d+)-(\d+)#mark"', text_hits)
    start, end = int(mark.group(1)), int(mark.group(2))
    marked = client.get(f"/report/cq-civil-affairs-2022/text?mark={start}-{end}").text
    assert re.sub(r"<[^>]+>", "", re.search(r'<mark id="mark">(.*?)</mark>', marked, re.S).group(1)) == "110余万"
    assert 'class="fact-link" href="/report/cq-civil-affairs-2022/indicator/2"' in text_hits
    named = re.search(r'<h3><a href="/report/cq-civil-affairs-2022/text">([^<]+)</a></h3>', text_hits).group(1)
    assert named.startswith("Chongqing") and named != "text"


def test_every_place_in_the_text_is_counted(client):
    html = client.get("/search", query_string={"q": "养老"}).text
    total = int(re.search(r'id="in-text">\s*<h2>[^<]*<span class="count">(\d+)<', html).group(1))
    source = client.get("/sparql", query_string={"query": f"SELECT ?v WHERE {{ <{TEXT}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?v }}"},
                        headers={"Accept": "application/sparql-results+json"}).json["results"]["bindings"][0]["v"]["value"]
    assert total == source.count("养老") > 10


@pytest.mark.parametrize("q", ["elderly", "ELDERLY"])
def test_english_words_are_found_in_names_and_abstracts_whatever_their_case(client, q):
    html = client.get("/search", query_string={"q": q, "lang": "en"}).text
    names = html.split('id="names"', 1)[1].split('id="summaries"', 1)[0]
    summaries = html.split('id="summaries"', 1)[1]
    assert names.count("<li>") > 0
    abstracts = sparql_count(client, 'SELECT DISTINCT ?s ?a WHERE { ?s <http://purl.org/dc/terms/abstract> ?a '
                                     'FILTER(CONTAINS(LCASE(STR(?a)), "elderly")) }')
    assert summaries.count('class="abstract-hit"') == abstracts > 0
    assert re.search(r"<mark>elderly</mark>", summaries, re.I)


def test_a_text_found_nowhere_says_so(client):
    html = client.get("/search", query_string={"q": "不存在的词语xyz", "lang": "en"}).text
    assert "Not in any report’s text." in html and "No name holds it." in html


def test_the_search_page_without_a_query_is_its_form(client):
    html = client.get("/search?lang=en").text
    assert 'id="search-page-q"' in html and 'id="in-text"' not in html


@pytest.mark.parametrize("path", ["/", "/dashboard", "/report/cq-civil-affairs-2022/reform/1", "/agency/",
                                  "/report/cq-civil-affairs-2022/text", "/query", "/explore"])
def test_every_page_has_the_search_box(client, path):
    html = client.get(path).text
    assert re.search(r'<form class="search-form" role="search" action="/search"', html)
    assert '<label class="visually-hidden" for="site-search">' in html
