"""Property-based tests of the paths a client's text takes: queries, updates and named-query parameters.

Hypothesis sends a real server (the reform dataset, tiny limits, writes allowed: the updates change it)
random and mutated SPARQL in every protocol shape, and random values for the named queries' parameters.
Whatever it sends, the answer is never a 5xx other than a 503 for a query stopped at its deadline, and
never shows a stack trace, an OS error or a server path.

Embedded only: a runaway text is stopped here by killing its engine; sent on to an Oxigraph server it
would run there until the server's own timeout, starving the tests that come after.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ..service.conftest import AUTH
from .conftest import assert_sane

pytestmark = pytest.mark.embedded_only

# No explain phase: it imports libcst, whose import warns, and warnings are errors here.
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow],
                phases=[Phase.explicit, Phase.generate, Phase.shrink])
PREFIXES = ("PREFIX rkg: <https://w3id.org/reformkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX : <http://example.org/>\n")
QUERIES = [
    "ASK {}",
    "SELECT * { ?s ?p ?o } LIMIT 5",
    PREFIXES + 'SELECT ?r ?l { ?r a rkg:Reform ; rdfs:label ?l FILTER(lang(?l) = "zh") } ORDER BY ?l',
    PREFIXES + "SELECT ?n (COUNT(?i) AS ?c) { ?r rkg:number ?n OPTIONAL { ?i rkg:reform ?r } } GROUP BY ?n "
    "HAVING(?c > 1)",
    PREFIXES + "CONSTRUCT { ?s rdfs:label ?o } WHERE { ?s rdfs:label ?o FILTER(CONTAINS(?o, \"养老\")) }",
    "DESCRIBE <https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1>",
    "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    PREFIXES + "SELECT * { ?a rkg:reform/rkg:number ?n . ?a (rdfs:label|^rdfs:label)+ ?x } LIMIT 3",
    "SELECT * FROM <https://w3id.org/reformkg/graph/ontology> { ?s ?p ?o } LIMIT 2",
    "SELECT (STRLEN(\"改革\") AS ?n) (1/0 AS ?e) (xsd:integer(\"x\") AS ?f) {} ",
    "SELECT * { VALUES (?x ?y) { (1 2) (UNDEF \"a\"@en) } BIND(?x + ?y AS ?z) MINUS { ?x ?p ?o } }",
    "SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 1 } UNION { ?s a ?t } FILTER EXISTS { ?s ?q ?r } } OFFSET 1",
    "SELECT ?s { ?s ?p ?o FILTER(REGEX(STR(?o), \"^[0-9]+(\", \"i\")) } LIMIT 1",
    "SELECT ?x { BIND(<<( :a :b :c )>> AS ?x) }",
]
UPDATES = [
    "INSERT DATA { GRAPH :fuzz { :a :b \"c\"@zh , 1, 2.5, true } }",
    "DELETE DATA { GRAPH :fuzz { :a :b 1 } }",
    "DELETE { GRAPH :fuzz { ?s ?p ?o } } INSERT { GRAPH :fuzz2 { ?s ?p ?o } } WHERE { GRAPH :fuzz { ?s ?p ?o } }",
    "WITH :fuzz DELETE { ?s :b ?o } WHERE { ?s :b ?o FILTER(isNumeric(?o)) }",
    "CLEAR SILENT GRAPH :fuzz2 ; CREATE SILENT GRAPH :fuzz3 ; DROP SILENT GRAPH :fuzz3",
    "ADD SILENT :fuzz TO :fuzz4 ; MOVE SILENT :fuzz4 TO :fuzz5 ; COPY DEFAULT TO :fuzz6",
    "INSERT { GRAPH :fuzz { ?r :seen 1 } } WHERE { ?r a <https://w3id.org/reformkg/ontology#Reform> }",
    "LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH :fuzz",
    "DELETE WHERE { GRAPH :fuzz6 { ?s ?p ?o } }",
]
VOCABULARY = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "NAMED", "GRAPH", "OPTIONAL", "UNION", "MINUS",
    "FILTER", "BIND", "VALUES", "SERVICE", "SILENT", "LOAD", "INSERT", "DELETE", "DATA", "CLEAR", "DROP", "WITH",
    "USING", "PREFIX", "BASE", "LIMIT", "OFFSET", "ORDER BY", "GROUP BY", "HAVING", "DISTINCT", "COUNT(*)", "AS",
    "{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "|", "/", "^", "!", "+", "?", "a", "=", "<", ">", "&&", "||",
    "?s", "?p", "?o", "$x", "_:b", "[]", ":x", "rdfs:label", "<http://example.org/>", "<>", "<http://[::1]/>",
    '"x"', '"改革"@zh', "'''\n'''", '"1"^^xsd:integer', "1", "-0.5e10", "true", "#", "\\u0053ERVICE", "<<(", ")>>",
    "\x00", "\ud7ff", "SERVICE <http://127.0.0.1:9/>", "{" * 50,
]


@pytest.fixture(scope="module")
def named_queries(reform_server) -> dict[str, list[dict]]:
    listed = requests.get(reform_server.url + "/api/queries", timeout=30).json()["queries"]
    return {q["name"]: q["parameters"] for q in listed}


@st.composite
def mutated(draw, seeds: list[str]) -> str:
    """A seed with a few edits: inserted words or characters, deleted, repeated or nested spans."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 30)))
        edit = draw(st.sampled_from(["word", "characters", "delete", "repeat", "nest"]))
        if edit == "word":
            text = text[:i] + f" {draw(st.sampled_from(VOCABULARY))} " + text[i:]
        elif edit == "characters":
            text = text[:i] + draw(st.text(max_size=4)) + text[i:]
        elif edit == "delete":
            text = text[:i] + text[j:]
        elif edit == "repeat":
            text = text[:j] + text[i:j] * draw(st.integers(2, 20)) + text[j:]
        else:
            depth = draw(st.integers(1, 80))
            opening = draw(st.sampled_from(["{", "(", "[", "{ SELECT * WHERE {"]))
            text = text[:i] + opening * depth + text[i:j] + "}" * depth + text[j:]
    return text


