"""Lists of instances by kind, paged and sorted by the store, and the indicator list's facets (views/browse.py)."""
from __future__ import annotations

import re

import pytest

from reformkg.service import browse

from .conftest import BASE, REPORT
from .test_charts import sparql_count

YUAN = BASE + "unit/yuan"


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def total(html: str) -> int:
    return int(re.search(r"data-total>(\d+)<", html).group(1))


@pytest.mark.parametrize("kind", [k for k in browse.KINDS if k.cls])
def test_a_class_list_counts_every_instance_of_its_class(client, kind):
    html = client.get(f"/{kind.path}/?lang=en").text
    assert total(html) == sparql_count(client, f"?s a <{kind.cls}>")
    assert len(rows(html)) == min(total(html), browse.PAGE_SIZE)


def test_the_target_group_list_holds_the_schemes_concepts(client):
    html = client.get("/target-group/?lang=en").text
    expected = sparql_count(client, f"?s <http://www.w3.org/2004/02/skos/core#inScheme> <{BASE}scheme/target-groups>")
    assert total(html) == expected > 0
    assert 'href="/target-group/minors"' in html


def test_the_landing_pages_class_links_lead_to_the_lists(client):
    html = client.get("/?lang=en").text
    for path in ("reform", "indicator", "agency", "document", "programme", "place"):
        assert f'href="/{path}/"' in html


def test_a_list_sorts_by_indicators_or_by_name_in_the_store(client):
    by_count = client.get("/reform/?lang=en&sort=indicators").text
    counts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', by_count)]
    assert counts == sorted(counts, reverse=True) and counts[0] == 17
    ascending = client.get("/reform/?lang=en&sort=indicators&order=asc").text
    assert [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', ascending)] == sorted(counts)
    by_name = client.get("/agency/?lang=en").text
    names = [re.search(r">([^<]+)</a>", row).group(1).lower() for row in rows(by_name)]
    assert names == sorted(names)


def test_a_list_that_spans_pages_links_the_next_one(client):
    first = client.get("/indicator/?lang=en").text
    assert len(rows(first)) == browse.PAGE_SIZE and total(first) == 56
    following = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(following).text
    assert len(rows(second)) == 56 - browse.PAGE_SIZE
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert client.get("/indicator/?page=3").status_code == 400


@pytest.mark.parametrize("query", ["page=0", "page=x", "sort=colour", "order=up"])
def test_a_list_refuses_what_it_does_not_offer(client, query):
    answer = client.get(f"/agency/?{query}", headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.json["message"]


def test_a_facet_narrows_the_indicators_and_counts_the_others(client):
    html = client.get("/indicator/", query_string={"unit": YUAN, "lang": "en"}).text
    yuan = sparql_count(client, f"?i <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> <{YUAN}>")
    assert total(html) == len(rows(html)) == yuan == 7
    kinds = re.search(r'data-facet="kind">(.*?)</section>', html, re.S).group(1)
    assert sum(int(n) for n in re.findall(r'class="count">(\d+)<', kinds)) == yuan
    # The unit facet itself still offers every unit, each counted without the chosen one.
    units = re.search(r'data-facet="unit">(.*?)</section>', html, re.S).group(1)
    assert sum(int(n) for n in re.findall(r'class="count">(\d+)<', units)) == 56
    assert 'class="chosen"' in units


def test_two_facets_together_narrow_to_what_both_admit(client):
    reform9 = REPORT + "/reform/9"
    html = client.get("/indicator/", query_string={"unit": YUAN, "reform": reform9}).text
    expected = sparql_count(client, f"?i <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> <{YUAN}> ; "
                                    f"<https://w3id.org/reformkg/ontology#reform> <{reform9}>")
    assert total(html) == expected == 5


def test_a_facet_value_that_is_not_an_iri_is_refused(client):
    answer = client.get("/indicator/?unit=yuan", headers={"Accept": "application/json"})
    assert answer.status_code == 400


def test_a_report_is_still_its_own_page_beside_the_report_list(client):
    assert "<h1>Chongqing" in client.get("/report/cq-civil-affairs-2022?lang=en").text
    assert total(client.get("/report/").text) == 1


def test_the_list_of_two_reports_names_each_items_report(two_reports_client):
    html = two_reports_client.get("/reform/?lang=en").text
    assert total(html) == 14
    assert "2023年四川民政重点改革举措" in html and "Chongqing&#39;s ten civil affairs reforms of 2022" in html
