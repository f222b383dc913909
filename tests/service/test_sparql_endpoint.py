"""The /sparql endpoint through Flask's test client: protocol, negotiation, limits, errors, CORS, SD."""
from __future__ import annotations

import json
import logging
import os
import signal
import threading

import pytest
from pyoxigraph import QueryBoolean, QueryResultsFormat, RdfFormat, parse, parse_query_results

from reformkg.service import formats
from reformkg.service.errors import NotAcceptable
from reformkg.service.formats import BY_MEDIA

from .conftest import AUTH, KASEI, RUNAWAY, SAMPLE_GRAPH, SAMPLE_SIZE

SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/value> ?o } ORDER BY ?o LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s <http://example.org/v> ?o } WHERE { ?s <http://example.org/value> ?o } LIMIT 3"


def media(response) -> str:
    return response.headers["Content-Type"].split(";")[0]


@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("text/xml", "application/sparql-results+xml"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("text/turtle, text/csv;q=0.1", "text/csv"),
    ("application/sparql-results+json;q=0, */*;q=0.5", "application/sparql-results+xml"),
])
def test_select_results_are_negotiated_with_q_values(client, accept, expected):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and media(response) == expected
    assert response.headers["Vary"] == "Accept"
    if expected == "text/csv":  # lossy, so pyoxigraph does not parse it
        assert response.text.splitlines()[0] == "s,o" and len(response.text.splitlines()) == 4
    else:
        assert len(list(parse_query_results(response.data, format=BY_MEDIA[expected].syntax))) == 3


@pytest.mark.parametrize("accept, expected", [
    (None, "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig", "application/trig"),
    ("text/plain", "application/n-triples"),
    ("application/xml", "application/rdf+xml"),
    ("application/sparql-results+json, application/n-triples;q=0.2", "application/n-triples"),
])
def test_construct_results_are_negotiated_with_q_values(client, accept, expected):
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and media(response) == expected
    assert len(list(parse(response.data, format=BY_MEDIA[expected].syntax))) == 3


def test_a_construct_keeps_the_querys_prefixes_in_turtle_and_ignores_relative_ones(client):
    query = ("PREFIX ex: <http://example.org/> PREFIX rel: <relative/> "
             "CONSTRUCT { ?s ex:v ?o } WHERE { ?s ex:value ?o } LIMIT 1")
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200 and response.text.startswith("@prefix ex: <http://example.org/> .")


def test_describe_is_answered_as_rdf(client):
    response = client.get("/sparql", query_string={"query": "DESCRIBE <http://example.org/item/0>"})
    assert media(response) == "text/turtle"
    assert len(list(parse(response.data, format=RdfFormat.TURTLE))) == 2


def test_ask_is_answered_as_a_boolean(client):
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+xml"})
    result = parse_query_results(response.data, format=QueryResultsFormat.XML)
    assert isinstance(result, QueryBoolean) and bool(result)


def test_a_kept_negotiation_answers_per_header_and_per_kind_of_answer_and_keeps_no_refusal():
    accept = "text/turtle, application/sparql-results+xml;q=0.5"
    assert formats.negotiate(accept, formats.RESULTS).media_type == "application/sparql-results+xml"
    assert formats.negotiate(accept, formats.GRAPH).media_type == "text/turtle"
    assert formats.negotiate(accept, formats.RESULTS).media_type == "application/sparql-results+xml"
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            formats.negotiate("image/png", formats.RESULTS)


@pytest.mark.parametrize("query, accept", [
    (SELECT, "image/png"),
    (SELECT, "text/turtle"),
    (CONSTRUCT, "application/sparql-results+json"),
])
def test_nothing_acceptable_is_406_naming_the_offers(client, query, accept):
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "it is offered as" in response.text or "this endpoint offers" in response.text


@pytest.mark.parametrize("value, query, expected", [
    ("csv", SELECT, "text/csv"),
    ("json", SELECT, "application/sparql-results+json"),
    ("json", CONSTRUCT, "application/ld+json"),
    ("xml", CONSTRUCT, "application/rdf+xml"),
    ("ttl", CONSTRUCT, "text/turtle"),
    ("text/tab-separated-values", SELECT, "text/tab-separated-values"),
])
def test_a_format_parameter_overrides_accept_for_links_in_browsers(client, value, query, expected):
    response = client.get("/sparql", query_string={"query": query, "format": value},
                          headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and media(response) == expected


def test_an_unknown_format_parameter_is_400(client):
    response = client.get("/sparql", query_string={"query": SELECT, "format": "yaml"})
    assert response.status_code == 400 and "unknown format 'yaml'" in response.text


def _csv_rows(response) -> list[str]:
    assert response.status_code == 200, response.text
    return response.text.splitlines()[1:]


def test_the_default_graph_is_the_union_of_all_graphs(client):
    rows = _csv_rows(client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                                headers={"Accept": "text/csv"}))
    assert rows == [str(SAMPLE_SIZE)]


