"""Every test of the W3C SPARQL 1.1 Protocol, Graph Store Protocol and Service Description manifests,
run over HTTP against a real server, the store reset to the test's data before each."""
from __future__ import annotations

import pytest
import requests
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from .conftest import AUTH, UPSTREAM_TIMEOUT, W3C, w3c_nquads
from .w3c_manifest import entries, load, run

PROTOCOL = W3C / "protocol" / "manifest.ttl"
GRAPH_STORE = [W3C / "graph-store-protocol" / name for name in ("manifest-direct.ttl", "manifest-indirect.ttl")]
SERVICE_DESCRIPTION = W3C / "service-description" / "manifest.ttl"
PROTOCOL_CASES = load(PROTOCOL, "ProtocolTest")
GRAPH_STORE_CASES = [case for path in GRAPH_STORE for case in load(path, "GraphStoreProtocolTest")]
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def w3c_server(server_factory, datasets):
    dataset = datasets(w3c_nquads(), UPSTREAM_TIMEOUT)
    server = server_factory(dataset.data_dir, store=dataset.store)
    yield server
    server.stop()
    dataset.close()


def reset(server, graph_data) -> None:
    """DROP ALL, then the test's ut:graphData, each file in the graph its label names."""
    inserts = [f"INSERT DATA {{ GRAPH <{label}> {{ {path.read_text(encoding='utf-8')} }} }}"
               for label, path in graph_data]
    response = requests.post(server.url + "/sparql", data=" ;\n".join(["DROP ALL", *inserts]).encode(),
                             headers={"Content-Type": "application/sparql-update", **AUTH}, timeout=30)
    assert response.status_code == 204, response.text


def test_every_manifest_entry_is_a_test():
    assert [c.id for c in PROTOCOL_CASES] == entries(PROTOCOL) and len(PROTOCOL_CASES) == 34
    listed = [e for path in GRAPH_STORE for e in entries(path)]
    assert len(listed) == 13 and set(listed) <= {c.id for c in GRAPH_STORE_CASES}
    assert all(case.steps for case in PROTOCOL_CASES + GRAPH_STORE_CASES)
    assert sorted(entries(SERVICE_DESCRIPTION)) == sorted(SD_CHECKS)


@pytest.mark.parametrize("case", PROTOCOL_CASES, ids=str)
def test_w3c_protocol(case, w3c_server):
    reset(w3c_server, case.graph_data)
    run(case, "127.0.0.1", w3c_server.port, prefixes={"/sparql/": "/sparql"}, headers=AUTH)


@pytest.mark.parametrize("case", GRAPH_STORE_CASES, ids=str)
def test_w3c_graph_store_protocol(case, w3c_server):
    reset(w3c_server, case.graph_data)
    run(case, "127.0.0.1", w3c_server.port, prefixes={"/gsp": "/store"}, headers=AUTH)


def _description(server) -> tuple[str, list]:
    endpoint = server.url + "/sparql"
    response = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    return endpoint, list(parse(response.content, format=RdfFormat.TURTLE))


def _returns_rdf(server) -> None:
    for media, fmt in [("text/turtle", RdfFormat.TURTLE), ("application/rdf+xml", RdfFormat.RDF_XML),
                       ("application/n-triples", RdfFormat.N_TRIPLES), ("application/ld+json", RdfFormat.JSON_LD)]:
        response = requests.get(server.url + "/sparql", headers={"Accept": media}, timeout=30)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(media)
        assert list(parse(response.content, format=fmt))


def _has_endpoint_triple(server) -> None:
    endpoint, quads = _description(server)
    assert [q for q in quads if q.predicate == NamedNode(SD + "endpoint") and q.object == NamedNode(endpoint)]


# The SD vocabulary (https://www.w3.org/TR/sparql11-service-description/#vocab), for the schema test.
SD_CLASSES = {"Service", "Feature", "Language", "Function", "Aggregate", "EntailmentRegime", "EntailmentProfile",
              "GraphCollection", "Dataset", "Graph", "NamedGraph"}
SD_PROPERTIES = {"endpoint", "feature", "defaultEntailmentRegime", "entailmentRegime", "supportedEntailmentProfile",
                 "defaultSupportedEntailmentProfile", "extensionFunction", "extensionAggregate", "languageExtension",
                 "supportedLanguage", "propertyFeature", "defaultDataset", "availableGraphs", "resultFormat",
                 "inputFormat", "defaultGraph", "namedGraph", "name", "graph"}
SD_LANGUAGES = {"SPARQL10Query", "SPARQL11Query", "SPARQL11Update"}
SD_FEATURES = {"DereferencesURIs", "UnionDefaultGraph", "RequiresDataset", "EmptyGraphs", "BasicFederatedQuery"}


def _conforms_to_schema(server) -> None:
    _, quads = _description(server)

    def objects(subject, name):
        return [q.object for q in quads if q.subject == subject and q.predicate == NamedNode(SD + name)]

    def typed(name):
        return [q.subject for q in quads if q.predicate == RDF_TYPE and q.object == NamedNode(SD + name)]

    for quad in quads:
        if quad.predicate.value.startswith(SD):
            assert quad.predicate.value.removeprefix(SD) in SD_PROPERTIES, quad
        if quad.predicate == RDF_TYPE and quad.object.value.startswith(SD):
            assert quad.object.value.removeprefix(SD) in SD_CLASSES, quad
    [service] = typed("Service")
    assert all(isinstance(e, NamedNode) for e in objects(service, "endpoint")) and objects(service, "endpoint")
    assert {o.value.removeprefix(SD) for o in objects(service, "supportedLanguage")} <= SD_LANGUAGES
    assert {o.value.removeprefix(SD) for o in objects(service, "feature")} <= SD_FEATURES
    assert all(isinstance(o, NamedNode) for o in objects(service, "resultFormat") + objects(service, "inputFormat"))
    [dataset] = objects(service, "defaultDataset")
    assert dataset in typed("Dataset")
    assert all(g in typed("Graph") for g in objects(dataset, "defaultGraph"))
    named = objects(dataset, "namedGraph")
    assert named and all(n in typed("NamedGraph") for n in named)
    for graph in named:
        [name] = objects(graph, "name")
        assert isinstance(name, NamedNode)
        assert all(isinstance(g, (BlankNode, NamedNode)) and g in typed("Graph") for g in objects(graph, "graph"))
    assert not [q for q in quads if isinstance(q.subject, Literal)]


SD_CHECKS = {"returns-rdf": _returns_rdf, "has-endpoint-triple": _has_endpoint_triple,
             "conforms-to-schema": _conforms_to_schema}


@pytest.mark.parametrize("entry", entries(SERVICE_DESCRIPTION))
def test_w3c_service_description(entry, w3c_server):
    reset(w3c_server, [(f"http://kasei.us/2009/09/sparql/data/data{n}.rdf", W3C / "protocol" / f"data{n}.nt")
                       for n in (1, 2, 3)])
    SD_CHECKS[entry](w3c_server)
