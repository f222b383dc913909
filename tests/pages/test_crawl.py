"""Every IRI the graph mints under the base dereferences on a real server: as a page and as RDF."""
from __future__ import annotations

import pytest
import requests
from pyoxigraph import NamedNode, RdfFormat, parse

from .conftest import BASE

ALL_IRIS = """SELECT DISTINCT ?iri WHERE {
  { GRAPH ?g { ?iri ?p ?o } } UNION { GRAPH ?g { ?s ?iri ?o } } UNION { GRAPH ?g { ?s ?p ?iri } }
  UNION { GRAPH ?iri { ?s ?p ?o } }
  FILTER(isIRI(?iri) && STRSTARTS(STR(?iri), "%s"))
}""" % BASE
RDF_CHECKS = {"text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES,
              "application/rdf+xml": RdfFormat.RDF_XML, "application/ld+json": None}


def documents(store) -> list[str]:
    """The IRIs a client fetches to dereference every minted IRI: each without its fragment."""
    return sorted({row["iri"].value.split("#", 1)[0] for row in store.query(ALL_IRIS)})


@pytest.fixture(scope="module")
def crawled(live_url, store) -> dict[str, dict[str, requests.Response]]:
    """Every document fetched as HTML and as Turtle, once for the module."""
    results: dict[str, dict[str, requests.Response]] = {}
    with requests.Session() as session:
        for iri in documents(store):
            path = iri[len(BASE) - 1:]
            results[iri] = {accept: session.get(live_url + path, headers={"Accept": accept}, timeout=30)
                            for accept in ("text/html", "text/turtle")}
    return results


def test_the_crawl_covers_every_kind_of_minted_iri(crawled):
    paths = {iri[len(BASE):].split("/", 1)[0] for iri in crawled}
    assert {"report", "agency", "target-group", "place", "document", "programme", "unit", "period", "scheme",
            "graph", "ontology", "dataset"} <= paths
    assert len(crawled) > 300


def test_every_minted_iri_dereferences_as_a_page(crawled):
    failures = {iri: r["text/html"].status_code for iri, r in crawled.items()
                if r["text/html"].status_code != 200 or "text/html" not in r["text/html"].headers["Content-Type"]}
    assert failures == {}


def test_every_minted_iri_dereferences_as_rdf_describing_it(crawled):
    failures = {}
    for iri, responses in crawled.items():
        response = responses["text/turtle"]
        if response.status_code != 200:
            failures[iri] = response.status_code
            continue
        triples = list(parse(response.content, format=RdfFormat.TURTLE))
        if not any(NamedNode(iri) in (t.subject, t.object) for t in triples) and not iri.endswith("/dataset"):
            failures[iri] = "not described"
    assert failures == {}


@pytest.mark.parametrize("accept", list(RDF_CHECKS))
def test_a_sample_of_iris_answers_in_every_rdf_type(live_url, store, accept):
    sample = documents(store)[::25]
    with requests.Session() as session:
        for iri in sample:
            response = session.get(live_url + iri[len(BASE) - 1:], headers={"Accept": accept}, timeout=30)
            assert response.status_code == 200, iri
            assert response.headers["Content-Type"].startswith(accept)
            if RDF_CHECKS[accept] is not None:
                assert list(parse(response.content, format=RDF_CHECKS[accept])), iri


def test_an_unknown_iri_is_404_on_the_real_server(live_url):
    response = requests.get(live_url + "/programme/no-such-programme", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 404 and "text/html" in response.headers["Content-Type"]
