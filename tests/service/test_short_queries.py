"""Short queries (issue 18): answered in the web process from its copy of the current snapshot, with the
bytes and the errors an engine gives, never from an older snapshot, and sent to an engine past
SHORT_ROWS rows; the rule that makes a query short is pinned query by query."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from reformkg.service import describe
from reformkg.service.errors import ResultTooLarge
from reformkg.service.sparql.bounded import short
from reformkg.service.sparql.text import SparqlText
from reformkg.service.store.base import QueryRequest
from reformkg.service.store.embedded import EmbeddedStore, evaluation, replica

from .conftest import TOKEN, make_data_dir, sample_nquads, settings_for

REFORM = "<https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1>"
PREFIXES = ("PREFIX rkg: <https://w3id.org/reformkg/ontology#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")

SHORT = [
    f"SELECT ?p ?o WHERE {{ {REFORM} ?p ?o }}",
    f"SELECT * {{ ?s ?p {REFORM} }}",
    PREFIXES + "SELECT ?s WHERE { ?s a rkg:Reform } LIMIT 3",
    PREFIXES + 'SELECT ?s { ?s rdfs:label "no such label"@en . }',
    PREFIXES + "ASK { ?r rkg:number 10 }",
    PREFIXES + "ASK { ?r rkg:number 1000 }",
    f"CONSTRUCT {{ {REFORM} ?p ?o . ?s ?q {REFORM} }} WHERE {{ {{ {REFORM} ?p ?o }} UNION {{ ?s ?q {REFORM} }} }}",
]
NOT_SHORT = [
    PREFIXES + "ASK { ?r a rkg:Reform ; rkg:number 10 }",  # a join: its work is not bounded by its rows
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT * { ?s ?p ?s }",  # a variable twice: a scan that skips what does not match
    "SELECT * { ?s ?p ?o } ORDER BY ?s",
    "SELECT * { ?s ?p ?o } OFFSET 5",
    "SELECT * { ?s ?p ?o } LIMIT 5 OFFSET 1",
    "SELECT DISTINCT * { ?s ?p ?o }",
    "SELECT * FROM <http://example.org/g> { ?s ?p ?o }",
    "SELECT * { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * { ?s <http://example.org/p>* ?o }",
    "SELECT * { ?s ?p ?o FILTER(?o) }",
    "SELECT * { ?s ?p ?o . ?o ?q ?r }",
    "SELECT * { { ?s ?p ?o } UNION { ?s ?p ?o . ?o ?q ?r } }",
    "SELECT * { ?s ?p ?o } VALUES ?s { <http://example.org/a> }",
    "CONSTRUCT { ?x <http://example.org/p> <http://example.org/o> } WHERE { ?s ?p ?o }",  # no triple a row
    "CONSTRUCT {} WHERE { ?s ?p ?o }",
    "SELECT * { ?s undeclared:p ?o }",
    "SELECT * { _:b ?p ?o }",
    "BASE <http://example.org/> SELECT * { ?s ?p ?o }",
    "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }",
    "SELECT * { <http://example.org/a\\u0020> ?p ?o }",
    "DESCRIBE <http://example.org/a>",
    # Bounded, but deep enough as text to overflow a web thread's stack: an engine's larger stack takes it.
    "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 10_000) + " }",
    "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 9) + " }",
    f"SELECT * WHERE {{ ?s ?p \"{'x' * 1000}\" }}",
]
RESULTS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
GRAPH = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]
IN_EVERY_FORMAT = [(query, accept) for query in SHORT for accept in (GRAPH if "CONSTRUCT" in query else RESULTS)]


@pytest.mark.parametrize("query", SHORT)
def test_a_query_whose_rows_bound_its_work_is_short(query):
    assert short(SparqlText(query))


@pytest.mark.parametrize("query", NOT_SHORT, ids=lambda query: query[:80])
def test_a_query_that_may_work_without_rows_is_not_short(query):
    assert not short(SparqlText(query))


def _open(data_dir: Path, **changes) -> EmbeddedStore:
    return EmbeddedStore.open(settings_for(data_dir, query_workers=1, max_result_rows=100_000,
                                           max_result_bytes=10**8, **{"update_token": None, "buffer_bytes": 1 << 20,
                                                                      "memory_replica_bytes": 1 << 30, **changes}))


def _ready(store: EmbeddedStore) -> None:
    """Wait until the web process's copy of the current snapshot is made."""
    assert store.replica is not None
    deadline = time.monotonic() + 30
    while store.replica._store() is None:
        assert time.monotonic() < deadline, "the snapshot was not copied"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def stores(data_dir: Path):
    here, engines = _open(data_dir), _open(data_dir)
    engines.replica = None  # every query goes to an engine
    _ready(here)
    yield here, engines
    here.close()
    engines.close()


def _answer(store: EmbeddedStore, query: str, accept: str) -> tuple[str, bytes]:
    response = store.query(QueryRequest(query, accept=accept))
    return response.media_type, b"".join(response.body)


