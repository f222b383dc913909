"""The exploration API: a node's neighbourhood, label search, and GraphML/GEXF exports."""
from __future__ import annotations

import io
import time

import networkx as nx
import pytest
import xmlschema

from ..conftest import ROOT
from .conftest import BASE, REPORT, answer

REFORM_2 = f"{REPORT}/reform/2"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
GRAPHML_SCHEMA = ROOT / "tests" / "api" / "schemas" / "graphml-1.1" / "graphml.xsd"  # the official one


def graph(client, status: int = 200, **params) -> dict:
    return answer(client, "/api/graph", status, **params)


def count(store, query: str) -> int:
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))[0].value)


def test_a_neighbourhood_is_every_link_of_the_node_as_cytoscape_elements(client, store):
    found = graph(client, iri=REFORM_2, lang="zh")
    nodes = {n["data"]["id"]: n for n in found["elements"]["nodes"]}
    edges = found["elements"]["edges"]
    links = count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
        {{ <{REFORM_2}> ?p ?o BIND(<{REFORM_2}> AS ?s) }} UNION {{ ?s ?p <{REFORM_2}> BIND(<{REFORM_2}> AS ?o) }}
        FILTER(isIRI(?s) && isIRI(?o) && ?p != {RDF_TYPE}) }} }}""")
    # Reform 2's links now include its publisher's association, its groups and places per clause, and
    # the rdf:Statements (subject) that hold each link's evidence.
    assert len(edges) == links == 44
    assert not found["truncated"]
    assert all(e["data"]["source"] in nodes and e["data"]["target"] in nodes for e in edges)
    center = nodes[REFORM_2]["data"]
    assert (center["label"], center["class"], center["center"], center["page"]) == (
        "深化基本养老服务领域改革", "Reform", True, "/report/cq-civil-affairs-2022/reform/2")
    assert nodes[REFORM_2]["classes"] == "Reform"
    assert nodes[f"{REFORM_2}/measure/1"]["data"]["class"] == "Measure"
    assert nodes[BASE + "document/cq-basic-elderly-care-services-list"]["data"]["label"] == "重庆市基本养老服务目录清单"
    assert nodes[BASE + "document/cq-basic-elderly-care-services-list"]["data"]["class"] == "PolicyDocument"
    has_measure = next(e for e in edges if e["data"]["target"] == f"{REFORM_2}/measure/1"
                       and e["data"]["source"] == REFORM_2)
    assert has_measure["data"]["predicate"] == "https://w3id.org/reformkg/ontology#hasMeasure"
    assert ("2", None) in {(p["value"], p["lang"]) for p in found["properties"]}


def test_labels_come_in_the_language_asked_for(client):
    found = graph(client, iri=REFORM_2, lang="en")
    labels = {n["data"]["id"]: n["data"]["label"] for n in found["elements"]["nodes"]}
    assert labels[REFORM_2] == "Deepening reform of basic elderly care services"
    assert labels[BASE + "document/cq-basic-elderly-care-services-list"] == (
        "Chongqing Municipal List of Basic Elderly Care Services")
    assert {e["data"]["label"] for e in found["elements"]["edges"]} == {
        "evidence", "has measure", "has reform", "is part of", "references", "reform", "drafts", "target group",
        "was associated with", "qualified association", "spatial coverage", "subject"}


def test_two_hops_reach_further_within_the_limit(client):
    one = graph(client, iri=REFORM_2, depth=1)
    two = graph(client, iri=REFORM_2, depth=2, limit=500)
    ids = {e["data"]["id"] for e in two["elements"]["edges"]}
    assert {e["data"]["id"] for e in one["elements"]["edges"]} < ids
    assert len(ids) == len(two["elements"]["edges"]) <= 500


def test_the_limit_bounds_the_links_and_says_when_it_cut(client):
    found = graph(client, iri=f"{REPORT}/text", depth=2, limit=5)
    assert len(found["elements"]["edges"]) == 5 and found["truncated"]
    assert len(found["elements"]["nodes"]) <= 6


def test_every_kind_of_node_answers_quickly_even_the_busiest(client, store):
    busiest = [r[0].value for r in store.query(
        "SELECT ?n (COUNT(*) AS ?c) WHERE { { ?n ?p ?o } UNION { ?s ?p ?n } FILTER(isIRI(?n)) } "
        "GROUP BY ?n ORDER BY DESC(?c) LIMIT 3", use_default_graph_as_union=True)]
    samples = busiest + [BASE + "place/chongqing", BASE + "unit/count", BASE + "period/2022",
                         "https://w3id.org/reformkg/ontology#Indicator", f"{REPORT}/indicator/33", REPORT]
    for iri in samples:
        started = time.monotonic()
        found = graph(client, iri=iri, depth=2, limit=500)
        assert time.monotonic() - started < 5, iri
        assert len(found["elements"]["edges"]) <= 500
        assert found["elements"]["nodes"][0]["data"]["id"] == iri


@pytest.mark.parametrize("params, status, says", [
    ({}, 400, "give the resource to start from as iri="),
    ({"iri": "not an iri"}, 400, "is not an absolute IRI"),
    ({"iri": REFORM_2, "depth": 3}, 400, "depth must be 1 or 2"),
    ({"iri": REFORM_2, "depth": "two"}, 400, "depth must be a whole number"),
    ({"iri": REFORM_2, "depth": "²"}, 400, "depth must be a whole number"),
    ({"iri": REFORM_2, "limit": 0}, 400, "limit must be between 1 and 500"),
    ({"iri": REFORM_2, "limit": 501}, 400, "limit must be between 1 and 500"),
    ({"iri": REFORM_2, "lang": "fr"}, 400, "lang must be one of zh, en"),
    ({"iri": BASE + "nothing/here"}, 404, "the graph has nothing about"),
])
def test_bad_neighbourhood_requests_say_what_to_change(client, params, status, says):
    assert says in graph(client, status, **params)["message"]


def search(client, status: int = 200, **params) -> dict:
    return answer(client, "/api/search", status, **params)


def test_search_finds_chinese_substrings_ranked(client):
    found = search(client, q="养老", lang="zh")
    # Indicator labels and the quantities they count now name what is counted (养老机构消防安全隐患 …).
    assert len(found["results"]) == 20
    assert all("养老" in hit["matched"] for hit in found["results"])
    assert {hit["class"] for hit in found["results"]} >= {"Indicator", "Measure"}
    first = found["results"][0]
    assert first["page"].startswith("/")  # this server's page, whatever kind of resource ranks first


def test_search_ranks_the_exact_label_first_in_either_language(client):
    chinese = search(client, q="重庆")["results"]
    assert (chinese[0]["iri"], chinese[0]["label"], chinese[0]["match"], chinese[0]["class"]) == (
        BASE + "place/chongqing", "重庆", "exact", "Place")
    english = search(client, q="chongqing", lang="en")["results"]
    assert (english[0]["iri"], english[0]["label"], english[0]["match"]) == (BASE + "place/chongqing", "Chongqing", "exact")
    assert [h["score"] for h in english] == sorted((h["score"] for h in english), reverse=True)


def test_search_matches_english_words_before_substrings(client):
    found = search(client, q="service", lang="en", limit=100)["results"]
    kinds = [h["match"] for h in found]
    assert kinds == sorted(kinds, key=["exact", "prefix", "word", "substring"].index)
    assert "word" in kinds and "substring" in kinds
    assert search(client, q="service", limit=3)["results"] == found[:3]


@pytest.mark.parametrize("params, says", [
    ({"q": "  "}, "q is empty"),
    ({"q": "养老", "lang": "fr"}, "lang must be one of zh, en"),
    ({"q": "养老", "limit": 0}, "limit must be between 1 and 100"),
    ({"q": "养老", "limit": 101}, "limit must be between 1 and 100"),
])
def test_bad_searches_are_400(client, params, says):
    assert says in search(client, 400, **params)["message"]


LINKS = f"FILTER(!isLiteral(?o) && ?p != {RDF_TYPE})"


def expected(store, graph_iri: str | None) -> tuple[int, int]:
    """Nodes and edges the export must have, counted by SPARQL (see exports.py for the mapping)."""
    def scoped(pattern: str) -> str:
        return f"GRAPH <{graph_iri}> {{ {pattern} }}" if graph_iri else pattern

    edges = count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {scoped('?s ?p ?o')} {LINKS} }} }}")
    nodes = count(store, f"""SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{
        {{ {scoped('?x ?p ?o')} }} UNION {{ {scoped('?s ?p ?x')} FILTER(!isLiteral(?x) && ?p != {RDF_TYPE}) }} }}""")
    return nodes, edges


def export(client, fmt: str, **params) -> bytes:
    response = client.get(f"/api/export.{fmt}", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


@pytest.mark.parametrize("graph_iri", [None, BASE + "graph/report/cq-civil-affairs-2022", BASE + "graph/ontology"])
def test_graphml_reads_back_with_the_graphs_node_and_edge_counts(client, store, graph_iri):
    data = export(client, "graphml", **({"graph": graph_iri} if graph_iri else {}))
    read = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    assert (read.number_of_nodes(), read.number_of_edges()) == expected(store, graph_iri)


@pytest.mark.parametrize("graph_iri", [None, BASE + "graph/curation"])
def test_gexf_reads_back_with_the_graphs_node_and_edge_counts(client, store, graph_iri):
    data = export(client, "gexf", **({"graph": graph_iri} if graph_iri else {}))
    read = nx.read_gexf(io.BytesIO(data))
    assert (read.number_of_nodes(), read.number_of_edges()) == expected(store, graph_iri)


def test_the_whole_graph_export_has_every_node_and_link_of_the_store(client, store):
    # With the evidence of every link (rdf:Statements), roles (prov:Associations) and quantity concepts:
    # about 1,480 nodes and 3,190 edges for the packaged report.
    read = nx.read_graphml(io.BytesIO(export(client, "graphml")), force_multigraph=True)
    assert (read.number_of_nodes(), read.number_of_edges()) == expected(store, None)
    assert read.number_of_nodes() > 1400


def test_graphml_is_valid_against_the_graphml_schema(client):
    schema = xmlschema.XMLSchema(str(GRAPHML_SCHEMA))
    schema.validate(export(client, "graphml").decode("utf-8"))
    with pytest.raises(xmlschema.XMLSchemaValidationError):  # an IRI is no NMTOKEN: why ids are n0, n1 …
        schema.validate('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed">'
                        '<node id="https://w3id.org/reformkg/place/chongqing"/></graph></graphml>')


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_nodes_and_edges_carry_labels_types_and_classes(client, fmt):
    data = export(client, fmt)
    read = nx.read_graphml(io.BytesIO(data), force_multigraph=True) if fmt == "graphml" else nx.read_gexf(io.BytesIO(data))
    by_iri = {attributes["iri"]: attributes for _, attributes in read.nodes(data=True)}
    chongqing = by_iri[BASE + "place/chongqing"]
    assert (chongqing["label"], chongqing["label_zh"], chongqing["label_en"], chongqing["class"]) == (
        "重庆", "重庆", "Chongqing", "Place")
    assert "http://purl.org/dc/terms/Location" in chongqing["types"].split()
    assert by_iri[REFORM_2]["class"] == "Reform"
    node_id = {attributes["iri"]: n for n, attributes in read.nodes(data=True)}
    between = read.get_edge_data(node_id[REFORM_2], node_id[f"{REFORM_2}/measure/1"])
    assert [(e["predicate"], e["label"]) for e in between.values()] == [
        ("https://w3id.org/reformkg/ontology#hasMeasure", "has measure")]


def test_exports_are_attachments_named_for_the_graph(client):
    response = client.get("/api/export.gexf", query_string={"graph": BASE + "graph/curation"})
    assert response.mimetype == "application/gexf+xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="reformkg-curation.gexf"'
    assert client.get("/api/export.graphml").mimetype == "application/graphml+xml"


@pytest.mark.parametrize("path, params, status, says", [
    ("/api/export.graphml", {"graph": BASE + "graph/none"}, 404, "no named graph"),
    ("/api/export.graphml", {"graph": "not an iri"}, 400, "is not an absolute IRI"),
    ("/api/export.svg", {}, 404, "the graph is exported as graphml, gexf"),
])
def test_bad_exports_say_what_to_change(client, path, params, status, says):
    assert says in answer(client, path, status, **params)["message"]

