"""`reformkg serve` as a real process: the protocol over plain HTTP, real clients (SPARQLWrapper,
rdflib's SPARQLStore), the runaway query, durable writes, the access log and the configuration order."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from .conftest import AUTH, RUNAWAY, SAMPLE_GRAPH, SAMPLE_SIZE, TOKEN, make_data_dir, sample_nquads

VALUE = "http://example.org/value"
ONE = f"SELECT ?o WHERE {{ <http://example.org/item/1> <{VALUE}> ?o }}"
FORM = "application/x-www-form-urlencoded"


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def process_tree(root: int) -> list[int]:
    children, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used (/proc/<pid>/stat fields 14 and 15)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def query_engines(server) -> set[int]:
    def is_engine(pid: int) -> bool:
        try:
            return b"reformkg.service.store.embedded.engine\x00query" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    return {pid for pid in process_tree(server.process.pid) if is_engine(pid)}


def sparql(server, method: str = "GET", **kwargs) -> requests.Response:
    return requests.request(method, server.url + "/sparql", timeout=30, **kwargs)


# Every protocol case over plain HTTP: (method, params, body, headers) → (status, content type, text).
CASES = {
    "query by GET": ("GET", {"query": "ASK {}"}, None, {}, 200, "application/sparql-results+json", "true"),
    "query by form POST": ("POST", None, {"query": "ASK {}"}, {}, 200, "application/sparql-results+json", "true"),
    "query by direct POST": ("POST", None, "ASK {}", {"Content-Type": "application/sparql-query"}, 200,
                             "application/sparql-results+json", "true"),
    "XML results": ("GET", {"query": ONE}, None, {"Accept": "application/sparql-results+xml"}, 200,
                    "application/sparql-results+xml", "<literal"),
    "CSV results": ("GET", {"query": ONE}, None, {"Accept": "text/csv"}, 200, "text/csv", "o\r\n1"),
    "TSV results": ("GET", {"query": ONE}, None, {"Accept": "text/tab-separated-values"}, 200,
                    "text/tab-separated-values", "?o\n1"),
    "CONSTRUCT as JSON-LD": ("GET", {"query": "CONSTRUCT WHERE { <http://example.org/item/1> ?p ?o }"}, None,
                             {"Accept": "application/ld+json"}, 200, "application/ld+json", "@id"),
    "CONSTRUCT as N-Quads": ("GET", {"query": "CONSTRUCT WHERE { <http://example.org/item/1> ?p ?o }"}, None,
                             {"Accept": "application/n-quads;q=0.9, text/turtle;q=0.1"}, 200,
                             "application/n-quads", "<http://example.org/item/1>"),
    "format parameter": ("GET", {"query": ONE, "format": "tsv"}, None, {"Accept": "text/html"}, 200,
                         "text/tab-separated-values", "?o"),
    "dataset by default-graph-uri": ("GET", {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                                             "default-graph-uri": SAMPLE_GRAPH}, None, {"Accept": "text/csv"}, 200,
                                     "text/csv", f"n\r\n{SAMPLE_SIZE - 4}"),
    "service description": ("GET", None, None, {"Accept": "text/turtle"}, 200, "text/turtle", "sd:endpoint"),
    "two query parameters": ("GET", [("query", "ASK {}"), ("query", "ASK {}")], None, {}, 400, "text/plain",
                             "not 2"),
    "syntax error": ("GET", {"query": "SELEC * {}"}, None, {}, 400, "text/plain",
                     "syntax error at line 1, column 1"),
    "no Content-Type": ("POST", None, b"ASK {}", {}, 415, "text/plain", "no Content-Type"),
    "wrong Content-Type": ("POST", None, "ASK {}", {"Content-Type": "text/plain"}, 415, "text/plain", "text/plain"),
    "not UTF-8": ("POST", None, "ASK {}".encode("utf-16"),
                  {"Content-Type": "application/sparql-query; charset=UTF-16"}, 400, "text/plain", "UTF-8"),
    "unsupported method": ("PATCH", None, None, {}, 405, "text/plain", "PATCH is not allowed"),
    "nothing acceptable": ("GET", {"query": "ASK {}"}, None, {"Accept": "image/png"}, 406, "text/plain",
                           "this endpoint offers application/sparql-results+json"),
    "update by GET": ("GET", {"update": "DROP ALL"}, None, AUTH, 400, "text/plain", "must be sent with POST"),
    "update without token": ("POST", None, {"update": "DROP ALL"}, {}, 401, "text/plain", "Bearer"),
    "update with a wrong token": ("POST", None, {"update": "DROP ALL"}, {"Authorization": "Bearer nope"}, 403,
                                  "text/plain", "not the configured"),
    "SERVICE": ("GET", {"query": "SELECT * { SERVICE <http://127.0.0.1:22/> {} }"}, None, {}, 403, "text/plain",
                "federation_allow"),
    "body too large": ("POST", None, "ASK {}" + " " * 100_001, {"Content-Type": "application/sparql-query"}, 413,
                       "text/plain", "max_body_bytes"),
    "too many rows": ("GET", {"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }"}, None, {}, 400, "text/plain",
                      "max_result_rows"),
    "CORS preflight": ("OPTIONS", None, None, {"Origin": "https://else.example", "Access-Control-Request-Method": "POST"},
                       200, "text/html", ""),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_protocol_over_plain_http(server, case):
    method, params, body, headers, status, content_type, text = CASES[case]
    response = sparql(server, method, params=params, data=body.encode() if isinstance(body, str) else body,
                      headers={"Origin": "https://else.example", **headers})
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].split(";")[0] == content_type
    assert text in response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Request-Id"]


def test_an_answer_larger_than_the_buffer_is_streamed_in_chunks(server):
    response = sparql(server, params={"query": "SELECT * { ?s ?p ?o }"})
    assert response.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in response.headers
    assert len(response.json()["results"]["bindings"]) == SAMPLE_SIZE


def test_health_and_readiness_over_http(server):
    assert requests.get(server.url + "/healthz", timeout=10).json() == {"status": "ok"}
    assert requests.get(server.url + "/readyz", timeout=10).json()["triples"] >= SAMPLE_SIZE


def test_sparqlwrapper_queries_and_updates(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(ONE)
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["o"]["value"] == "1"
    client.setMethod(POST)
    client.setReturnFormat(XML)
    assert len(client.query().convert().getElementsByTagName("result")) == 1
    client.setRequestMethod(POSTDIRECTLY)
    client.setQuery("ASK { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery("CONSTRUCT WHERE { <http://example.org/item/1> ?p ?o }")
    client.setReturnFormat(TURTLE)
    assert len(Graph().parse(data=client.query().convert(), format="turtle")) == 1

    update = SPARQLWrapper(server.url + "/sparql")
    update.setMethod(POST)
    update.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    update.setQuery("INSERT DATA { GRAPH <http://example.org/g/wrapper> { <http://example.org/w> <http://example.org/p> 7 } }")
    update.query()
    client.setQuery("ASK { GRAPH <http://example.org/g/wrapper> { ?s ?p 7 } }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True

    client.setQuery("SELECT * {")
    with pytest.raises(QueryBadFormed):
        client.query()


def test_rdflib_sparqlstore_reads_and_sparqlupdatestore_writes(server):
    graph = Graph(store=SPARQLStore(server.url + "/sparql"))
    assert [row.o for row in graph.query(ONE)] == [Literal(1)]
    store = SPARQLUpdateStore(server.url + "/sparql", server.url + "/sparql", headers={"Authorization": f"Bearer {TOKEN}"})
    store.update("INSERT DATA { GRAPH <http://example.org/g/rdflib> { <http://example.org/r> <http://example.org/p> 8 } }")
    rows = list(graph.query("SELECT ?o { GRAPH <http://example.org/g/rdflib> { ?s ?p ?o } }"))
    assert rows == [(Literal(8),)]
    assert (URIRef("http://example.org/r"), URIRef("http://example.org/p"), Literal(8)) in set(
        Graph(store=SPARQLStore(server.url + "/sparql")).query(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <http://example.org/g/rdflib> { ?s ?p ?o } }"))


@pytest.mark.embedded_only
def test_a_runaway_query_gets_503_at_the_deadline_and_leaves_no_cpu_burning(server):
    """Embedded only: the query engine process is killed at the deadline and replaced."""
    before = query_engines(server)
    started = time.monotonic()
    response = sparql(server, params={"query": RUNAWAY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "query exceeded the 2 s limit set by query_timeout" in response.text
    assert 1.0 <= elapsed <= 3.0, elapsed
    [killed] = before - query_engines(server)
    assert not Path(f"/proc/{killed}").exists()
    # A runaway engine would burn a whole CPU; the server's processes go idle once the replacement
    # engine has started (half a second or so, longer on a loaded machine).
    idle = []
    for _ in range(20):
        tree = process_tree(server.process.pid)
        used = cpu_seconds(tree)
        time.sleep(0.5)
        idle.append(cpu_seconds(tree) - used)
        if idle[-1] < 0.05:
            break
    assert idle[-1] < 0.05, idle
    assert len(query_engines(server)) == 2
    assert sparql(server, params={"query": "ASK {}"}).json()["boolean"] is True


@pytest.mark.embedded_only
def test_a_runaway_update_gets_503_and_changes_nothing(server):
    """Embedded only: the writer engine is stopped at the deadline; a remote server runs an update it was
    sent to its end, so the service cannot promise that nothing changed."""
    runaway = ("INSERT { GRAPH <http://example.org/g/runaway> { <http://x> <http://n> ?n } } WHERE { "
               "SELECT (COUNT(*) AS ?n) { GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } GRAPH ?y { ?g ?h ?i } "
               "GRAPH ?z { ?j ?k ?l } } }")
    started = time.monotonic()
    response = sparql(server, "POST", data={"update": runaway}, headers=AUTH)
    assert response.status_code == 503 and "nothing was changed" in response.text
    assert time.monotonic() - started <= 3.0
    assert requests.head(server.url + "/store", params={"graph": "http://example.org/g/runaway"},
                         timeout=10).status_code == 404


def test_every_request_is_in_the_access_log_as_a_json_line(server):
    response = sparql(server, params={"query": "ASK {}"}, headers={"X-Request-Id": "logged-42"})
    assert response.headers["X-Request-Id"] == "logged-42"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
        logged = [line for line in lines if line["request_id"] == "logged-42"]
        if logged:
            break
        time.sleep(0.1)
    [line] = logged
    assert line["status"] == 200 and line["path"] == "/sparql" and line["duration_ms"] > 0


@pytest.mark.embedded_only
def test_writes_with_the_token_survive_a_crash_and_restart_and_without_it_nothing_changes(
        server_factory, tmp_path_factory):
    """Embedded only: the on-disk store's crash-safe writes (a remote server keeps writes by itself)."""
    data_dir = make_data_dir(tmp_path_factory.mktemp("durable"), sample_nquads())
    first = server_factory(data_dir)
    graph = {"graph": "http://example.org/g/durable"}
    put = requests.put(first.url + "/store", params=graph, data=b'<http://example.org/d> <http://example.org/p> "kept" .',
                       headers={"Content-Type": "text/turtle", **AUTH}, timeout=30)
    assert put.status_code == 201
    assert sparql(first, "POST", data="DELETE DATA { GRAPH <%s> { <http://example.org/item/1> <%s> 1 } }"
                  % (SAMPLE_GRAPH, VALUE), headers={"Content-Type": "application/sparql-update", **AUTH}).status_code == 204
    refused = [
        requests.put(first.url + "/store", params={"graph": "http://example.org/g/refused"}, data=b"<http://a> <http://b> 1 .",
                     headers={"Content-Type": "text/turtle"}, timeout=30),
        requests.delete(first.url + "/store", params=graph, timeout=30),
        sparql(first, "POST", data={"update": "DROP ALL"}, headers={"Authorization": "Bearer wrong"}),
    ]
    assert [r.status_code for r in refused] == [401, 401, 403]
    first.stop(crash=True)  # acknowledged writes are durable: no shutdown is needed to keep them

    second = server_factory(data_dir, env={"REFORMKG_UPDATE_TOKEN": ""})
    got = requests.get(second.url + "/store", params=graph, headers={"Accept": "application/n-triples"}, timeout=30)
    assert got.status_code == 200 and '"kept"' in got.text
    assert sparql(second, params={"query": ONE}).json()["results"]["bindings"] == []
    assert requests.head(second.url + "/store", params={"graph": "http://example.org/g/refused"}, timeout=30).status_code == 404
    read_only = sparql(second, "POST", data={"update": "DROP ALL"}, headers=AUTH)
    assert read_only.status_code == 403 and "read-only" in read_only.text
    assert "SPARQL11Update" not in sparql(second, headers={"Accept": "text/turtle"}).text