@pytest.mark.parametrize("query, accept", IN_EVERY_FORMAT)
def test_a_short_query_gives_the_engines_bytes(stores, monkeypatch, query, accept):
    here, engines = stores
    answered = []
    answer = here.replica.answer
    monkeypatch.setattr(here.replica, "answer", lambda job: answered.append(answer(job)) or answered[-1])
    mine = _answer(here, query, accept)
    assert answered and answered[0] is not None, "the query was not answered in the web process"
    assert mine == _answer(engines, query, accept)


def test_an_answer_past_short_rows_comes_from_an_engine_with_the_same_bytes(stores, monkeypatch):
    here, engines = stores
    query = PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label }"
    monkeypatch.setattr(replica, "SHORT_ROWS", 5)
    answered = []
    answer = here.replica.answer
    monkeypatch.setattr(here.replica, "answer", lambda job: answered.append(answer(job)) or answered[-1])
    mine = _answer(here, query, "application/sparql-results+json")
    assert answered == [None]
    assert mine == _answer(engines, query, "application/sparql-results+json")
    assert mine[1].count(b'"s":') > 5


@pytest.mark.parametrize("graph", ["https://w3id.org/reformkg/graph/metadata", "https://w3id.org/reformkg/graph/none",
                                   "https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1"])
def test_whether_a_graph_exists_is_answered_in_the_web_process_as_an_engine_answers_it(stores, monkeypatch, graph):
    here, engines = stores
    expected = engines.graph_exists(graph)
    monkeypatch.setattr(here.executor, "value", lambda *a, **k: pytest.fail("an engine was asked"))
    assert here.graph_exists(graph) is expected
    assert expected is (graph.endswith("/metadata"))


def test_a_short_query_past_max_rows_is_refused_as_an_engine_refuses_it(stores):
    here, engines = stores
    query = PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label }"
    messages = []
    for store in (here, engines):
        with pytest.raises(ResultTooLarge) as raised:
            store.query(QueryRequest(query, accept="text/csv", max_rows=3))
        messages.append(raised.value.message)
    assert messages[0] == messages[1] and "3 rows" in messages[0]


def test_a_short_query_reads_the_snapshot_a_write_published(tmp_path: Path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    store = _open(data_dir, update_token=TOKEN)
    ask = "ASK { <http://example.org/new> <http://example.org/value> 1 }"
    try:
        _ready(store)
        assert b"false" in _answer(store, ask, "application/sparql-results+json")[1]
        store.update("INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/new> "
                     "<http://example.org/value> 1 } }", timeout=10)
        # At once, while the web process copies the new snapshot (an engine answers), and from the copy.
        assert b"true" in _answer(store, ask, "application/sparql-results+json")[1]
        _ready(store)
        assert b"true" in _answer(store, ask, "application/sparql-results+json")[1]
    finally:
        store.close()


def test_no_copy_is_made_of_a_snapshot_the_engines_read_from_disk(data_dir: Path):
    store = _open(data_dir, memory_replica_bytes=1024)
    try:
        assert store.replica is not None
        store.replica._store()
        deadline = time.monotonic() + 30
        while store.replica._current is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert store.replica._current[1] is None
        assert store.replica.answer({}) is None  # an engine answers every query
        assert _answer(store, SHORT[0], "text/csv")[1].count(b"\n") > 2
    finally:
        store.close()


def test_a_snapshot_that_cannot_be_copied_is_answered_by_engines_and_not_copied_again(data_dir: Path, monkeypatch,
                                                                                       caplog):
    tries = []

    def failing(path, replica_bytes):
        tries.append(path)
        raise RuntimeError("no memory for the copy")

    monkeypatch.setattr(evaluation, "open_snapshot", failing)
    store = _open(data_dir)
    try:
        deadline = time.monotonic() + 30
        while store.replica._store() is None and store.replica._current is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert _answer(store, SHORT[0], "text/csv")[1].count(b"\n") > 2  # answered, by an engine
        assert len(tries) == 1 and "could not be copied" in caplog.text
    finally:
        store.close()


def _object_only(store: EmbeddedStore) -> str:
    query = "SELECT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) FILTER NOT EXISTS { ?o ?q ?x } } ORDER BY ?o LIMIT 1"
    return store.terms(QueryRequest(query)).solutions[0]["o"].value


@pytest.mark.parametrize("which", ["subject", "object only", "graph only", "nowhere"])
def test_whether_a_resource_exists_is_answered_in_the_web_process_as_the_exists_query_answers_it(
        stores, monkeypatch, which):
    here, engines = stores
    iri = {"subject": "https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1",
           "object only": _object_only(engines),
           "graph only": "https://w3id.org/reformkg/graph/metadata",
           "nowhere": "https://w3id.org/reformkg/none"}[which]
    expected = describe.exists(engines, iri)  # the EXISTS query, on an engine
    assert expected is (which != "nowhere")
    monkeypatch.setattr(here.executor, "value", lambda *a, **k: pytest.fail("an engine was asked"))
    monkeypatch.setattr(here.executor, "stream", lambda *a, **k: pytest.fail("an engine was asked"))
    assert describe.exists(here, iri) is expected
