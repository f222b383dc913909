"""Exact answers (issue 17): RDF/XML under every name clients send for it, each triple once, `nosniff`
on every answer, no Content-Type on a 204, a 404 for any path that names no resource, and the Graph
Store's default graph as the service description says it is."""
from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, Store, parse

from .conftest import AUTH, SAMPLE_GRAPH

CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SAMPLE_GRAPH}> {{ ?s ?p ?o }} }} LIMIT 3"
RDF_XML = "application/rdf+xml"


def media(response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0]


# What SPARQLWrapper sends for RDF/XML is format=rdf+xml (escaped, so + stays +); typed into a browser's
# address bar the + arrives as a space.
@pytest.mark.parametrize("value", ["rdf+xml", "rdf xml", "RDF+XML", "xml", "rdf", "rdfxml", RDF_XML,
                                   "application/rdf xml"])
def test_rdf_xml_is_answered_under_every_name_clients_send(client, value):
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "format": value})
    assert response.status_code == 200, response.text
    assert media(response) == RDF_XML
    assert len(list(parse(response.data, format=RdfFormat.RDF_XML))) == 3


@pytest.mark.parametrize("accept", [RDF_XML, "application/xml", "text/xml"])
def test_rdf_xml_is_negotiated_under_every_media_type_clients_send(client, accept):
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200 and media(response) == RDF_XML


def test_a_describe_gives_each_triple_once_though_several_graphs_hold_it(writer):
    """The union default graph holds a triple once however many graphs hold it (an RDF merge)."""
    triple = "<http://example.org/twice> <http://example.org/p> <http://example.org/o> ."
    for graph in ("http://example.org/one", "http://example.org/two"):
        assert writer.put("/store", query_string={"graph": graph}, data=triple,
                          content_type="application/n-triples", headers=AUTH).status_code == 201
    for accept in ("application/n-triples", "text/turtle", RDF_XML):
        response = writer.get("/sparql", query_string={"query": "DESCRIBE <http://example.org/twice>"},
                              headers={"Accept": accept})
        assert response.status_code == 200
        if accept == "application/n-triples":
            assert response.data.count(b"<http://example.org/twice>") == 1
        assert len(list(parse(response.data, format=RdfFormat.from_media_type(accept)))) == 1


REQUESTS = {
    "a query": ("GET", "/sparql?query=ASK%7B%7D"),
    "a syntax error": ("GET", "/sparql?query=SELEKT"),
    "the service description": ("GET", "/sparql"),
    "a resource that is not there": ("GET", "/nothing/here"),
    "a path that is no IRI": ("GET", "/%3Cscript%3Ealert(1)%3C/script%3E"),
    "a method not allowed": ("DELETE", "/sparql"),
    "a preflight": ("OPTIONS", "/sparql"),
    "a graph": ("GET", f"/store?graph={SAMPLE_GRAPH}"),
    "the dataset description": ("GET", "/dataset"),
    "a refused write": ("PUT", "/store?default"),
    "the JSON-LD context": ("GET", "/context.jsonld"),
    "the named queries": ("GET", "/api/queries"),
}


@pytest.mark.parametrize("method, path", REQUESTS.values(), ids=REQUESTS.keys())
def test_every_answer_says_nosniff(client, method, path):
    # Closed at once: a graph streamed from a remote server holds its connection until its answer is
    # closed, which a test client left alone does only when the garbage collector gets to it.
    with client.open(path, method=method) as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.status_code


def test_a_204_has_no_content_type(writer):
    graph = {"graph": "http://example.org/replaced"}
    body = "<http://example.org/a> <http://example.org/b> <http://example.org/c> ."
    assert writer.put("/store", query_string=graph, data=body, content_type="application/n-triples",
                      headers=AUTH).status_code == 201
    for response in (writer.put("/store", query_string=graph, data=body, content_type="application/n-triples",
                                headers=AUTH),
                     writer.post("/sparql", data={"update": "INSERT DATA { <http://example.org/x> "
                                                            "<http://example.org/y> 1 }"}, headers=AUTH),
                     writer.delete("/store", query_string=graph, headers=AUTH)):
        assert response.status_code == 204
        assert "Content-Type" not in response.headers
        assert response.data == b""


NOT_RESOURCES = ["/nothing/here", "/a b", "/%3Cscript%3Ealert(1)%3C/script%3E", "/x%22onmouseover=%22alert(1)",
                 "/{x}", "/a%7Cb", "/%5E", "/report/%3Cb%3E"]


@pytest.mark.parametrize("path", NOT_RESOURCES)
def test_a_path_that_names_no_resource_is_404_without_its_markup(client, path):
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and media(page) == "text/html"
    assert b"<script>" not in page.data and b'"onmouseover' not in page.data
    for accept in ("text/turtle", "application/json"):
        answer = client.get(path, headers={"Accept": accept})
        assert answer.status_code == 404
        assert media(answer) in ("text/plain", "application/json")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_graph_store_default_graph_is_the_stores_own_and_queries_see_the_union(writer):
    """The model the service description states: /store?default and updates without GRAPH are the
    store's own default graph; a query's default graph is it together with every named graph."""
    put = writer.put("/store?default", data='<http://example.org/own> <http://example.org/p> "1" .',
                     content_type="application/n-triples", headers=AUTH)
    update = writer.post("/sparql", data={"update": "INSERT DATA { <http://example.org/own> <http://example.org/q> 2 }"},
                         headers=AUTH)
    assert (put.status_code, update.status_code) == (204, 204)
    own = writer.get("/store?default", headers={"Accept": "application/n-triples"})
    assert {str(t.predicate) for t in parse(own.data, format=RdfFormat.N_TRIPLES)} == {
        "<http://example.org/p>", "<http://example.org/q>"}
    union = writer.get("/sparql", headers={"Accept": "application/n-triples"}, query_string={
        "query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s IN (<http://example.org/own>, "
                 f"<http://example.org/item/1>)) }}"})
    subjects = {str(t.subject) for t in parse(union.data, format=RdfFormat.N_TRIPLES)}
    assert subjects == {"<http://example.org/own>", "<http://example.org/item/1>"}  # the latter a named graph's
    description = Store()
    description.load(writer.get("/sparql", headers={"Accept": "text/turtle"}).data, format=RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert description.query(f"ASK {{ ?service <{sd}feature> <{sd}UnionDefaultGraph> ; <{sd}defaultDataset> "
                             f"[ <{sd}defaultGraph> [ <http://www.w3.org/2000/01/rdf-schema#comment> ?c ] ] "
                             f"FILTER(CONTAINS(?c, '/store?default')) }}")
