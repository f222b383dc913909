"""Binding parameters as a VALUES block: where it goes, and that a client's text never becomes syntax."""
from __future__ import annotations

import pytest
from pyoxigraph import Store

from reformkg.service.errors import BadRequest
from reformkg.service.store.values import bind

IRI = "<http://example.org/a>"


@pytest.mark.parametrize("query, expected", [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE { VALUES (?o) { (<http://example.org/a>) }  ?s ?p ?o }"),
    ("SELECT * { ?s ?p ?o } ORDER BY ?s", "SELECT * { VALUES (?o) { (<http://example.org/a>) }  ?s ?p ?o } ORDER BY ?s"),
    ("ASK { ?s ?p ?o }", "ASK { VALUES (?o) { (<http://example.org/a>) }  ?s ?p ?o }"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
     "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?o) { (<http://example.org/a>) }  ?s ?p ?o }"),
    ("CONSTRUCT WHERE { ?s ?p ?o }",
     "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?o) { (<http://example.org/a>) }  ?s ?p ?o }"),
    ("DESCRIBE ?o", "DESCRIBE ?o WHERE { VALUES (?o) { (<http://example.org/a>) } } "),
])
def test_the_block_opens_the_where_group(query, expected):
    assert bind(query, {"o": IRI}) == expected
    Store().query(expected)  # and it parses


def test_braces_in_strings_iris_and_comments_are_not_groups():
    query = 'SELECT ?s # { not a group\nWHERE { ?s ?p "{" }'
    assert bind(query, {"o": IRI}).endswith('WHERE { VALUES (?o) { (<http://example.org/a>) }  ?s ?p "{" }')


def test_a_subquery_does_not_get_the_block():
    bound = bind("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", {"o": IRI})
    assert bound.index("VALUES") < bound.index("{ SELECT")


def test_literals_are_written_by_pyoxigraph():
    bound = bind("SELECT ?s WHERE { ?s ?p ?o }", {"o": '"a \\" } DROP ALL { "@zh'})
    assert '"a \\" } DROP ALL { "@zh' in bound
    assert Store().query(bound) is not None


@pytest.mark.parametrize("name", ["o) } DROP ALL #", "o o", ""])
def test_a_name_that_is_not_a_variable_is_refused(name):
    with pytest.raises(BadRequest, match="not a SPARQL variable name"):
        bind("SELECT ?s WHERE { ?s ?p ?o }", {name: IRI})


def test_a_blank_node_cannot_be_bound_remotely():
    with pytest.raises(BadRequest, match="blank node"):
        bind("SELECT ?s WHERE { ?s ?p ?o }", {"o": "_:b"})