def texts(seeds: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(seeds), mutated(seeds), mutated(seeds),
                     st.lists(st.sampled_from(VOCABULARY), max_size=40).map(" ".join), st.text(max_size=200))


ACCEPTS = st.one_of(st.sampled_from([
    "", "*/*", "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/turtle",
    "application/ld+json", "application/json", "image/png", "text/html;q=0, */*;q=0", "text/csv;q=x, ,;",
]), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30).map(str.strip))
PARAMETERS = st.just({}) | st.just({}) | st.just({}) | st.dictionaries(
    st.sampled_from(["default-graph-uri", "named-graph-uri", "using-graph-uri", "timeout", "max-rows", "format",
                     "query", "update", "x"]),
    st.one_of(st.sampled_from(["0", "-1", "1e9", "nan", "json", "http://example.org/g", "not an iri", ""]),
              st.text(max_size=20)),
    max_size=2)


def send(server, text: str, kind: str, how: str, accept: str, extra: dict[str, str], token: bool) -> requests.Response:
    """`text` as a query or update, by GET, form POST or direct POST; a request lowers the limit to 1 s."""
    headers = {"Accept": accept, **(AUTH if token else {})}
    params = {"timeout": "1", **extra}
    if how == "get":
        return requests.get(server.url + "/sparql", params={**params, kind: text}, headers=headers, timeout=60)
    if how == "form":
        return requests.post(server.url + "/sparql", data={**params, kind: text}, headers=headers, timeout=60)
    content_type = "application/sparql-query" if kind == "query" else "application/sparql-update"
    return requests.post(server.url + "/sparql", params=params, data=text.encode("utf-8", "surrogatepass"),
                         headers={**headers, "Content-Type": content_type}, timeout=60)


@FUZZ
@given(text=texts(QUERIES), how=st.sampled_from(["get", "form", "direct"]), accept=ACCEPTS, extra=PARAMETERS)
def test_no_query_gets_a_5xx_or_a_trace(reform_server, text, how, accept, extra):
    assert_sane(send(reform_server, text, "query", how, accept, extra, token=False))


@FUZZ
@given(text=texts(UPDATES), how=st.sampled_from(["form", "direct"]), extra=PARAMETERS)
def test_no_update_gets_a_5xx_or_a_trace(reform_server, text, how, extra):
    assert_sane(send(reform_server, PREFIXES + text, "update", how, "", extra, token=True))


VALUES = st.one_of(
    st.sampled_from(["1", "10", "0", "-3", "1.5", "true", "maybe", "元", "zh", "en", "养老", "", " ", "%", "*",
                     "http://example.org/x", "<http://example.org/x>", '"x"@zh', "?x", "} UNION {", "\\", "\x00"]),
    st.text(max_size=40),
    st.integers(1, 300).map(lambda n: "改" * n),  # 2.7 kB in the URL at most: gunicorn takes 4 kB lines
)


@FUZZ
@given(data=st.data())
def test_no_named_query_parameter_gets_a_5xx_or_a_trace(reform_server, named_queries, data):
    name = data.draw(st.sampled_from(sorted(named_queries)) | st.sampled_from(sorted(named_queries))
                     | st.sampled_from(sorted(named_queries)) | st.text(max_size=10), label="name")
    declared = [p["name"] for p in named_queries.get(name, [])]
    keys = st.sampled_from([*declared, "limit", "offset", "format", "x"]) if declared else st.sampled_from(
        ["limit", "offset", "format", "x"])
    params = data.draw(st.lists(st.tuples(keys, VALUES), max_size=4), label="params")
    accept = data.draw(ACCEPTS, label="accept")
    response = requests.get(f"{reform_server.url}/api/queries/{quote(name, safe='')}", params=params,
                            headers={"Accept": accept}, timeout=60)
    assert_sane(response)
