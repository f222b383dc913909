"""The lexical facts read from SPARQL text: form, own dataset, USING insertion."""
from __future__ import annotations

import pytest
from pyoxigraph import Store

from reformkg.service.errors import BadRequest
from reformkg.service.sparql.text import SparqlText


@pytest.mark.parametrize("text, form", [
    ("PREFIX x: <http://x/> SELECT * { { SELECT ?s { ?s ?p ?o } } }", "SELECT"),
    ("ask {}", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT * { ?s ?p ?o } } }", "CONSTRUCT"),
    ("# SELECT\nDESCRIBE <http://x>", "DESCRIBE"),
])
def test_the_form_is_the_first_form_keyword_outside_comments(text, form):
    assert SparqlText(text).form() == form


@pytest.mark.parametrize("text, declares", [
    ("SELECT * FROM <http://g> { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <http://g> { GRAPH ?g { ?s ?p ?o } }", True),
    ('SELECT * { ?s ?p "FROM <http://g>" }', False),
    ("SELECT ?from { ?from ?p ?o }", False),
])
def test_a_query_with_from_names_its_own_dataset(text, declares):
    assert SparqlText(text).declares_dataset(update=False) is declares


def test_using_graph_uri_goes_before_every_top_level_where_only():
    text = ("PREFIX dc: <http://purl.org/dc/terms/>\nINSERT DATA { <http://a> <http://b> <http://c> } ;\n"
            "INSERT { GRAPH <http://out> { ?s a dc:B } } WHERE { ?s ?p ?o { SELECT * WHERE { ?s ?p ?o } } } ;\n"
            "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }")
    rewritten = SparqlText(text).with_using(["http://g/1", "http://g/2"], ["http://n/1"])
    clause = "USING <http://g/1> USING <http://g/2> USING NAMED <http://n/1> WHERE"
    assert rewritten.count(clause) == 2
    assert "SELECT * WHERE" in rewritten
    Store().update(rewritten)


@pytest.mark.parametrize("text", [
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
])
def test_using_graph_uri_with_a_dataset_in_the_update_is_400(text):
    with pytest.raises(BadRequest, match="give the dataset one way only"):
        SparqlText(text).with_using(["http://g/1"], [])


def test_using_graph_uri_with_delete_where_is_400():
    with pytest.raises(BadRequest, match="DELETE WHERE"):
        SparqlText("DELETE WHERE { ?s ?p ?o }").with_using(["http://g/1"], [])


def test_where_parameters_go_is_worked_out_once_per_text_and_each_binding_gets_its_own_values(monkeypatch):
    from reformkg.service.sparql import binding

    worked_out = []
    nested = binding._nested
    monkeypatch.setattr(binding, "_nested", lambda *args: worked_out.append(args) or nested(*args))
    text = "SELECT ?s WHERE { ?s <urn:kept:p> ?o OPTIONAL { ?o <urn:kept:q> ?doc } } ORDER BY ?s"
    scanned = SparqlText(text)
    first = binding.bind(text, {"doc": "<urn:kept:a>"}, scanned)
    second = binding.bind(text, {"doc": '"b"'}, scanned)
    other = binding.bind(text, {"s": "<urn:kept:s>"}, scanned)  # other names: worked out for them
    assert len(worked_out) == 2
    assert first == binding.bind(text, {"doc": "<urn:kept:a>"}, SparqlText(text))  # as if read afresh
    assert first.count("VALUES (?doc) { (<urn:kept:a>) }") == 2  # the WHERE group and the OPTIONAL naming ?doc
    assert second.count('VALUES (?doc) { ("b") }') == 2 and "urn:kept:a" not in second
    assert other.count("VALUES (?s)") == 1
    for bound in (first, second, other):
        Store().query(bound)  # each parses


def test_a_shared_reading_of_a_text_hands_out_copies_of_what_callers_may_change():
    scanned = SparqlText("PREFIX ex: <http://example.org/> SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")
    scanned.prefixes()["ex"] = "changed"
    scanned.remote_targets(("SERVICE",)).clear()
    assert scanned.prefixes() == {"ex": "http://example.org/"}
    assert {r.iri for r in scanned.remote_targets(("SERVICE",))} == {"http://x/"}


def test_a_text_that_reads_one_way_recurses_at_most_as_deep_as_it_has_tokens():
    text = ("# " + "a comment of many words " * 40 + "\n" + "PREFIX ex: <http://example.org/a/long/namespace/iri#>\n" * 5
            + 'SELECT ?s WHERE { ?s ex:label "a literal that is one unit however long it is" }')
    scanned = SparqlText(text)
    assert len(text) > 1000
    assert scanned.recursion_bound == len(scanned.tokens) < 60


def test_a_text_whose_lt_could_open_an_iri_counts_every_character_towards_recursion():
    # `?o <urn:a>` after an operand: less-than in another reading, in which the comment could be code.
    text = "SELECT * { ?s ?p ?o FILTER(?o <urn:a> 1) } # " + "(" * 2000
    assert SparqlText(text).recursion_bound == len(text)


def test_an_engine_runs_on_its_main_thread_only_what_recurses_as_little_as_a_short_text():
    from reformkg.service.store.embedded.engine import INLINE_CHARS, _inline

    long = "x" * (INLINE_CHARS * 3)
    assert _inline("ASK {}", None)
    assert _inline(long, INLINE_CHARS - 1)
    assert not _inline(long, INLINE_CHARS)
    assert not _inline(long, None)  # not counted: its own thread, with the large stack
