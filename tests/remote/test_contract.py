"""The Backend contract, run on the embedded store and on a real Oxigraph server holding the same data.

Answers are compared with what pyoxigraph gives on the session's on-disk store (the default graph
being the union of the named graphs), so both backends are held to one truth.
"""
from __future__ import annotations

import re

import pytest
from pyoxigraph import NamedNode, RdfFormat, Variable, parse, parse_query_results

from reformkg.service.errors import BadRequest, NotAcceptable, NotFound, QuerySyntaxError, ResultTooLarge
from reformkg.service.formats import BY_MEDIA, GRAPH, RESULTS, media_types
from reformkg.service.sparql.catalog import load_catalog
from reformkg.service.sparql.terms import parse_term
from reformkg.service.store.base import Payload, QueryRequest

from ..conftest import grounded

RKG = "https://w3id.org/reformkg/ontology#"
BASE = "https://w3id.org/reformkg/"
REFORMS = f"PREFIX rkg: <{RKG}> SELECT ?r ?n WHERE {{ ?r a rkg:Reform ; rkg:number ?n }} ORDER BY ?n"
CONSTRUCT = f"PREFIX rkg: <{RKG}> CONSTRUCT {{ ?r rkg:number ?n ; ?p ?o }} WHERE {{ ?r a rkg:Reform ; rkg:number ?n ; ?p ?o }}"
SCRATCH = "http://example.org/graph/scratch"


def run(backend, query: str, accept: str = "application/sparql-results+json", **kwargs) -> tuple[str, bytes]:
    response = backend.query(QueryRequest(query=query, accept=accept, **kwargs))
    return response.media_type, b"".join(response.body)


def rows(body: bytes, media: str = "application/sparql-results+json") -> list[tuple]:
    results = parse_query_results(body, format=BY_MEDIA[media].syntax)
    names = [v.value for v in results.variables]
    return [tuple(s[n] for n in names) for s in results]


def truth(store, query: str, **options) -> list[tuple]:
    options.setdefault("use_default_graph_as_union", True)
    results = store.query(query, **options)
    names = [v.value for v in results.variables]
    return [tuple(s[n] for n in names) for s in results]


def test_select_gives_the_same_rows_as_the_store(backend, store):
    media, body = run(backend, REFORMS)
    assert media == "application/sparql-results+json"
    assert rows(body) == truth(store, REFORMS)
    assert len(rows(body)) == 10


@pytest.mark.parametrize("media", media_types(RESULTS))
def test_select_in_every_result_format(backend, store, media):
    answered, body = run(backend, REFORMS, accept=media)
    assert answered == media
    if media == "text/csv":  # CSV cannot be read back as terms: compare its cells
        lines = body.decode().splitlines()
        assert lines[0] == "r,n" and len(lines) == 11
        assert lines[1] == f"{truth(store, REFORMS)[0][0].value},1"
    else:
        assert rows(body, media) == truth(store, REFORMS)


@pytest.mark.parametrize("media", media_types(RESULTS))
@pytest.mark.parametrize("answer", [True, False])
def test_ask_in_every_result_format_reads_as_the_embedded_store_writes_it(backend, store, media, answer):
    query = f"ASK {{ ?r a <{RKG}{'Reform' if answer else 'Nothing'}> }}"
    answered, body = run(backend, query, accept=media)
    assert answered == media
    assert body == store.query(query, use_default_graph_as_union=True).serialize(format=BY_MEDIA[media].syntax)


@pytest.mark.parametrize("media", media_types(GRAPH))
def test_construct_in_every_graph_format(backend, store, media):
    answered, body = run(backend, CONSTRUCT, accept=media)
    assert answered == media
    got = {q.triple if hasattr(q, "triple") else q for q in parse(body, format=BY_MEDIA[media].syntax)}
    expected = set(store.query(CONSTRUCT, use_default_graph_as_union=True))
    assert got == expected and len(got) > 100


def test_describe_answers_a_graph(backend):
    answered, body = run(backend, f"DESCRIBE <{BASE}report/cq-civil-affairs-2022/reform/1>", accept="text/turtle")
    assert answered == "text/turtle"
    assert len(list(parse(body, format=RdfFormat.TURTLE))) > 5


