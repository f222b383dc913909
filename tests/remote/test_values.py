"""Binding parameters as a VALUES block: where it goes, and that a client's text never becomes syntax."""
from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store, Variable

from reformkg.service.errors import BadRequest
from reformkg.service.sparql.terms import parse_term
from reformkg.service.sparql.binding import bind

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


def test_a_subquery_gets_the_block_in_its_where_group_not_around_it():
    bound = bind("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", {"o": IRI})
    block = "VALUES (?o) { (<http://example.org/a>) }"
    assert bound == f"SELECT ?s WHERE {{ {block}  {{ SELECT ?s WHERE {{ {block}  ?s ?p ?o }} }} }}"


def test_groups_without_the_variable_and_data_blocks_and_templates_get_no_block():
    bound = bind("CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?x } VALUES ?p { <http://example.org/p> } ?s ?p ?o }",
                 {"o": IRI})
    assert bound.count("VALUES (?o)") == 1 and bound.startswith("CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?o)")


EX = "http://example.org/"
# Each query names its parameters in its projection (pyoxigraph binds only projected variables).
SCOPES = {
    "subquery filter": "SELECT ?t ?s WHERE { { SELECT DISTINCT ?t ?s WHERE { ?s ?p ?o FILTER(?o = ?t) } } }",
    "union branches": "SELECT ?s ?t ?n WHERE { { ?s ?p ?o FILTER(?o = ?t) } UNION { ?s <http://example.org/v> ?x "
                      "FILTER(STR(?x) = ?n) } }",
    "optional filter": "SELECT ?s ?x ?n WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/v> ?x "
                       "FILTER(STR(?x) = ?n) } }",
    "exists": "SELECT ?s ?t WHERE { ?s ?p ?o FILTER EXISTS { ?s ?q ?t } }",
    "beside a data block": "SELECT ?s ?lp ?t WHERE { ?s ?lp ?o VALUES ?lp { <http://example.org/p> } FILTER(?o = ?t) }",
    "nested groups": "SELECT ?s ?t WHERE { { { ?s ?p ?t } } }",
    "aggregate over a subquery": "SELECT ?t (COUNT(*) AS ?c) WHERE { { SELECT ?s ?t WHERE { ?s ?p ?t } } } GROUP BY ?t",
}
SUBSTITUTIONS = {"t": f"<{EX}o1>", "n": '"3"'}


@pytest.mark.parametrize("query", SCOPES.values(), ids=SCOPES.keys())
def test_a_bound_query_answers_as_with_pyoxigraphs_substitutions(query):
    store = Store()
    for i in range(6):
        store.add(Quad(NamedNode(f"{EX}s{i}"), NamedNode(f"{EX}p"), NamedNode(f"{EX}o{i % 3}")))
        store.add(Quad(NamedNode(f"{EX}s{i}"), NamedNode(f"{EX}v"), Literal(str(i))))
    projected = query.split("WHERE")[0]
    substitutions = {k: v for k, v in SUBSTITUTIONS.items() if f"?{k} " in projected}

    def rows(result) -> list[tuple]:
        names = [v.value for v in result.variables]
        return sorted(tuple(str(s[n]) for n in names) for s in result)

    expected = rows(store.query(query, substitutions={Variable(k): parse_term(v) for k, v in substitutions.items()}))
    assert rows(store.query(bind(query, substitutions))) == expected and expected


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
