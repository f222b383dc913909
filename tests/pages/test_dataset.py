"""The dataset described (VoID, DCAT) with statistics from the store, and given whole (dumps with ETags)."""
from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Store, parse

from ..conftest import grounded
from .conftest import BASE

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
DATASET = NamedNode(BASE + "dataset")


@pytest.fixture(scope="module")
def void(app) -> Store:
    response = app.test_client().get("/.well-known/void")
    assert response.status_code == 200
    store = Store()
    store.load(response.data, format=RdfFormat.TURTLE)
    return store


def value(store: Store, subject, predicate: str):
    found = [q.object for q in store.quads_for_pattern(subject, NamedNode(predicate), None)]
    assert len(found) == 1, (subject, predicate, found)
    return found[0]


def count(store: Store, query: str) -> int:
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))[0].value)


def test_well_known_void_is_turtle_by_default(client):
    response = client.get("/.well-known/void")
    assert response.mimetype == "text/turtle"
    assert "Accept" in response.headers["Vary"]


def test_void_states_the_statistics_of_the_store(void, store):
    assert int(value(void, DATASET, VOID + "triples").value) == count(
        store, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    assert int(value(void, DATASET, VOID + "classes").value) == count(
        store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }")
    assert int(value(void, DATASET, VOID + "properties").value) == count(
        store, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }")
    assert int(value(void, DATASET, VOID + "entities").value) == count(
        store, f'SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{BASE}")) }}')


def test_void_counts_each_named_graph(void, store):
    for graph in store.named_graphs():
        n = count(store, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
        assert int(value(void, graph, VOID + "triples").value) == n
        assert any(void.quads_for_pattern(DATASET, NamedNode(VOID + "subset"), graph))


def test_void_partitions_by_class(void):
    rows = void.query(f"""PREFIX void: <{VOID}> SELECT ?n WHERE {{
        <{DATASET.value}> void:classPartition [ void:class <https://w3id.org/reformkg/ontology#Reform> ; void:entities ?n ] }}""")
    assert [int(r["n"].value) for r in rows] == [10]


def test_links_to_wikidata_are_counted_as_linksets(void, store):
    expected = count(store, 'SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), "http://www.wikidata.org/entity/")) }')
    rows = list(void.query(f"""PREFIX void: <{VOID}> SELECT ?n ?p WHERE {{
        ?l a void:Linkset ; void:subjectsTarget <{DATASET.value}> ; void:objectsTarget ?wd ; void:linkPredicate ?p ;
           void:triples ?n . ?wd void:uriSpace "http://www.wikidata.org/entity/" }}"""))
    assert expected > 0
    assert sum(int(r["n"].value) for r in rows) == expected


def test_dataset_has_licence_publisher_and_access(void):
    assert value(void, DATASET, DCTERMS + "license") == NamedNode("https://creativecommons.org/licenses/by/4.0/")
    publisher = value(void, DATASET, DCTERMS + "publisher")
    assert value(void, publisher, "http://xmlns.com/foaf/0.1/name") == Literal("reformkg contributors")
    assert value(void, DATASET, VOID + "sparqlEndpoint") == NamedNode(BASE + "sparql")
    dumps = {q.object.value for q in void.quads_for_pattern(DATASET, NamedNode(VOID + "dataDump"), None)}
    assert dumps == {BASE + "dumps/reformkg.nq", BASE + "dumps/reformkg.trig", BASE + "dumps/reformkg.ttl"}
    assert any(void.quads_for_pattern(DATASET, NamedNode(DCAT + "distribution"), None))
    assert any(void.quads_for_pattern(None, NamedNode(DCAT + "endpointURL"), NamedNode(BASE + "sparql")))


def test_the_dataset_iri_dereferences_to_the_same_description(client, store):
    page = client.get("/dataset", headers={"Accept": "text/html"})
    triples = count(store, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    assert page.status_code == 200 and f'<td class="num">{triples:,}</td>' in page.text
    turtle = client.get("/dataset", headers={"Accept": "text/turtle"})
    store = Store()
    store.load(turtle.data, format=RdfFormat.TURTLE)
    assert any(store.quads_for_pattern(DATASET, NamedNode(VOID + "triples"), None))


@pytest.mark.parametrize("name,media_type,fmt", [
    ("reformkg.nq", "application/n-quads", RdfFormat.N_QUADS),
    ("reformkg.trig", "application/trig", RdfFormat.TRIG),
])
def test_dumps_hold_the_whole_dataset(client, store, name, media_type, fmt):
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.headers["Content-Length"] == str(len(response.data))
    assert grounded(parse(response.data, format=fmt)) == grounded(store.quads_for_pattern(None, None, None))


def test_the_turtle_dump_is_the_default_graph(client, store):
    response = client.get("/dumps/reformkg.ttl")
    assert response.mimetype == "text/turtle"
    expected = grounded(q.triple for q in store.quads_for_pattern(None, None, None))
    assert grounded(q.triple for q in parse(response.data, format=RdfFormat.TURTLE)) == expected


@pytest.mark.parametrize("name", ["reformkg.nq", "reformkg.trig", "reformkg.ttl"])
def test_dumps_answer_304_when_the_etag_matches(client, name):
    first = client.get(f"/dumps/{name}")
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    again = client.get(f"/dumps/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(f"/dumps/{name}", headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_changes_when_the_store_changes(datasets, built):
    from reformkg.service.app import create_app

    dataset = datasets(built.nquads)  # a store of its own: the test writes
    app = create_app(dataset.settings(update_token="t"))
    try:
        client = app.test_client()
        before = client.get("/dumps/reformkg.nq").headers["ETag"]
        update = 'INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "changed" } }'
        assert client.post("/sparql", data={"update": update}, headers={"Authorization": "Bearer t"}).status_code == 204
        after = client.get("/dumps/reformkg.nq")
        assert after.headers["ETag"] != before
        assert b'"changed"' in after.data
    finally:
        app.extensions["reformkg.backend"].close()
        dataset.close()


def test_unknown_dump_is_404(client):
    assert client.get("/dumps/reformkg.zip").status_code == 404


def test_dataset_page_lists_the_graphs_and_dumps(client):
    html = client.get("/dataset?lang=en").text
    for graph in ("/graph/ontology", "/graph/curation", "/graph/metadata"):
        assert f'href="{graph}"' in html
    assert 'href="/dumps/reformkg.trig"' in html