def test_the_default_graph_is_the_union_of_the_named_graphs(backend, store):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert rows(run(backend, query)[1]) == truth(store, query)


def test_default_graph_uri_narrows_the_default_graph(backend):
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?r a <{RKG}Reform> }}"
    ontology = rows(run(backend, query, default_graphs=(f"{BASE}graph/ontology",))[1])
    report = rows(run(backend, query, default_graphs=(f"{BASE}graph/report/cq-civil-affairs-2022",))[1])
    assert int(ontology[0][0].value) == 0 and int(report[0][0].value) == 10


def test_named_graph_uri_names_the_graphs_graph_patterns_see(backend):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    named = (f"{BASE}graph/curation", f"{BASE}graph/metadata")
    got = rows(run(backend, query, named_graphs=named)[1])
    assert sorted(r[0].value for r in got) == sorted(named)


def test_from_in_the_query_is_its_dataset(backend):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/ontology> WHERE {{ ?r a <{RKG}Reform> }}"
    assert int(rows(run(backend, query)[1])[0][0].value) == 0


def test_a_substitution_binds_a_variable(backend, store):
    query = f"PREFIX rkg: <{RKG}> SELECT ?r ?n WHERE {{ ?r a rkg:Reform ; rkg:number ?n }}"
    got = rows(run(backend, query, substitutions={"n": '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'})[1])
    assert [r[0].value for r in got] == [f"{BASE}report/cq-civil-affairs-2022/reform/3"]


def test_a_substitution_binds_in_an_aggregate_query(backend):
    query = f"PREFIX rkg: <{RKG}> SELECT ?r (COUNT(?i) AS ?n) WHERE {{ ?i a rkg:Indicator ; rkg:reform ?r }} GROUP BY ?r"
    reform = f"<{BASE}report/cq-civil-affairs-2022/reform/10>"
    assert int(rows(run(backend, query, substitutions={"r": reform})[1])[0][1].value) == 17


@pytest.mark.parametrize("value", ['"x" } ; DROP ALL ; {', "<http://a> . ?s ?p ?o", '<http://a> } DROP ALL { <http://b>'])
def test_a_term_that_is_not_one_term_is_refused(backend, value):
    with pytest.raises(BadRequest):
        run(backend, "SELECT ?s ?o WHERE { ?s ?p ?o }", substitutions={"o": value})


def test_a_literal_holding_query_syntax_stays_a_literal(backend):
    before = backend.triple_count()
    injected = '"\\" } ; DROP ALL ; { \\""@zh'
    assert parse_term(injected).value == '" } ; DROP ALL ; { "'
    assert rows(run(backend, "SELECT ?s ?o WHERE { ?s ?p ?o }", substitutions={"o": injected})[1]) == []
    assert backend.triple_count() == before


