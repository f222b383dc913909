"""Linked data that works where it is deployed (issue 17), through real servers with the network blocked.

Every JSON-LD answer names a context that resolves on the server that gave it: PyLD, whose document
loader here reaches 127.0.0.1 and nothing else, expands it into exactly the triples of the Turtle
answer. The same holds on a server whose base IRI is its own URL, where every page, named query, API
example and export names that base and nothing under https://w3id.org/reformkg/ (but the vocabulary,
whose IRIs are not minted per deployment). SPARQLWrapper, with every return format it offers, gets
what it asked for or a 406 that names the formats the query form has.
"""
from __future__ import annotations

import json
import re
import socket
import warnings
from urllib.error import HTTPError
from urllib.parse import urlsplit

import pytest
import requests
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from reformkg.graph.build import build
from reformkg.ontology.vocab import DEFAULT_BASE, ONTOLOGY

from ..conftest import SOURCE_PATHS, free_port, make_data_dir

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
RKG = ONTOLOGY + "#"
# The service's own limits, not the service tests' tiny ones: the ontology page alone is more than 1000 triples.
LIMITS = {"REFORMKG_MAX_RESULT_ROWS": "100000", "REFORMKG_MAX_RESULT_BYTES": "268435456",
          "REFORMKG_QUERY_TIMEOUT": "30", "REFORMKG_MAX_QUERY_LENGTH": "100000"}


# -- the network, blocked ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in this process reaches past the loopback: no name is resolved, no socket connects."""
    resolve, connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise OSError(f"the network is blocked in this test: {host}")
        return resolve(host, *args, **kwargs)

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK:
            raise OSError(f"the network is blocked in this test: {address}")
        return connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def loopback_loader(url: str, options: dict | None = None) -> dict:
    """PyLD's document loader, allowed 127.0.0.1 alone: a context anywhere else fails the expansion."""
    if urlsplit(url).hostname != "127.0.0.1":
        raise jsonld.JsonLdError(f"refused to load {url}: only 127.0.0.1 is reachable here",
                                 "jsonld.LoadDocumentError", code="loading document failed")
    response = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=30)
    response.raise_for_status()
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": response.url,
            "document": response.json()}


