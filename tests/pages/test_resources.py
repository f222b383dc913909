"""Dereferencing: every minted IRI answers at its path, as a page or as RDF, with the right headers."""
from __future__ import annotations

import json

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from .conftest import BASE, REPORT

REFORM = REPORT + "/reform/2"
REFORM_PATH = "/report/cq-civil-affairs-2022/reform/2"
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RKG = "https://w3id.org/reformkg/ontology#"
RDF_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
}
SUFFIXES = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".nt": "application/n-triples",
            ".rdf": "application/rdf+xml"}


def triples_of(response, media_type: str, client=None) -> list:
    body = response.data
    if media_type == "application/ld+json":
        body = with_inline_context(body, client)
    return list(parse(body, format=RDF_TYPES[media_type], base_iri=BASE))


# JSON-LD names its context on the host that answered (the test client's is localhost), so that it
# resolves wherever the service runs, before or without a w3id registration.
ANSWERING_CONTEXT = "http://localhost/context.jsonld"


def with_inline_context(body: bytes, client) -> bytes:
    """The JSON-LD with its context fetched from this service, as a JSON-LD processor would fetch it."""
    document = json.loads(body)
    assert document["@context"] == ANSWERING_CONTEXT
    document["@context"] = client.get("/context.jsonld").get_json()["@context"]
    return json.dumps(document).encode()


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_each_rdf_type_describes_the_resource(client, media_type):
    response = client.get(REFORM_PATH, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    triples = triples_of(response, media_type, client)
    assert any(t.subject == NamedNode(REFORM) and t.predicate == RDF_TYPE and t.object == NamedNode(RKG + "Reform")
               for t in triples)
    assert any(t.subject == NamedNode(REFORM) and t.object == Literal("深化基本养老服务领域改革", language="zh")
               for t in triples)


def test_a_browser_gets_the_page(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8"
    response = client.get(REFORM_PATH, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "深化基本养老服务领域改革" in response.text


def test_no_accept_header_gets_the_page(client):
    assert client.get(REFORM_PATH).mimetype == "text/html"


@pytest.mark.parametrize("accept,expected", [
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("text/plain", "application/n-triples"),
    ("application/xml", "application/rdf+xml"),
    ("text/html;q=0, */*", "text/turtle"),
])
def test_accept_header_picks_the_representation(client, accept, expected):
    assert client.get(REFORM_PATH, headers={"Accept": accept}).mimetype == expected


def test_unacceptable_type_is_406_listing_the_offers(client):
    response = client.get(REFORM_PATH, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text and "text/html" in response.text


@pytest.mark.parametrize("media_type", ["text/html", *RDF_TYPES])
def test_negotiated_answers_vary_on_accept_and_link_every_representation(client, media_type):
    response = client.get(REFORM_PATH, headers={"Accept": media_type})
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    for suffix, alternate in SUFFIXES.items():
        assert f'<{REFORM_PATH}{suffix}>; rel="alternate"; type="{alternate}"' in link
    assert f'<{REFORM_PATH}>; rel="alternate"; type="text/html"' in link


def test_negotiated_rdf_names_its_suffix_url_in_content_location(client):
    response = client.get(REFORM_PATH, headers={"Accept": "text/turtle"})
    assert response.headers["Content-Location"] == REFORM_PATH + ".ttl"


@pytest.mark.parametrize("suffix,media_type", list(SUFFIXES.items()))
def test_suffix_urls_give_their_format_whatever_accept_says(client, suffix, media_type):
    response = client.get(REFORM_PATH + suffix, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Link" in response.headers
    assert triples_of(response, media_type, client)


def test_the_page_links_its_rdf_twins_in_its_head(client):
    html = client.get(REFORM_PATH).text
    for suffix, media_type in SUFFIXES.items():
        assert f'<link rel="alternate" type="{media_type}" href="{REFORM_PATH}{suffix}"' in html


def test_unknown_iri_under_the_base_is_a_404_page(client):
    response = client.get("/report/cq-civil-affairs-2022/reform/99", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "report/cq-civil-affairs-2022/reform/99" in response.text


def test_unknown_iri_asked_as_rdf_is_a_404(client):
    response = client.get("/agency/no-such-agency", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert "no-such-agency" in response.text


def test_head_answers_like_get_without_a_body(client):
    response = client.head(REFORM_PATH, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle" and response.data == b""


def test_description_has_labels_of_what_it_links_to_and_links_into_it(client):
    triples = triples_of(client.get(REFORM_PATH + ".nt"), "application/n-triples")
    report = NamedNode(REPORT)
    assert any(t.subject == report and t.predicate == RDFS_LABEL and t.object.language == "zh" for t in triples)
    assert any(t.subject == report and t.object == NamedNode(REFORM) for t in triples)  # rkg:hasReform, incoming
    time_bank = NamedNode(BASE + "programme/time-bank")
    assert any(t.subject == time_bank and t.predicate == RDFS_LABEL for t in triples)


def test_description_of_a_span_includes_its_hash_selectors(client):
    triples = triples_of(client.get("/report/cq-civil-affairs-2022/span/155-161.nt"), "application/n-triples")
    quote = NamedNode(REPORT + "/span/155-161#quote")
    assert any(t.subject == quote and t.predicate.value.endswith("#exact") and t.object.value == "3025人次"
               for t in triples)


def test_incoming_links_are_bounded(client):
    from reformkg.service.describe import INCOMING_LIMIT

    triples = triples_of(client.get("/report/cq-civil-affairs-2022/text.nt"), "application/n-triples")
    text = NamedNode(REPORT + "/text")
    incoming = [t for t in triples if t.object == text]
    assert 0 < len(incoming) <= INCOMING_LIMIT


def test_hash_iris_resolve_to_their_document(client):
    # …/ontology#Reform is fetched as …/ontology: the whole ontology, which declares Reform.
    triples = triples_of(client.get("/ontology", headers={"Accept": "text/turtle"}), "text/turtle")
    assert any(t.subject == NamedNode(RKG + "Reform") and t.predicate == RDF_TYPE for t in triples)
    assert any(t.subject == NamedNode(RKG + "reform") for t in triples)


@pytest.mark.parametrize("media_type", ["text/turtle", "application/ld+json", "application/rdf+xml"])
def test_the_ontology_iri_returns_the_whole_ontology(client, media_type):
    response = client.get("/ontology", headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    subjects = {t.subject for t in triples_of(response, media_type, client)}
    assert NamedNode("https://w3id.org/reformkg/ontology") in subjects
    assert {NamedNode(RKG + c) for c in ("Report", "Reform", "Measure", "Indicator", "PolicyDocument")} <= subjects


def test_the_ontology_offers_its_suffix_urls(client):
    assert client.get("/ontology.ttl").mimetype == "text/turtle"
    assert client.get("/ontology.rdf").mimetype == "application/rdf+xml"
    assert client.get("/ontology.xyz").status_code == 404


def test_json_ld_uses_the_published_context_and_short_keys(client):
    document = client.get(REFORM_PATH + ".jsonld").get_json()
    assert document["@context"] == ANSWERING_CONTEXT
    nodes = document.get("@graph", [document])
    reform = next(n for n in nodes if n.get("id") == REFORM)
    assert reform["type"] == "rkg:Reform"
    assert reform["title"]["zh"] == "深化基本养老服务领域改革"
    assert reform["isPartOf"] == REPORT
    assert all(key.startswith("@") or ":" not in key or key.startswith(("void:", "dcat:")) for key in reform)


def test_the_context_is_generated_from_the_vocabularies_and_the_ontology(client):
    from reformkg.ontology.vocab import PREFIXES

    response = client.get("/context.jsonld")
    assert response.mimetype == "application/ld+json"
    context = response.get_json()["@context"]
    assert {k: context[k] for k in PREFIXES} == PREFIXES
    assert context["reform"] == {"@id": RKG + "reform", "@type": "@id"}
    assert context["label"] == {"@id": "http://www.w3.org/2000/01/rdf-schema#label", "@container": "@language"}
    # A clash of local names goes to the ontology's own term; the other stays a prefixed name.
    assert context["measure"]["@id"] == RKG + "measure"


def test_resources_allow_cross_origin_reads(client):
    response = client.get(REFORM_PATH, headers={"Accept": "text/turtle", "Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_named_graph_iri_dereferences(client):
    response = client.get("/graph/metadata", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "/store?graph=" in response.text


def test_only_a_named_graph_s_page_offers_its_graph_for_download(client):
    assert "/store?graph=" not in client.get(REFORM_PATH, headers={"Accept": "text/html"}).text
    void_triples = "http://rdfs.org/ns/void#triples"
    assert void_triples in client.get("/graph/metadata", headers={"Accept": "application/n-triples"}).text
    assert void_triples not in client.get(REFORM_PATH, headers={"Accept": "application/n-triples"}).text