_CONCAT = re.compile(r'GROUP_CONCAT\(.*?;\s*separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.S)


def comparable(query: str, found: list[tuple], names: list[str]) -> list[str]:
    """Rows as sorted text, each GROUP_CONCAT's parts sorted: SPARQL leaves their order to the engine,
    and the in-memory copy an engine reads walks its indexes in another order than the files."""
    separators = {name: sep for sep, name in _CONCAT.findall(query)}
    out = []
    for row in found:
        cells = []
        for name, term in zip(names, row):
            if name in separators and term is not None:
                term = sorted(term.value.split(separators[name]))
            cells.append(repr(term))
        out.append(" ".join(cells))
    return sorted(out)


def test_named_queries_with_their_example_parameters_agree_with_the_store(backend, store):
    catalog = load_catalog()
    checked = 0
    for named in catalog:
        substitutions = named.bind({p.name: [p.example] for p in named.parameters if p.example is not None})
        expected = store.query(named.text, use_default_graph_as_union=True,
                               substitutions={Variable(k): parse_term(v) for k, v in substitutions.items()})
        names = [v.value for v in expected.variables]
        want = comparable(named.text, [tuple(s[n] for n in names) for s in expected], names)
        got = rows(run(backend, named.text, substitutions=substitutions, max_rows=5000)[1])
        assert comparable(named.text, got, names) == want, named.name
        checked += 1
    assert checked >= 9


def test_named_graphs_and_triple_count_are_the_stores(backend, store):
    assert backend.named_graphs() == sorted(g.value for g in store.named_graphs())
    assert backend.triple_count() == len(store)


def test_graph_get_serialises_one_graph(backend, store):
    graph = f"{BASE}graph/curation"
    response = backend.graph_get(graph, "application/n-triples")
    got = {q.triple for q in parse(b"".join(response.body), format=RdfFormat.N_TRIPLES)}
    assert got == {q.triple for q in store.quads_for_pattern(None, None, None, NamedNode(graph))}


def test_graph_get_of_an_absent_graph_is_not_found(backend):
    with pytest.raises(NotFound):
        b"".join(backend.graph_get("http://example.org/no-such-graph", "text/turtle").body)


def test_dataset_get_serialises_every_quad(backend, store):
    response = backend.dataset_get("application/n-quads")
    assert grounded(parse(b"".join(response.body), format=RdfFormat.N_QUADS)) == grounded(store)


def test_a_syntax_error_reads_the_same_on_both(backend):
    with pytest.raises(QuerySyntaxError, match=r"syntax error at line 1, column 8: found the end of the query, where the query needs VERSION"):
        run(backend, "SELEC x")


def test_more_rows_than_the_request_allows_is_too_large(backend):
    with pytest.raises(ResultTooLarge, match="more than 3 rows"):
        run(backend, REFORMS, max_rows=3)


def test_an_accept_nothing_fits_is_not_acceptable(backend):
    with pytest.raises(NotAcceptable):
        run(backend, REFORMS, accept="image/png")


def test_a_large_answer_streams_past_the_buffer(backend, store):
    response = backend.query(QueryRequest("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 4000",
                                          accept="application/n-triples, application/sparql-results+json"))
    assert response.length is None  # more than buffer_bytes: streamed
    assert len(rows(b"".join(response.body))) == 4000


def test_graph_store_writes(scratch_backend):
    b = scratch_backend
    turtle = Payload(b"<http://example.org/a> <http://example.org/p> 1 .", "text/turtle")
    assert b.graph_replace(SCRATCH, [turtle]) is True
    assert b.graph_replace(SCRATCH, [turtle]) is False
    assert b.graph_exists(SCRATCH)
    added = Payload('<http://example.org/a> <http://example.org/p> "二"@zh .'.encode(), "application/n-triples")
    assert b.graph_add(SCRATCH, [added]) is False
    got = set(parse(b"".join(b.graph_get(SCRATCH, "application/n-triples").body), format=RdfFormat.N_TRIPLES))
    assert len(got) == 2
    b.graph_delete(SCRATCH)
    assert not b.graph_exists(SCRATCH)
    with pytest.raises(NotFound):
        b.graph_delete(SCRATCH)


def test_relative_iris_in_a_payload_resolve_against_the_graph(scratch_backend):
    scratch_backend.graph_replace(SCRATCH, [Payload(b"<#a> <#p> <#o> .", "text/turtle")])
    body = b"".join(scratch_backend.graph_get(SCRATCH, "application/n-triples").body)
    assert f"<{SCRATCH}#a>".encode() in body


def test_a_payload_that_does_not_parse_is_a_bad_request(scratch_backend):
    with pytest.raises(BadRequest):
        scratch_backend.graph_replace(SCRATCH, [Payload(b"<a> <b", "text/turtle")])


def test_an_update_is_visible_to_the_next_query(scratch_backend):
    scratch_backend.update(f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ <http://example.org/u> <http://example.org/p> 7 }} }}",
                           timeout=10)
    _, body = run(scratch_backend, "SELECT ?o WHERE { <http://example.org/u> ?p ?o }")
    assert [r[0].value for r in rows(body)] == ["7"]
    assert SCRATCH in scratch_backend.named_graphs()


def test_an_update_syntax_error_is_a_syntax_error(scratch_backend):
    with pytest.raises(QuerySyntaxError):
        scratch_backend.update("INSERT DATA { <a> ", timeout=10)