def expanded_triples(document: dict) -> Graph:
    """The triples PyLD reads from a JSON-LD document (expansion, then toRdf), as an rdflib graph."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loopback_loader})
    return Graph().parse(data=nquads, format="nt")


def turtle(url: str, **kwargs) -> Graph:
    response = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text, format="turtle", publicID=url)


def ld_json(url: str, **kwargs) -> dict:
    response = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/ld+json")
    return response.json()


# -- the servers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_base(server_factory, data_dir):
    """The report under the default base (https://w3id.org/reformkg/), served on a loopback port."""
    return server_factory(data_dir, env=LIMITS)


@pytest.fixture(scope="module")
def own_base(server_factory, tmp_path_factory):
    """The report built and served with its base IRI the server's own URL, as a local deployment is."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    data = make_data_dir(tmp_path_factory.mktemp("own-base"), build(SOURCE_PATHS, base=base).nquads)
    server = server_factory(data, env={**LIMITS, "REFORMKG_BASE_IRI": base}, port=port)
    assert server.url + "/" == base
    return server


@pytest.fixture(scope="module", params=["default base", "own base"])
def deployment(request):
    """(the server, its base IRI)."""
    if request.param == "default base":
        return request.getfixturevalue("default_base"), DEFAULT_BASE
    server = request.getfixturevalue("own_base")
    return server, server.url + "/"


def select(server, query: str) -> list[dict]:
    response = requests.get(server.url + "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def one_of_each_class(server, base: str) -> list[str]:
    """One resource of every class that resources minted under the base belong to."""
    rows = select(server, f"""SELECT ?type (MIN(STR(?s)) AS ?iri) WHERE {{
        ?s a ?type FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }} GROUP BY ?type""")
    return sorted({row["iri"] for row in rows})


def local(server, base: str, iri: str) -> str:
    """Where the server answers an IRI minted under the base: the same path on its host."""
    return server.url + "/" + iri.removeprefix(base).split("#", 1)[0]


# -- JSON-LD that expands offline -------------------------------------------------------------------


def test_every_class_of_resource_expands_offline_to_its_turtle(deployment):
    server, base = deployment
    iris = one_of_each_class(server, base)
    assert len(iris) > 15
    for iri in iris:
        url = local(server, base, iri)
        document = ld_json(url)
        assert document["@context"] == server.url + "/context.jsonld"
        assert isomorphic(expanded_triples(document), turtle(url)), iri


@pytest.mark.parametrize("path", ["/dataset", "/.well-known/void", "/ontology"])
def test_the_dataset_and_ontology_documents_expand_offline_to_their_turtle(deployment, path):
    server, _ = deployment
    document = ld_json(server.url + path)
    assert isomorphic(expanded_triples(document), turtle(server.url + path))


def test_the_context_itself_resolves_offline(deployment):
    server, _ = deployment
    context = ld_json(server.url + "/context.jsonld")
    assert jsonld.expand(context, {"documentLoader": loopback_loader}) == []
    assert context["@context"]["rkg"] == RKG


@pytest.mark.parametrize("query", [
    "CONSTRUCT {{ ?r ?p ?o }} WHERE {{ ?r a <{rkg}Reform> ; ?p ?o }}",
    "DESCRIBE <{base}report/cq-civil-affairs-2022/reform/3>",
], ids=["construct", "describe"])
def test_a_query_answer_in_json_ld_expands_offline_to_its_turtle(deployment, query):
    server, base = deployment
    params = {"query": query.format(rkg=RKG, base=base)}
    document = ld_json(server.url + "/sparql", params=params)
    assert len(expanded_triples(document)) > 10
    assert isomorphic(expanded_triples(document), turtle(server.url + "/sparql", params=params))


def test_a_graph_of_the_store_in_json_ld_expands_offline_to_its_turtle(deployment):
    server, base = deployment
    params = {"graph": base + "graph/metadata"}
    document = ld_json(server.url + "/store", params=params)
    assert isomorphic(expanded_triples(document), turtle(server.url + "/store", params=params))


def test_a_context_elsewhere_is_refused_by_the_loader(default_base):
    """The check can fail: a document whose context is only at w3id.org does not expand here."""
    document = ld_json(default_base.url + "/dataset")
    document["@context"] = DEFAULT_BASE + "context.jsonld"
    with pytest.raises(jsonld.JsonLdError):
        expanded_triples(document)


# -- a deployment under its own base names nothing under the default one ------------------------------


FOREIGN = re.compile(re.escape(DEFAULT_BASE) + r"(?!ontology\b)[^\s\"'<>]*")
"""An IRI under the default base other than the vocabulary's."""


def pages_and_apis(server) -> list[str]:
    queries = requests.get(server.url + "/api/queries", headers={"Accept": "application/json"}, timeout=30).json()
    runnable = [q["name"] for q in queries["queries"] if not any(p["required"] for p in q["parameters"])]
    return ["/", "/query", "/ontology", "/dataset", "/dataset.ttl", "/.well-known/void", "/explore", "/api/docs",
            "/api/openapi.json", "/api/queries", "/context.jsonld", "/query/prefixes.json", "/sparql",
            "/report/cq-civil-affairs-2022", "/report/cq-civil-affairs-2022/reform/1",
            "/report/cq-civil-affairs-2022/reform/1.jsonld", "/api/export.graphml", "/api/export.gexf",
            "/dumps/reformkg.nq", *(f"/api/queries/{name}" for name in runnable)]


def test_a_deployment_under_its_own_base_names_nothing_under_the_default_one(own_base):
    paths = pages_and_apis(own_base)
    assert len(paths) > 30
    for path in paths:
        response = requests.get(own_base.url + path, timeout=60)
        assert response.status_code == 200, (path, response.text[:300])
        assert not FOREIGN.findall(response.text), (path, FOREIGN.findall(response.text)[:3])


def test_the_check_for_the_default_base_can_fail(default_base):
    assert FOREIGN.findall(requests.get(default_base.url + "/api/openapi.json", timeout=30).text)


def test_every_openapi_example_answers_on_a_deployment_under_its_own_base(own_base):
    """Swagger's Execute with the documented examples finds rows, not an empty answer."""
    document = requests.get(own_base.url + "/api/openapi.json", timeout=30).json()
    checked = 0
    for path, operations in document["paths"].items():
        if not path.startswith("/api/queries/"):
            continue
        parameters = operations["get"].get("parameters", [])
        examples = {p["name"]: json.dumps(p["example"]) if isinstance(p["example"], bool) else p["example"]
                    for p in parameters if "example" in p and p["in"] == "query"}
        iris = {k: v for k, v in examples.items() if isinstance(v, str) and v.startswith("http")}
        if not iris:
            continue
        for name, value in iris.items():
            assert value.startswith(own_base.url + "/") or value.startswith(RKG), (path, name, value)
        response = requests.get(own_base.url + path, params=examples, headers={"Accept": "application/json"},
                                timeout=60)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["rows"], (path, examples)
        checked += 1
    assert checked > 20


def test_an_iri_a_named_query_returns_dereferences_on_the_deployment(own_base):
    rows = requests.get(own_base.url + "/api/queries/reforms-and-measures", headers={"Accept": "application/json"},
                        timeout=30).json()["rows"]
    iris = {v for row in rows for v in row.values() if isinstance(v, str) and v.startswith(own_base.url + "/")}
    assert len(iris) > 10
    for iri in sorted(iris)[:10]:
        assert requests.get(iri, headers={"Accept": "text/turtle"}, timeout=30).status_code == 200, iri


# -- SPARQLWrapper, with every format it offers -----------------------------------------------------


FORMS = {
    "SELECT": "SELECT ?r ?n WHERE {{ ?r a <{rkg}Reform> ; <{rkg}number> ?n }} ORDER BY ?n LIMIT 5",
    "ASK": "ASK {{ ?r a <{rkg}Reform> }}",
    "CONSTRUCT": "CONSTRUCT {{ ?r <{rkg}number> ?n }} WHERE {{ ?r a <{rkg}Reform> ; <{rkg}number> ?n }}",
    "DESCRIBE": "DESCRIBE <{base}report/cq-civil-affairs-2022/reform/1>",
}
RESULTS = {JSON, XML, CSV, TSV}
GRAPHS = {JSON, JSONLD, XML, TURTLE, N3, RDF, RDFXML}
RETURN_FORMATS = [JSON, JSONLD, XML, TURTLE, N3, RDF, RDFXML, CSV, TSV]


@pytest.mark.parametrize("fmt", RETURN_FORMATS)
@pytest.mark.parametrize("form", FORMS)
def test_sparqlwrapper_gets_what_it_asks_for_or_a_406_naming_the_forms_formats(default_base, form, fmt):
    client = SPARQLWrapper(default_base.url + "/sparql")
    client.setQuery(FORMS[form].format(rkg=RKG, base=DEFAULT_BASE))
    client.setReturnFormat(fmt)
    fits = fmt in (RESULTS if form in ("SELECT", "ASK") else GRAPHS)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        if not fits:
            with pytest.raises(HTTPError) as refused:
                client.query()
            body = refused.value.read().decode("utf-8")
            assert refused.value.code == 406
            offered = "application/sparql-results+json" if form in ("SELECT", "ASK") else "text/turtle"
            assert offered in body, body
            return
        converted = client.query().convert()
    # The answer is of the kind asked for: SPARQLWrapper warns when it is not.
    assert not [w for w in warned if "has been returned by the endpoint" in str(w.message)]
    check_converted(form, fmt, converted)


def check_converted(form: str, fmt: str, converted) -> None:
    if form in ("CONSTRUCT", "DESCRIBE"):
        if isinstance(converted, dict | list):  # JSON: the JSON-LD itself
            graph = Graph().parse(data=json.dumps(converted), format="json-ld")
        else:
            graph = converted
        assert len(graph) >= (10 if form == "CONSTRUCT" else 5)
        return
    if fmt == JSON:
        assert converted["boolean"] is True if form == "ASK" else len(converted["results"]["bindings"]) == 5
    elif fmt == XML:
        if form == "ASK":
            assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
        else:
            assert len(converted.getElementsByTagName("result")) == 5
    else:
        text = converted.decode("utf-8")
        assert ("true" in text) if form == "ASK" else len(text.strip().splitlines()) == 6


# -- each triple once -------------------------------------------------------------------------------


def test_no_answer_repeats_a_triple(deployment):
    """An RDF answer is a set: /dataset as N-Triples had 455 lines for 447 triples (issue 17)."""
    server, base = deployment
    answers = [("/dataset", {}), ("/.well-known/void", {}), ("/ontology", {}), ("/dumps/reformkg.nq", {}),
               ("/store", {"graph": base + "graph/curation"}),
               ("/sparql", {"query": f"DESCRIBE <{base}place/chongqing> <{base}report/cq-civil-affairs-2022>"}),
               ("/sparql", {"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"}),
               *((local(server, base, iri).removeprefix(server.url), {}) for iri in one_of_each_class(server, base))]
    for path, params in answers:
        accept = "application/n-quads" if path.endswith(".nq") else "application/n-triples"
        response = requests.get(server.url + path, params=params, headers={"Accept": accept}, timeout=60)
        assert response.status_code == 200, (path, response.text[:200])
        lines = [line for line in response.text.splitlines() if line.strip()]
        assert len(lines) == len(set(lines)) > 0, (path, len(lines) - len(set(lines)))
