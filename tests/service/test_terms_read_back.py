"""What pages and the JSON API read (Backend.terms) is exactly what the store holds, on every backend.

The embedded store's engines write such answers in TSV or N-Triples and the web process reads them
back (store/embedded/backend.py), as a remote server's answer is read: blank nodes must keep one
identity from query to query (a page merges the triples of several), and literals their language,
datatype, tabs and line breaks, which TSV escapes.
"""
from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode

from reformkg.service.store.results import ask, construct, select

from .conftest import AUTH

S, P, Q = NamedNode("urn:terms:s"), NamedNode("urn:terms:p"), NamedNode("urn:terms:q")
AWKWARD = Literal("a\ttab, a\nline break, \"quotes\" and 养老", language="zh")
NUMBER = Literal(" 0012 ", datatype=NamedNode("urn:terms:digits"))  # a datatype no store normalises


def _insert(writer) -> None:
    update = ("INSERT DATA { GRAPH <urn:terms:g> { <urn:terms:s> <urn:terms:p> _:x , \"plain\" . "
              f"_:x <urn:terms:q> {AWKWARD} , {NUMBER} }} }}")
    assert writer.post("/sparql", data={"update": update}, headers=AUTH).status_code in (200, 204)


def test_rows_triples_and_booleans_read_back_are_the_terms_the_store_holds(writable_app, writer):
    _insert(writer)
    backend = writable_app.extensions["reformkg.backend"]
    with writable_app.test_request_context("/"):
        rows = select(backend, "SELECT ?o ?v WHERE { <urn:terms:s> <urn:terms:p> ?o "
                               "OPTIONAL { ?o <urn:terms:q> ?v } } ORDER BY ?v")
        triples = construct(backend, "CONSTRUCT { ?x <urn:terms:q> ?v } WHERE { <urn:terms:s> <urn:terms:p> ?x . "
                                     "?x <urn:terms:q> ?v }")
        found = ask(backend, "ASK { ?x <urn:terms:q> ?v FILTER(lang(?v) = 'zh') }")
        missing = ask(backend, "ASK { ?x <urn:terms:q> 'nowhere' }")
    plain = [row for row in rows if "v" not in row]
    assert [row["o"] for row in plain] == [Literal("plain")]
    node = {row["o"] for row in rows if "v" in row}
    assert len(node) == 1 and isinstance(next(iter(node)), BlankNode)
    assert {row["v"] for row in rows if "v" in row} == {AWKWARD, NUMBER}
    # The blank node of the SELECT is the subject of the CONSTRUCT's triples: one node across queries.
    assert {t.subject for t in triples} == node
    assert {t.object for t in triples} == {AWKWARD, NUMBER} and {t.predicate for t in triples} == {Q}
    assert found is True and missing is False
