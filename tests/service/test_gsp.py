"""The Graph Store HTTP Protocol at /store, and who may write (through Flask's test client)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import requests
from pyoxigraph import RdfFormat, parse

from reformkg.service.bodies import SPOOL_BYTES

from .conftest import AUTH, LIMITS, SAMPLE_GRAPH, TOKEN, make_data_dir, sample_nquads

TURTLE = "text/turtle"
ALICE = '@prefix foaf: <http://xmlns.com/foaf/0.1/> . <http://example.org/alice> foaf:name "Alice" .'
BOB = '<http://example.org/bob> <http://xmlns.com/foaf/0.1/name> "Bob" .'


def triples(response) -> set[str]:
    fmt = {"text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES,
           "application/n-quads": RdfFormat.N_QUADS}[response.headers["Content-Type"].split(";")[0]]
    return {str(q.object) for q in parse(response.data, format=fmt)}


def test_put_creates_then_replaces_a_graph(writer):
    graph = {"graph": "http://example.org/g/put"}
    assert writer.put("/store", query_string=graph, data=ALICE, content_type=TURTLE, headers=AUTH).status_code == 201
    assert writer.put("/store", query_string=graph, data=BOB, content_type=TURTLE, headers=AUTH).status_code == 204
    response = writer.get("/store", query_string=graph)
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert triples(response) == {'"Bob"'}


def test_post_merges_into_a_graph_and_multipart_parts_are_merged_too(writer):
    graph = {"graph": "http://example.org/g/post"}
    assert writer.post("/store", query_string=graph, data=ALICE, content_type=TURTLE, headers=AUTH).status_code == 201
    parts = {"a": (__import__("io").BytesIO(BOB.encode()), "bob.nt", "application/n-triples"),
             "b": (__import__("io").BytesIO(b'<http://example.org/c> <http://example.org/p> "C" .'), "c.ttl", TURTLE)}
    response = writer.post("/store", query_string=graph, data=parts, content_type="multipart/form-data", headers=AUTH)
    assert response.status_code == 204
    assert triples(writer.get("/store", query_string=graph)) == {'"Alice"', '"Bob"', '"C"'}


def test_delete_drops_a_graph_then_it_is_404(writer):
    graph = {"graph": "http://example.org/g/delete"}
    writer.put("/store", query_string=graph, data=ALICE, content_type=TURTLE, headers=AUTH)
    assert writer.delete("/store", query_string=graph, headers=AUTH).status_code == 204
    assert writer.get("/store", query_string=graph).status_code == 404
    assert writer.head("/store", query_string=graph).status_code == 404
    assert writer.delete("/store", query_string=graph, headers=AUTH).status_code == 404


def test_head_answers_headers_without_a_body(writer):
    response = writer.head("/store", query_string={"graph": SAMPLE_GRAPH}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Type"] == "application/n-triples"


def test_post_to_the_store_creates_a_graph_named_by_location(writer):
    response = writer.post("/store", data=ALICE, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith("http://localhost/store/")
    assert triples(writer.get("/store", query_string={"graph": location})) == {'"Alice"'}
    assert triples(writer.get(location.removeprefix("http://localhost"))) == {'"Alice"'}


def test_the_default_graph_is_read_and_written_with_default(writer):
    writer.put("/store?default", data=BOB, content_type=TURTLE, headers=AUTH)
    assert triples(writer.get("/store?default")) == {'"Bob"'}


def test_get_on_the_store_itself_is_the_whole_dataset(writer):
    response = writer.get("/store")
    assert response.headers["Content-Type"] == "application/n-quads"
    assert SAMPLE_GRAPH in response.text


@pytest.mark.parametrize("kwargs, status, message", [
    (dict(method="PUT", data=ALICE), 415, "send the RDF with a Content-Type"),
    (dict(method="PUT", data="a,b", content_type="text/csv"), 415, "cannot store text/csv in a graph"),
    (dict(method="PUT", data="<http://a> <http://b> .", content_type=TURTLE), 400, "does not parse"),
    (dict(method="PUT", data=ALICE, content_type="text/turtle; charset=latin-1"), 415, "send RDF as UTF-8"),
])
def test_a_bad_payload_is_refused_and_changes_nothing(writer, kwargs, status, message):
    graph = {"graph": "http://example.org/g/bad"}
    writer.put("/store", query_string=graph, data=BOB, content_type=TURTLE, headers=AUTH)
    response = writer.open("/store", query_string=graph, headers=AUTH, **kwargs)
    assert response.status_code == status and message in response.text
    assert triples(writer.get("/store", query_string=graph)) == {'"Bob"'}


@pytest.mark.parametrize("query_string, message", [
    ("graph=not-an-iri", "graph must be an absolute IRI"),
    ("graph=http://a&graph=http://b", "name one graph"),
    ("graph=http://a&default", "name one graph"),
])
def test_a_bad_graph_parameter_is_400(writer, query_string, message):
    response = writer.get("/store?" + query_string)
    assert response.status_code == 400 and message in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_need_a_graph(writer, method):
    response = writer.open("/store", method=method, data=ALICE, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 400 and "?graph=<iri> or ?default" in response.text


@pytest.mark.parametrize("headers, status, message", [
    ({}, 401, "Authorization: Bearer"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "Authorization: Bearer"),
    ({"Authorization": "Bearer wrong"}, 403, "not the configured update_token"),
    ({"Authorization": f"Bearer {TOKEN}x"}, 403, "not the configured update_token"),
])
def test_writes_need_the_configured_token_and_change_nothing_without_it(writer, headers, status, message):
    graph = {"graph": "http://example.org/g/guarded"}
    attempts = [
        writer.put("/store", query_string=graph, data=ALICE, content_type=TURTLE, headers=headers),
        writer.post("/store", query_string=graph, data=ALICE, content_type=TURTLE, headers=headers),
        writer.delete("/store", query_string={"graph": SAMPLE_GRAPH}, headers=headers),
        writer.post("/sparql", data={"update": "DROP ALL"}, headers=headers),
        writer.post("/sparql", data="DROP ALL", content_type="application/sparql-update", headers=headers),
    ]
    for response in attempts:
        assert response.status_code == status and message in response.text
    if status == 401:
        assert attempts[0].headers["WWW-Authenticate"].startswith("Bearer")
    assert writer.get("/store", query_string=graph).status_code == 404
    assert "<http://example.org/item/48>" in writer.get("/store", query_string={"graph": SAMPLE_GRAPH}).text


def test_reads_of_the_store_are_open_and_cross_origin(writer):
    response = writer.get("/store", query_string={"graph": SAMPLE_GRAPH}, headers={"Origin": "https://x.example"})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    response.close()


def test_an_update_with_the_token_is_applied(writer):
    response = writer.post("/sparql", data="INSERT DATA { GRAPH <http://example.org/g/u> { <http://a> <http://b> 1 } }",
                           content_type="application/sparql-update", headers=AUTH)
    assert response.status_code == 204
    with writer.head("/store", query_string={"graph": "http://example.org/g/u"}) as response:  # closed: see nosniff
        assert response.status_code == 200


def test_load_in_an_update_is_refused(writer):
    response = writer.post("/sparql", data={"update": "LOAD <http://169.254.169.254/latest>"}, headers=AUTH)
    assert response.status_code == 403 and "LOAD <http://169.254.169.254/latest> is refused" in response.text


def _subjects(writer, graph: str) -> int:
    """How many distinct subjects the graph has."""
    answer = writer.get("/store", query_string={"graph": graph}, headers={"Accept": "application/n-triples"})
    return len({q.subject for q in parse(answer.data, format=RdfFormat.N_TRIPLES)})


BLANK = '_:b <http://example.org/p> "1" .\n_:b <http://example.org/q> "2" .\n'


def test_a_blank_node_label_is_one_node_in_a_request_and_a_new_node_in_the_next(writer):
    graph = {"graph": "http://example.org/g/blank"}
    writer.put("/store", query_string=graph, data=BLANK, content_type="application/n-triples", headers=AUTH)
    assert _subjects(writer, graph["graph"]) == 1
    writer.post("/store", query_string=graph, data=BLANK, content_type="application/n-triples", headers=AUTH)
    assert _subjects(writer, graph["graph"]) == 2  # each body is a document of its own (RDF 1.1 Concepts §3.4)


@pytest.mark.embedded_only
def test_a_put_larger_than_the_body_limit_is_spooled_bulk_loaded_and_keeps_its_blank_nodes(server_factory, tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    server = server_factory(data_dir)
    uploads = set(Path(tempfile.gettempdir()).glob("reformkg-upload-*"))  # a server killed mid-write leaves its own
    store = f"{server.url}/store"
    graph = {"graph": "http://example.org/g/large"}
    filler = "".join(f'<http://example.org/s/{i}> <http://example.org/v> "{i}" .\n' for i in range(40_000))
    body = ('_:b <http://example.org/first> "1" .\n' + filler + '_:b <http://example.org/last> "2" .\n').encode()
    assert len(body) > max(SPOOL_BYTES, LIMITS["max_body_bytes"])
    headers = {**AUTH, "Content-Type": "application/n-triples"}
    assert requests.put(store, params=graph, data=body, headers=headers, timeout=60).status_code == 201
    ask = 'ASK { GRAPH <http://example.org/g/large> { ?b <http://example.org/first> "1" ; <http://example.org/last> "2" } }'
    answer = requests.get(f"{server.url}/sparql", params={"query": ask}, headers={"Accept": "text/csv"}, timeout=10)
    assert answer.text.strip().endswith("true")  # _:b at either end of the body is one node
    bad = body + b"<http://example.org/broken> .\n"
    refused = requests.put(store, params=graph, data=bad, headers=headers, timeout=60)
    assert refused.status_code == 400 and "does not parse" in refused.text
    count = "SELECT (COUNT(*) AS ?n) { GRAPH <http://example.org/g/large> { ?s ?p ?o } }"
    answer = requests.get(f"{server.url}/sparql", params={"query": count}, headers={"Accept": "text/csv"}, timeout=10)
    assert answer.text.split()[-1] == "40002"  # the bad body changed nothing
    assert not list((data_dir / "stores").glob(".*.loading"))  # and left no stage behind
    assert set(Path(tempfile.gettempdir()).glob("reformkg-upload-*")) <= uploads  # the spooled bodies are gone


@pytest.mark.embedded_only
def test_a_large_put_replacing_a_graph_that_holds_most_of_the_store_leaves_the_rest(server_factory, tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    server = server_factory(data_dir, env={"REFORMKG_QUERY_TIMEOUT": "30"})  # counts, beside other work
    large = "http://example.org/g/large"
    headers = {**AUTH, "Content-Type": "application/n-triples"}

    def put(n: int, start: int) -> int:
        body = "".join(f'<http://example.org/s/{i}> <http://example.org/v> "{i}" .\n' for i in range(start, start + n))
        assert len(body) > max(SPOOL_BYTES, LIMITS["max_body_bytes"])
        return requests.put(f"{server.url}/store", params={"graph": large}, data=body, headers=headers,
                            timeout=60).status_code

    def graphs() -> dict[str, tuple[str, str]]:
        """Each named graph's quad count and least object."""
        query = "SELECT ?g (COUNT(*) AS ?n) (MIN(STR(?o)) AS ?least) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        answer = requests.get(f"{server.url}/sparql", params={"query": query}, headers={"Accept": "text/csv"},
                              timeout=10)
        assert answer.status_code == 200, answer.text
        rows = [line.split(",") for line in answer.text.splitlines()[1:]]
        return {g: (n, least) for g, n, least in rows}

    assert put(40_000, 0) == 201
    before = graphs()
    assert put(30_000, 50_000) == 204
    assert graphs() == {**before, large: ("30000", "50000")}  # replaced, and every other graph as it was
