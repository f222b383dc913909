"""One way through (issue 14): a SPARQL request's text is read once, and its answer written once, in the
format the client gets; a named query's parameters are bound without reading the text again.

The query engine runs on a thread of this process here (engine.serve, over a socket pair, speaking the
same messages as an engine process), so that what it does can be counted.
"""
from __future__ import annotations

import socket
import threading
from multiprocessing.connection import Connection

import pytest
from pyoxigraph import Store, serialize

from reformkg.service import formats
from reformkg.service.app import create_app
from reformkg.service.sparql import text
from reformkg.service.store.embedded import EmbeddedStore, engine
from reformkg.service.store.embedded.executor import Answer
from reformkg.service.store.install import current_store

from .conftest import settings_for

pytestmark = pytest.mark.embedded_only

SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/value> ?o } ORDER BY ?s LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3"


class ThreadEngine:
    """The executor's side of the engine protocol, for one engine serving on a thread."""

    def __init__(self, data_dir) -> None:
        mine, theirs = socket.socketpair()
        self.conn = Connection(mine.detach())
        self.thread = threading.Thread(target=engine.serve, args=("query", data_dir, Connection(theirs.detach()), False),
                                       daemon=True)
        self.thread.start()
        assert self.conn.recv()[0] == "ready"

    def stream(self, job: dict, timeout: float, timeout_message: str, buffer_bytes: int) -> Answer:
        self.conn.send(job)
        first = self.conn.recv()
        if first[0] == "whole":
            return Answer(first[1], first[2], [first[3]], len(first[3]))
        _, form, media_type = first
        chunks = []
        while (message := self.conn.recv())[0] == "chunk":
            chunks.append(message[1])
        return Answer(form, media_type, chunks, sum(map(len, chunks)))

    def value(self, job: dict, timeout: float, timeout_message: str):
        self.conn.send(job)
        return self.conn.recv()[1]

    def isolated(self) -> bool:
        return False

    def close(self) -> None:
        self.conn.close()
        self.thread.join(timeout=10)


@pytest.fixture
def counted(sample_dir, monkeypatch):
    """The app on an engine of this process, and the times query texts were read and answers written."""
    counts = {"read": 0, "written": 0}
    lex, write = text.SparqlText.__init__, formats.Format.write

    def counting_lex(self, *args, **kwargs):
        counts["read"] += 1
        lex(self, *args, **kwargs)

    def counting_write(self, *args, **kwargs):
        counts["written"] += 1
        write(self, *args, **kwargs)

    settings = settings_for(sample_dir, result_cache_bytes=0)
    store = EmbeddedStore(settings, ThreadEngine(sample_dir))  # type: ignore[arg-type]
    client = create_app(settings, backend=store).test_client()
    monkeypatch.setattr(text.SparqlText, "__init__", counting_lex)
    monkeypatch.setattr(formats.Format, "write", counting_write)
    text._read_kept.cache_clear()  # a text read by an earlier test is not read again (text.read)
    yield client, counts
    store.close()


ANSWERS = [*((SELECT, media) for media in formats.media_types(formats.RESULTS)),
           *((CONSTRUCT, media) for media in formats.media_types(formats.GRAPH))]


@pytest.mark.parametrize("query, media", ANSWERS)
def test_a_query_is_read_once_and_written_once_in_every_format(counted, query, media):
    client, counts = counted
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": media})
    assert response.status_code == 200 and response.mimetype == media
    assert counts == {"read": 1, "written": 1}


def test_a_named_query_with_a_parameter_is_read_once_and_written_once(counted):
    client, counts = counted
    # resource-by-label runs on an engine (label-search would be answered from the label index).
    response = client.get("/api/queries/resource-by-label", query_string={"label": "改革", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert counts == {"read": 1, "written": 1}


def test_a_named_query_as_json_is_read_once_and_its_rows_written_once_by_the_engine(counted):
    """The engine writes the rows once (TSV, which the web process reads back into terms: cheaper than
    pickling each term); the API's JSON is the service's own."""
    client, counts = counted
    response = client.get("/api/queries/resource-by-label", query_string={"label": "改革"})
    assert response.status_code == 200 and response.get_json()["rows"]
    assert counts == {"read": 1, "written": 1}


@pytest.mark.parametrize("query, media", ANSWERS)
def test_the_answer_is_byte_for_byte_what_pyoxigraph_writes(counted, sample_dir, query, media):
    client, _ = counted
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": media})
    store = Store.read_only(str(current_store(sample_dir)))
    result = store.query(query, use_default_graph_as_union=True)
    syntax = formats.BY_MEDIA[media].syntax
    expected = result.serialize(format=syntax) if media in formats.media_types(formats.RESULTS) else serialize(
        result, format=syntax)
    assert response.data == expected


def test_a_long_but_shallow_query_runs_on_the_engine_s_main_thread_and_a_deep_one_on_a_thread_of_its_own(
        counted, monkeypatch):
    """A named query's comments and prefixes make it long, not deep (SparqlText.recursion_bound): the
    engine runs it where it runs a short one; nesting past what the main thread's stack holds still gets
    the large stack of a thread of its own."""
    client, _ = counted
    inline = []
    run_inline = engine._run_inline
    monkeypatch.setattr(engine, "_run_inline", lambda *args: inline.append(args[1]["query"]) or run_inline(*args))
    long = ("# " + "a comment that makes the text long " * 40 + "\nPREFIX ex: <http://example.org/>\n"
            "SELECT ?s ?o WHERE { ?s ex:value ?o } ORDER BY ?s LIMIT 3")
    deep = "SELECT ?x WHERE { BIND(" + "+".join(["1"] * 600) + " AS ?x) }"  # 1,200 tokens
    assert len(long) > engine.INLINE_CHARS and len(deep) > engine.INLINE_CHARS
    for text in (long, deep):
        response = client.post("/sparql", data=text, headers={"Content-Type": "application/sparql-query",
                                                             "Accept": "application/sparql-results+json"})
        assert response.status_code == 200
    assert inline == [long]
