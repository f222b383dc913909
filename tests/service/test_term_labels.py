"""The ontology's labels of its terms, which every HTML page names classes and properties by, are read
once per snapshot of the store (context.term_labels), and again after a write.

Embedded only: a remote store tells no generation, so its pages ask each time.
"""
from __future__ import annotations

import pytest

from reformkg.ontology.vocab import Iris
from reformkg.service import context, describe

from .conftest import AUTH

pytestmark = pytest.mark.embedded_only

HTML = {"Accept": "text/html"}


def test_the_term_labels_are_read_once_per_snapshot(writable_app, writer, monkeypatch):
    reads = []
    read = describe.term_labels
    monkeypatch.setattr(describe, "term_labels", lambda *args: reads.append(args) or read(*args))
    writable_app.extensions.pop("reformkg.term-labels", None)
    for words in ("first", "second", "third"):  # pages of their own, none from the page cache
        assert writer.get("/search", query_string={"q": words}, headers=HTML).status_code == 200
    assert len(reads) == 1
    response = writer.post("/sparql", data={"update": "INSERT DATA { <urn:labels:a> <urn:labels:b> 1 }"},
                           headers=AUTH)
    assert response.status_code in (200, 204)
    assert writer.get("/search", query_string={"q": "fourth"}, headers=HTML).status_code == 200
    assert len(reads) == 2  # the new snapshot's labels


def test_a_label_the_ontology_gains_by_a_write_names_its_term_on_the_next_page(writable_app, writer):
    ontology = Iris(writable_app.extensions["reformkg.backend"].settings.base_iri).graph("ontology").value
    term = "urn:labels:new-term"
    assert writer.get("/search", query_string={"q": "before"}, headers=HTML).status_code == 200
    update = (f'INSERT DATA {{ GRAPH <{ontology}> {{ <{term}> <http://www.w3.org/2000/01/rdf-schema#label> '
              f'"a term named by the write"@en }} }}')
    assert writer.post("/sparql", data={"update": update}, headers=AUTH).status_code in (200, 204)
    with writable_app.test_request_context("/"):
        assert context.term_labels()[term] == {"en": "a term named by the write"}
