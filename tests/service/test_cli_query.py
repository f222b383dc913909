"""`reformkg query` (issue 17): a `--format` that does not fit the query's answer is refused, JSON and
XML end in a line break, `-` reads the query from standard input, and a syntax error is said in words."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from pyoxigraph import Store

from reformkg.service.cli import main
from reformkg.service.sparql.syntax import explain

RKG = "https://w3id.org/reformkg/ontology#"
SELECT = f"SELECT ?r WHERE {{ ?r a <{RKG}Reform> }} LIMIT 2"
ASK = f"ASK {{ ?r a <{RKG}Reform> }}"
CONSTRUCT = f"CONSTRUCT WHERE {{ ?r a <{RKG}Reform> }}"


def run(data_dir, *args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["query", "--data-dir", str(data_dir), *args], input=stdin)


@pytest.mark.parametrize("query, fmt, form, offers", [
    (SELECT, "turtle", "SELECT", "csv"),
    (SELECT, "jsonld", "SELECT", "table"),
    (ASK, "nt", "ASK", "json"),
    (CONSTRUCT, "csv", "CONSTRUCT or DESCRIBE", "turtle"),
    (CONSTRUCT, "table", "CONSTRUCT or DESCRIBE", "rdfxml"),
])
def test_a_format_that_does_not_fit_the_answer_is_refused(data_dir, query, fmt, form, offers):
    result = run(data_dir, "--format", fmt, query)
    assert result.exit_code == 1
    assert f"--format {fmt} does not apply to a {form} query" in result.output
    assert offers in result.output.split("use one of", 1)[1]
    assert result.stdout == ""


@pytest.mark.parametrize("query, fmt", [(SELECT, "json"), (SELECT, "xml"), (ASK, "json"), (ASK, "xml"),
                                        (CONSTRUCT, "jsonld"), (CONSTRUCT, "rdfxml"), (CONSTRUCT, "nt"),
                                        (SELECT, "csv"), (SELECT, "table"), (ASK, "table")])
def test_every_output_ends_in_a_line_break(data_dir, query, fmt):
    result = run(data_dir, "--format", fmt, query)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n")


def test_json_output_is_the_answer_whole(data_dir):
    assert json.loads(run(data_dir, "--format", "json", ASK).stdout) == {"head": {}, "boolean": True}


def test_the_default_is_a_table_for_results_and_turtle_for_a_graph(data_dir):
    assert run(data_dir, ASK).stdout == "true\n"
    assert run(data_dir, SELECT).stdout.endswith("(2 rows)\n")
    assert f"<{RKG}Reform>" in run(data_dir, CONSTRUCT).stdout or "rkg:Reform" in run(data_dir, CONSTRUCT).stdout


def test_a_dash_reads_the_query_from_standard_input(data_dir):
    result = run(data_dir, "--format", "csv", "-", stdin=SELECT)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "r" and len(result.stdout.splitlines()) == 3


def test_an_empty_standard_input_is_a_usage_error(data_dir):
    result = run(data_dir, "-", stdin="")
    assert result.exit_code == 2 and "standard input" in result.output


RANGES = re.compile(r"\\u\{|'\.\.=?'|\[_\]|\.\.=")


@pytest.mark.parametrize("query, where, found, needs", [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT x", "line 1, column 35", "found 'x'", "a number"),
    ("SELECT ?", "line 1, column 9", "found the end of the query", "a name"),
    ("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o > ) }", "line 3, column", "found", "STR"),
    ("SELECT * WHERE { ?s ?p ?o ", "line 1, column 27", "found the end of the query", "'}'"),
    ("SELECT * WHERE { ?s a rkg:Reform }", "line 1, column", "found", "a declared prefix"),
    ("PREFIX x: <a b> SELECT * {}", "line 1, column 16", "found 'SELECT'", "a valid IRI"),
])
def test_a_syntax_error_is_said_in_words(data_dir, query, where, found, needs):
    result = run(data_dir, query)
    assert result.exit_code == 1
    message = result.output
    assert f"syntax error at {where}" in message and found in message and needs in message, message
    assert not RANGES.search(message), message


def test_pyoxigraph_would_have_listed_character_ranges():
    """What the words replace: the raw message names Unicode ranges and the catch-all [_]."""
    with pytest.raises(SyntaxError) as raw:
        Store().query("SELECT ?")
    assert RANGES.search(str(raw.value))
    assert not RANGES.search(explain("SELECT ?", str(raw.value)))


def test_a_message_of_another_shape_is_left_as_it_is():
    assert explain("SELECT", "something else went wrong") == "something else went wrong"
