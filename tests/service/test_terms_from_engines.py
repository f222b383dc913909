"""Pages read answers as terms (`Backend.terms`), which the embedded store's engines send to the web
process: what arrives must be exactly what pyoxigraph gives on the same snapshot, whatever the terms
hold (escapes, language tags, datatypes, blank nodes, unbound variables), within the row limit."""
from __future__ import annotations

import pytest
from pyoxigraph import Store

from reformkg.service import errors
from reformkg.service.settings import load_settings
from reformkg.service.store import open_backend
from reformkg.service.store.base import QueryRequest
from reformkg.service.store.embedded import snapshots

from ..conftest import make_data_dir

pytestmark = pytest.mark.embedded_only

G = "<http://example.org/g>"
TRICKY = "\n".join([
    f'<http://example.org/s> <http://example.org/p> "tab\\there, line\\nbreak, \\"quote\\", back\\\\slash" {G} .',
    f'<http://example.org/s> <http://example.org/p> "养老服务 🧓 é"@zh-Hans-CN {G} .',
    f'<http://example.org/s> <http://example.org/p> ""@en {G} .',
    f'<http://example.org/s> <http://example.org/p> "" {G} .',
    f'<http://example.org/s> <http://example.org/p> "abc"^^<http://www.w3.org/2001/XMLSchema#integer> {G} .',
    f'<http://example.org/s> <http://example.org/p> "4.2E1"^^<http://www.w3.org/2001/XMLSchema#double> {G} .',
    f'<http://example.org/s> <http://example.org/p> "x"^^<http://example.org/own-type> {G} .',
    f'<http://example.org/s> <http://example.org/p> <http://example.org/résumé?q=a%20b#frag> {G} .',
    f'<http://example.org/s> <http://example.org/p> _:node1 {G} .',
    f'_:node1 <http://example.org/p> "from a blank node" {G} .',
    f'_:node1 <http://example.org/q> _:node2 .',
]) + "\n"


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    """A data directory of the tricky quads, its backend, and the snapshot the engines read, in process."""
    data_dir = make_data_dir(tmp_path_factory.mktemp("tricky"), TRICKY)
    backend = open_backend(load_settings({"data_dir": data_dir, "query_workers": 1, "memory_replica_bytes": 0},
                                         environ={}))
    pin = snapshots.pin(data_dir)
    yield backend, Store.read_only(str(pin.path))
    pin.release()
    backend.close()


def terms(backend, query: str, **limits):
    return backend.terms(QueryRequest(query=query, **limits))


def test_select_answers_every_term_as_pyoxigraph_gives_it(tricky):
    backend, store = tricky
    query = "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?o <http://example.org/none> ?none } } ORDER BY ?s ?o"
    answer = terms(backend, query)
    expected = tuple({k: v for k, v in zip(("s", "o", "none"), row) if v is not None}
                     for row in store.query(query, use_default_graph_as_union=True))
    assert answer.form == "SELECT" and answer.variables == ("s", "o", "none")
    assert answer.solutions == expected and len(expected) == 11


def test_construct_answers_the_same_triples_blank_nodes_and_all(tricky):
    backend, store = tricky
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    answer = terms(backend, query)
    assert answer.form == "CONSTRUCT"
    assert set(answer.triples) == set(store.query(query, use_default_graph_as_union=True))
    assert len(answer.triples) == 11


@pytest.mark.parametrize(("query", "expected"), [("ASK { ?s ?p _:any }", True),
                                                 ("ASK { ?s <http://example.org/absent> ?o }", False)])
def test_ask_answers_its_boolean(tricky, query, expected):
    backend, _ = tricky
    answer = terms(backend, query)
    assert answer.form == "ASK" and answer.boolean is expected


def test_a_select_past_its_row_limit_is_refused_not_cut(tricky):
    backend, _ = tricky
    with pytest.raises(errors.ResultTooLarge):
        terms(backend, "SELECT * WHERE { ?s ?p ?o }", max_rows=3)
    with pytest.raises(errors.ResultTooLarge):
        terms(backend, "CONSTRUCT WHERE { ?s ?p ?o }", max_rows=3)
