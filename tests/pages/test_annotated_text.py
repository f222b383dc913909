"""The source text with every fact read from it marked in place (annotations.py, templates/text.html)."""
from __future__ import annotations

import html as entities
import json
import re

from .conftest import REPORT
from .test_charts import sparql_count

TEXT = REPORT + "/text"
EVIDENCED = f"?fact <https://w3id.org/reformkg/ontology#evidence> ?span . ?span <http://www.w3.org/ns/oa#hasSource> <{TEXT}>"


def spans_of(html: str) -> list[dict]:
    return json.loads(re.search(r'<script type="application/json" id="fact-data">(.*?)</script>', html, re.S).group(1))


def test_the_text_page_marks_every_fact_read_from_the_text(client):
    html = client.get("/report/cq-civil-affairs-2022/text?lang=en").text
    spans = spans_of(html)
    facts = {f["href"] for s in spans for f in s["facts"]}
    expected = sparql_count(client, f"SELECT DISTINCT ?fact WHERE {{ {EVIDENCED} }}")
    assert len(facts) == expected == int(re.search(r"data-facts-total>(\d+)<", html).group(1))
    assert len(spans) == sparql_count(client, f"SELECT DISTINCT ?span WHERE {{ {EVIDENCED} }}")
    # Every span covers at least one marked piece of the text, and its pieces spell its words.
    marked = re.findall(r'<span class="fact depth-\d" data-spans="([\d ]+)"[^>]*>([^<]*)</span>', html)
    covered = {int(i) for indices, _ in marked for i in indices.split()}
    assert covered == set(range(len(spans)))
    query = f"SELECT ?v WHERE {{ <{TEXT}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?v }}"
    source = client.get("/sparql", query_string={"query": query},
                        headers={"Accept": "application/sparql-results+json"}).json["results"]["bindings"][0]["v"]["value"]
    for index in (0, len(spans) // 2, len(spans) - 1):
        words = "".join(entities.unescape(piece) for indices, piece in marked if str(index) in indices.split())
        assert words == source[spans[index]["start"]:spans[index]["end"]].replace("\n", ""), index


def test_a_statement_fact_names_its_subject_predicate_and_object(client):
    spans = spans_of(client.get("/report/cq-civil-affairs-2022/text?lang=en").text)
    links = [f for s in spans for f in s["facts"] if f["statement"]]
    assert links and all(len(f["statement"]) == 3 for f in links)
    assert all(f["kind"] == "Link" for f in links)
    indicator = next(f for s in spans for f in s["facts"] if f["href"] == "/report/cq-civil-affairs-2022/indicator/3")
    assert indicator["kind"] == "Indicator"
    span = next(s for s in spans if indicator in s["facts"])
    assert (span["start"], span["end"]) == (301, 308)


def test_the_requested_mark_stays_one_element_among_the_facts(client):
    html = client.get("/report/cq-civil-affairs-2022/text?mark=301-308").text
    mark = re.search(r'<mark id="mark">(.*?)</mark>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", mark) == "8.23万件次"
    assert html.count('<mark id="mark">') == 1
