"""The named-queries API over HTTP: listing, formats, paging, errors, and SPARQL injection."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from pyoxigraph import QueryResultsFormat, parse_query_results

from reformkg.service.app import create_app
from reformkg.service.sparql.catalog import load_catalog, parse_query_file
from reformkg.service.errors import BadRequest
from reformkg.service.store import open_backend
from reformkg.service.sparql.terms import parse_term

from ..conftest import Dataset
from .conftest import BASE, answer, rows, settings_for


class Recording:
    """A backend that remembers every request it passes on, to look at what reached the store."""

    def __init__(self, backend) -> None:
        self.backend, self.requests = backend, []

    def query(self, request):
        self.requests.append(request)
        return self.backend.query(request)

    def terms(self, request):
        self.requests.append(request)
        return self.backend.terms(request)

    def __getattr__(self, name):
        return getattr(self.backend, name)


@pytest.fixture(scope="module")
def recorded(report: Dataset):
    settings = settings_for(report)
    backend = Recording(open_backend(settings))
    application = create_app(settings, backend=backend)
    yield application.test_client(), backend
    backend.close()


@pytest.fixture(scope="module")
def capped(report: Dataset):
    """The app with max_result_rows = 10."""
    application = create_app(settings_for(report, max_result_rows=10))
    yield application.test_client()
    application.extensions["reformkg.backend"].close()


def test_the_list_gives_every_query_with_its_metadata_and_parameters(client):
    listed = client.get("/api/queries").get_json()["queries"]
    assert len(listed) == len(load_catalog()) >= 20
    by_name = {q["name"]: q for q in listed}
    indicators = by_name["indicators"]
    assert (indicators["title"], indicators["title_zh"], indicators["paging"], indicators["url"]) == (
        "Indicators", "指标", True, "/api/queries/indicators")
    assert indicators["variables"] == ["reform", "value", "unit", "approx", "quote", "label_en", "indicator", "report", "label_zh", "kind",
        "what_zh", "what_en", "programme_zh", "target_groups", "agencies"]
    assert indicators["parameters"][0] == {
        "name": "reform", "type": "integer", "required": False, "default": None, "values": None, "minimum": "0",
        "maximum": None, "lang": None, "example": "9",
        "description": "Only the indicators of this reform (its number in its report; 0 for a report without numbered sections)."}
    assert [p["name"] for p in indicators["parameters"]] == ["reform", "unit", "approx", "report"]
    assert by_name["label-search"]["parameters"][1]["values"] == ["zh", "en"]


def test_json_rows_have_every_variable_with_typed_values(client):
    body = client.get("/api/queries/indicators?reform=1&limit=1").get_json()
    assert body["variables"] == ["reform", "value", "unit", "approx", "quote", "label_en", "indicator", "report", "label_zh", "kind",
        "what_zh", "what_en", "programme_zh", "target_groups", "agencies"]
    (row,) = body["rows"]
    assert {k: row[k] for k in ("reform", "value", "unit", "approx", "quote", "indicator", "kind", "target_groups",
                                "agencies", "programme_zh")} == {
        "reform": 1, "value": 3025, "unit": "人次", "approx": False, "quote": "3025人次",
        "indicator": f"{BASE}report/cq-civil-affairs-2022/indicator/1", "kind": "cumulative",
        "target_groups": "困难群众", "agencies": "", "programme_zh": None}  # unbound is null
    assert body["parameters"] == {"reform": "1"}


@pytest.mark.parametrize("accept, media", [
    (None, "application/json"),
    ("*/*", "application/json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
])
def test_the_format_is_negotiated_from_accept(client, accept, media):
    response = client.get("/api/queries/indicators?reform=2", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("name, media", [("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                                         ("xml", "application/sparql-results+xml"), ("json", "application/json"),
                                         ("sparql-json", "application/sparql-results+json")])
def test_format_overrides_accept(client, name, media):
    response = client.get(f"/api/queries/indicators?reform=2&format={name}", headers={"Accept": "text/csv"})
    assert response.mimetype == media


def test_every_format_holds_the_same_rows(client):
    def get(media: str) -> bytes:
        return client.get("/api/queries/indicators?reform=2", headers={"Accept": media}).data

    quotes = [r["quote"] for r in json.loads(get("application/json"))["rows"]]
    assert len(quotes) == 7
    for media, fmt in (("application/sparql-results+json", QueryResultsFormat.JSON),
                       ("application/sparql-results+xml", QueryResultsFormat.XML),
                       ("text/tab-separated-values", QueryResultsFormat.TSV)):
        assert [s["quote"].value for s in parse_query_results(get(media), format=fmt)] == quotes
    assert [r["quote"] for r in csv.DictReader(io.StringIO(get("text/csv").decode("utf-8")))] == quotes


def test_an_accept_header_with_nothing_on_offer_is_406(client):
    response = client.get("/api/queries/indicators", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/json" in response.get_data(as_text=True)


def test_pages_follow_the_query_order_and_join_up_to_the_whole_answer(client):
    whole = rows(client, "indicators")
    pages, url = [], "/api/queries/indicators?limit=20"
    for _ in range(10):  # bounded: 56 rows make 3 pages
        body = client.get(url).get_json()
        pages.append(body["rows"])
        if body["next"] is None:
            break
        url = body["next"]
    assert [len(p) for p in pages] == [20, 20, 16]
    assert [r for page in pages for r in page] == whole


def test_a_full_page_links_to_the_next_in_json_and_a_link_header(client):
    response = client.get("/api/queries/indicators?reform=9&limit=5&offset=5")
    body = response.get_json()
    assert [r["quote"] for r in body["rows"]] == ["4878人", "1500余万元", "55个", "7700余名", "100%"]
    assert body["next"] == "/api/queries/indicators?reform=9&limit=5&offset=10"
    assert response.headers["Link"] == '</api/queries/indicators?reform=9&limit=5&offset=10>; rel="next"'
    last = client.get(body["next"]).get_json()
    assert (last["rows"], last["next"]) == ([], None)


def test_paging_applies_to_every_format(client):
    response = client.get("/api/queries/indicators?limit=3&offset=1", headers={"Accept": "text/csv"})
    assert [r["quote"] for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))] == [
        "110余万", "8.23万件次", "1.93万件次"]


def test_limit_is_capped_by_max_result_rows(capped):
    body = capped.get("/api/queries/indicators").get_json()
    assert (len(body["rows"]), body["limit"]) == (10, 10)
    assert body["next"].endswith("limit=10&offset=10")
    asked = capped.get("/api/queries/indicators?limit=50").get_json()
    assert (len(asked["rows"]), asked["limit"]) == (10, 10)


@pytest.fixture(scope="module")
def paged(report: Dataset):
    """The app with page_rows = 7: a page is 7 rows unless the client asks for another limit."""
    application = create_app(settings_for(report, page_rows=7))
    yield application.test_client()
    application.extensions["reformkg.backend"].close()


def test_without_a_limit_a_page_is_page_rows_long_and_links_to_the_next(paged, client):
    body = paged.get("/api/queries/indicators").get_json()
    assert (len(body["rows"]), body["limit"]) == (7, 7)
    assert body["next"].endswith("limit=7&offset=7")
    assert body["rows"] == rows(client, "indicators")[:7]
    asked = paged.get("/api/queries/indicators?limit=20").get_json()
    assert (len(asked["rows"]), asked["limit"]) == (20, 20)  # a client may ask for more, up to max_result_rows
    assert len(paged.get("/api/queries/indicators?reform=2").get_json()["rows"]) == 7


def test_a_query_that_does_not_page_refuses_limit_and_offset():
    query = parse_query_file("unordered", "#+ title: T\n#+ title_zh: 题\n#+ description: D\n"
                                          "SELECT ?s WHERE { ?s ?p ?o }\n")
    assert not query.paging
    with pytest.raises(BadRequest, match="does not page"):
        query.request({}, accept=None, limit=5, offset=0, timeout=1.0, max_rows=10)
    assert query.request({}, accept=None, limit=None, offset=0, timeout=1.0, max_rows=10).query == query.text


@pytest.mark.parametrize("url, status, says", [
    ("/api/queries/no-such-query", 404, "no named query 'no-such-query'"),
    ("/api/queries/incoming-links", 400, "needs the parameter target (iri)"),
    ("/api/queries/indicators?reform=1&reform=2", 400, "given 2 times"),
    ("/api/queries/indicators?reform=one", 400, "parameter reform: 'one' is not an integer"),
    ("/api/queries/indicators?reform=-1", 400, "below the minimum 0"),
    ("/api/queries/indicators?report=report%2Fsc", 400, "parameter report: 'report/sc' is not an absolute IRI"),
    ("/api/queries/indicators?approx=yes", 400, "parameter approx: 'yes' is not a boolean"),
    ("/api/queries/indicators-by-unit?min=lots", 400, "parameter min: 'lots' is not a decimal"),
    ("/api/queries/reports?since=yesterday", 400, "parameter since: 'yesterday' is not a date"),
    ("/api/queries/label-search?q=x&lang=fr", 400, "parameter lang: 'fr' is not one of zh, en"),
    ("/api/queries/documents-by-type?type=章程", 400, "parameter type: '章程' is not one of"),
    ("/api/queries/money-totals?group=not%20an%20iri", 400, "parameter group: 'not an iri' is not an absolute IRI"),
    ("/api/queries/indicators?colour=red", 400, "unknown parameter colour; query indicators takes reform, unit, approx, report"),
    ("/api/queries/indicators?limit=0", 400, "limit must be one whole number of at least 1"),
    ("/api/queries/indicators?offset=-1", 400, "offset must be one whole number of at least 0"),
    ("/api/queries/indicators?limit=%C2%B2", 400, "limit must be one whole number"),
    ("/api/queries/indicators?offset=99999999999999999999", 400, "at most 9 digits"),
    ("/api/queries/indicators?format=yaml", 400, "format must be one of json, sparql-json, xml, csv, tsv"),
])
def test_a_bad_request_says_what_to_change(client, url, status, says):
    body = answer(client, url, status)
    assert says in body["message"] and body["status"] == status


INJECTIONS = [
    '"} UNION { ?s ?p ?o } #',
    "' } UNION { ?s ?p ?o } #",
    "> } UNION { ?s ?p ?o } #",
    'x" . ?s ?p ?o . FILTER("1',
    "1 } UNION { ?s ?p ?o }",
    '"""\n} ; DROP ALL ; SELECT * {',
    "urn:x> } UNION { ?s ?p ?o } <urn:y",
    '\\" } #',
    '养老") || true || CONTAINS("',
    "https://w3id.org/reformkg/place/chongqing> . ?s ?p ?o . <urn:x",
    'true"^^<http://www.w3.org/2001/XMLSchema#boolean> } UNION { ?s ?p ?o } #',
    '2023-02-06"^^<http://www.w3.org/2001/XMLSchema#date> } UNION { ?s ?p ?o } #',
    '通知"@zh } UNION { ?s ?p ?o } #',
    "1 ; ?reform 2",
    "?s",
]
PARAMETERS = [(q.name, p) for q in load_catalog() for p in q.parameters]