def test_default_graph_uri_and_named_graph_uri_name_the_dataset(client):
    query = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    rows = _csv_rows(client.get("/sparql", query_string={"query": query, "default-graph-uri": f"{KASEI}data1.rdf"},
                                headers={"Accept": "text/csv"}))
    assert rows == ["1"]
    query = "SELECT ?g { GRAPH ?g { ?s ?p ?o } }"
    named = [f"{KASEI}data2.rdf", f"{KASEI}data3.rdf"]
    rows = _csv_rows(client.post("/sparql", data={"query": query, "named-graph-uri": named},
                                 headers={"Accept": "text/csv"}))
    assert sorted(rows) == named


def test_a_query_with_from_uses_its_own_dataset_not_the_union(client):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{KASEI}data2.rdf> {{ ?s ?p ?o }}"
    assert _csv_rows(client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})) == ["1"]


def test_a_query_may_be_posted_as_a_form_or_directly(client):
    form = client.post("/sparql", data={"query": "ASK {}"})
    direct = client.post("/sparql", data="ASK {}", content_type="application/sparql-query; charset=utf-8")
    assert form.status_code == direct.status_code == 200
    assert form.data == direct.data == b'{"head":{},"boolean":true}'


def test_utf8_text_round_trips(client):
    response = client.post("/sparql", data=f'SELECT ?l {{ GRAPH <{SAMPLE_GRAPH}> {{ ?s ?p ?l FILTER(?l = "改革"@zh) }} }}'
                           .encode(), content_type="application/sparql-query", headers={"Accept": "text/csv"})
    assert response.text.splitlines() == ["l", "改革"]


@pytest.mark.parametrize("kwargs, status, message", [
    (dict(method="GET", query_string="query=ASK%20%7B%7D&query=ASK%20%7B%7D"), 400, "give one query or one update, not 2"),
    (dict(method="GET", query_string="query=ASK%20%7B"), 400, "syntax error at line 1, column 6: found the end of the query"),
    (dict(method="POST", data="ASK {}"), 415, "no Content-Type"),
    (dict(method="POST", data="ASK {}", content_type="text/plain"), 415, "Content-Type text/plain"),
    (dict(method="POST", data="ASK {}".encode("utf-16"), content_type="application/sparql-query; charset=UTF-16"),
     400, "declared as utf-16"),
    (dict(method="POST", data=b"ASK { FILTER(\xff) }", content_type="application/sparql-query"), 400, "not UTF-8"),
    (dict(method="POST", data=b"query=%FF", content_type="application/x-www-form-urlencoded"), 400, "not UTF-8"),
    (dict(method="GET", query_string="query=%FF"), 400, "not UTF-8"),
    (dict(method="POST", data={"format": "json"}), 400, "no query and no update"),
    (dict(method="POST", data="ASK {}", content_type="application/sparql-query", query_string="query=ASK%20%7B%7D"),
     400, "may not have a query"),
    (dict(method="GET", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"}), 400,
     "default-graph-uri must be an absolute IRI"),
    (dict(method="GET", query_string={"query": "ASK {}", "using-graph-uri": "http://g"}), 400,
     "a query takes default-graph-uri"),
    (dict(method="GET", query_string={"query": "ASK {}", "timeout": "soon"}), 400, "timeout must be a positive float"),
    (dict(method="GET", query_string={"query": "ASK {}", "max-rows": "-1"}), 400, "max-rows must be a positive int"),
    (dict(method="PUT", query_string="query=ASK%20%7B%7D"), 405, "PUT is not allowed on /sparql"),
    (dict(method="DELETE"), 405, "use"),
])
def test_protocol_errors_have_precise_status_and_message(client, kwargs, status, message):
    response = client.open("/sparql", **kwargs)
    assert response.status_code == status, response.text
    assert message in response.text


def test_a_405_lists_the_allowed_methods(client):
    response = client.put("/sparql")
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_an_update_sent_with_get_is_refused_and_never_run(writer):
    response = writer.get("/sparql", query_string={"update": "DROP ALL"}, headers=AUTH)
    assert response.status_code == 400 and "must be sent with POST" in response.text
    count = writer.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                       headers={"Accept": "text/csv"})
    assert int(count.text.splitlines()[1]) > 0


def test_a_body_larger_than_max_body_bytes_is_413(client):
    response = client.post("/sparql", data="ASK {}" + " " * 100_001, content_type="application/sparql-query")
    assert response.status_code == 413 and "set by max_body_bytes" in response.text