def test_settings_come_from_flags_then_environment_then_the_config_file(server_factory, tmp_path_factory, sample):
    config = tmp_path_factory.mktemp("config") / "reformkg.toml"
    config.write_text("max_result_rows = 5\nmax_query_length = 100\nmax_nesting = 7\n", encoding="utf-8")
    server = server_factory(sample.data_dir, store=sample.store,
                            env={"REFORMKG_MAX_RESULT_ROWS": "4", "REFORMKG_MAX_QUERY_LENGTH": "200",
                                 "REFORMKG_UPDATE_TOKEN": ""},
                            args=("--config", str(config), "--set", "max_result_rows=3"),
                            unset=("max_result_rows", "max_query_length", "max_nesting"))
    rows = sparql(server, params={"query": "SELECT * { ?s ?p ?o }"})
    assert rows.status_code == 400 and "more than 3 rows" in rows.text  # the flag
    assert sparql(server, params={"query": "ASK {}" + " " * 140}).status_code == 200
    long = sparql(server, params={"query": "ASK {}" + " " * 240})
    assert long.status_code == 413 and "the limit is 200" in long.text  # the environment
    deep = sparql(server, params={"query": "ASK " + "{" * 8 + "}" * 8})
    assert deep.status_code == 400 and "the limit is 7" in deep.text  # the file