def test_every_parameter_of_every_query_is_attacked():
    assert {name for name, _ in PARAMETERS} >= {"indicators", "label-search", "resource-by-label", "reports"}
    assert len(PARAMETERS) >= 20


@pytest.mark.parametrize("name, parameter", PARAMETERS, ids=[f"{n}-{p.name}" for n, p in PARAMETERS])
def test_sparql_injection_through_a_parameter_never_reaches_the_query_text(recorded, name, parameter):
    """Each payload is refused by the parameter's type (400, nothing sent), or sent only as one RDF term
    beside the file's own query text, where it matches nothing."""
    client, backend = recorded
    others = {p.name: p.example for p in load_catalog().get(name).parameters
              if p.required and p.name != parameter.name}
    for payload in INJECTIONS:
        backend.requests.clear()
        response = client.get(f"/api/queries/{name}", query_string={**others, parameter.name: payload},
                              headers={"Accept": "application/json"})
        body = response.get_json()
        if response.status_code == 400:
            assert body["message"].startswith(f"parameter {parameter.name}:"), body
            assert backend.requests == []
            continue
        assert response.status_code == 200, body
        assert body["rows"] == [], f"{payload!r} through {name}.{parameter.name} matched rows"
        query = load_catalog().get(name)
        if query.index is not None and not backend.requests:
            continue  # answered from the label index (search/named.py), where the payload is text to look for
        (sent,) = backend.requests
        page = re.fullmatch(r"LIMIT ([0-9]+)\nOFFSET 0\n", sent.query.removeprefix(query.text.rstrip() + "\n"))
        assert sent.query == query.text or page is not None  # the text is the file's, untouched (and paged)
        term = parse_term(sent.substitutions[parameter.name])
        assert term.value == payload or parameter.type == "lang-string" and payload.startswith(term.value)