def test_a_query_longer_than_max_query_length_is_413(client):
    response = client.post("/sparql", data="ASK {}" + " " * 5001, content_type="application/sparql-query")
    assert response.status_code == 413 and "set by max_query_length" in response.text


def test_too_many_rows_is_400_and_max_rows_can_lower_the_limit(client):
    response = client.get("/sparql", query_string={"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }"})
    assert response.status_code == 400 and "the limit set by max_result_rows" in response.text
    response = client.get("/sparql", query_string={"query": SELECT, "max-rows": "2"})
    assert response.status_code == 400 and "more than 2 rows, the limit set by the request" in response.text


def test_a_timeout_parameter_lowers_the_deadline(client, backend_kind):
    response = client.get("/sparql", query_string={"query": RUNAWAY, "timeout": "0.2"})
    # The embedded store stops its engine (503); a remote server has not answered in time (504, a gateway's).
    assert response.status_code == {"embedded": 503, "remote": 504}[backend_kind]
    assert "0.2 s" in response.text and "limit set by the request" in response.text


def test_service_is_refused_with_403(client):
    response = client.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://169.254.169.254/> { } }"})
    assert response.status_code == 403 and "federation_allow" in response.text


def test_an_update_on_a_read_only_service_is_403_and_says_so(client):
    response = client.post("/sparql", data={"update": "DROP ALL"}, headers=AUTH)
    assert response.status_code == 403 and "read-only" in response.text


@pytest.mark.embedded_only
def test_errors_carry_a_request_id_and_never_a_stack_trace_or_path(app, client, sample_dir):
    """Embedded only: one of the errors is a query engine process killed mid-query."""
    engines = app.extensions["reformkg.backend"].executor.pids()
    threading.Timer(0.3, lambda: [os.kill(pid, signal.SIGKILL) for pid in engines]).start()
    crashed = client.get("/sparql", query_string={"query": RUNAWAY})
    assert crashed.status_code == 500 and "the query engine failed on this query" in crashed.text
    responses = [
        client.get("/sparql", query_string={"query": "ASK {"}, headers={"Accept": "application/json"}),
        crashed,
        client.get("/store", query_string={"graph": "http://example.org/absent"}),
        client.get("/nowhere"),
        client.post("/sparql", data="x", content_type="application/sparql-query"),
    ]
    for response in responses:
        assert response.status_code >= 400
        assert "Traceback" not in response.text and str(sample_dir) not in response.text
        assert len(response.headers["X-Request-Id"]) == 16
    body = responses[0].get_json()
    assert body["status"] == 400 and body["request_id"] == responses[0].headers["X-Request-Id"]


def test_a_clients_request_id_is_kept_unless_it_could_forge_log_lines(client):
    kept = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert kept.headers["X-Request-Id"] == "abc-123"
    replaced = client.get("/healthz", headers={"X-Request-Id": 'x" status=200'})
    assert replaced.headers["X-Request-Id"] != 'x" status=200'


def test_every_request_is_logged_as_one_json_line_with_its_timing(client, caplog):
    with caplog.at_level(logging.INFO, logger="reformkg.access"):
        response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"X-Request-Id": "timed-1"})
        response.close()
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "reformkg.access"]
    assert line["request_id"] == "timed-1" and line["status"] == 200 and line["path"] == "/sparql"
    assert line["method"] == "GET" and line["duration_ms"] >= 0 and line["bytes"] == len(response.data)


def test_cors_lets_other_origins_read_including_errors(client):
    ok = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"})
    bad = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Origin": "https://yasgui.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == bad.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={"Origin": "https://yasgui.example",
                                                   "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Authorization" not in preflight.headers["Access-Control-Allow-Headers"]


def test_get_without_a_query_is_the_service_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and media(response) == "text/turtle"
    text = response.text
    assert "sd:endpoint <http://localhost/sparql>" in text
    assert f"sd:name <{SAMPLE_GRAPH}>" in text and f"sd:name <{KASEI}data1.rdf>" in text
    assert "formats:SPARQL_Results_JSON" in text and "sd:UnionDefaultGraph" in text
    assert "SPARQL11Update" not in text and "read-only" in text and "BasicFederatedQuery" not in text


def test_get_without_a_query_and_no_rdf_accepted_is_400(client):
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400 and "give a query parameter" in response.text


def test_health_and_readiness(client, backend_kind):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["triples"] == SAMPLE_SIZE and ready["graphs"] == 4
    # Whether the query engines are cut off from the network; a remote store has no engines here.
    offline = ready["engines_offline"]
    assert isinstance(offline, bool) if backend_kind == "embedded" else offline is None
