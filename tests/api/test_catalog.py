"""The query files' front matter: parsed, checked at load, and turned into RDF terms."""
from __future__ import annotations

import pytest

from reformkg.service.sparql.catalog import CatalogError, load_catalog, parse_query_file
from reformkg.service.errors import BadRequest
from reformkg.service.sparql.terms import parse_term

from ..conftest import ROOT

HEAD = "#+ title: T\n#+ title_zh: 题\n#+ description: D\n"
BODY = "SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x\n"


def parsed(params: str = "", body: str = BODY, head: str = HEAD):
    return parse_query_file("sample", head + params + body)


def test_every_file_in_queries_loads_and_there_are_at_least_twenty():
    catalog = load_catalog()
    assert len(catalog) >= 20
    assert {q.name for q in catalog} == {p.stem for p in (ROOT / "queries").glob("*.rq")}


def test_the_catalogue_is_parsed_once_and_cached():
    assert load_catalog() is load_catalog()


def test_front_matter_gives_titles_tags_parameters_and_columns():
    query = load_catalog().get("indicators-by-unit")
    assert (query.title, query.title_zh) == ("Indicators by unit", "按计量单位查询指标")
    assert query.tags == ("indicators", "units")
    assert [(p.name, p.type, p.required) for p in query.parameters] == [
        ("unit", "string", False), ("min", "decimal", False), ("report", "iri", False)]
    assert query.variables[:3] == ("unit", "unit_en", "min")
    assert query.paging


def test_a_parameter_line_with_every_key():
    query = parsed("#+ param x: type=integer; required=true; values=1..10; example=3; description=a; b=c\n")
    (p,) = query.parameters
    assert (p.type, p.required, p.minimum, p.maximum, p.example, p.description) == ("integer", True, "1", "10", "3", "a; b=c")


@pytest.mark.parametrize("params, says", [
    ("#+ param x: type=number\n", "type must be one of"),
    ("#+ param x: kind=iri\n", "is not one of type=…"),
    ("#+ param y: type=iri\n", "parameter y is not a variable of the query"),
    ("#+ param limit: type=integer\n", "limit is reserved"),
    ("#+ param x-y: type=iri\n", "SPARQL variable name"),
    ("#+ param x: type=enum\n", "an enum needs values"),
    ("#+ param x: type=string; values=1..3\n", "a range MIN..MAX is for"),
    ("#+ param x: type=integer; default=ten\n", "the default 'ten' is not valid"),
    ("#+ param x: type=integer; values=1..3; default=7\n", "above the maximum 3"),
    ("#+ param x: type=iri; required=true; default=urn:x\n", "a required parameter has no default"),
    ("#+ param x: type=iri; required=yes\n", "required is true or false"),
    ("#+ param x: type=string; lang=zh\n", "lang=TAG is for lang-string"),
    ("#+ param x: type=iri\n#+ param x: type=iri\n", "declared twice"),
])
def test_a_malformed_parameter_line_is_an_error_naming_the_file(params, says):
    with pytest.raises(CatalogError, match="queries/sample.rq") as caught:
        parsed(params)
    assert says in str(caught.value)


@pytest.mark.parametrize("head, body, says", [
    ("#+ title: T\n#+ title_zh: 题\n", BODY, "missing front matter: #+ description:"),
    (HEAD + "#+ colour: red\n", BODY, "unknown key 'colour'"),
    (HEAD + "#+ title: again\n", BODY, "title is given twice"),
    (HEAD + "#+ tags\n", BODY, "write front matter as '#+ key: value'"),
    (HEAD, BODY + "#+ tags: late\n", "a #+ line after the query starts"),
    (HEAD, "SELECT ?x WHERE { ?x ?p }\n", "does not run"),
    (HEAD, "ASK { ?x ?p ?o }\n", "must be a SELECT query"),
])
def test_malformed_front_matter_or_query_is_an_error_naming_the_file_and_line(head, body, says):
    with pytest.raises(CatalogError, match=r"queries/sample\.rq") as caught:
        parse_query_file("sample", head + body)
    assert says in str(caught.value)


def test_a_parameter_the_select_does_not_project_is_refused_at_load():
    # pyoxigraph 0.5.13 binds only projected variables: "does not contains variable ?y in its SELECT projection".
    with pytest.raises(CatalogError, match="does not run with its parameters bound"):
        parsed("#+ param y: type=iri\n", "SELECT ?x WHERE { ?x ?p ?y } ORDER BY ?x\n")


def test_loading_a_folder_with_a_malformed_query_file_fails_naming_it(tmp_path):
    (tmp_path / "good.rq").write_text(HEAD + BODY, encoding="utf-8")
    (tmp_path / "bad.rq").write_text(HEAD + "#+ param q: type=strng\n" + BODY, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"queries/bad\.rq:4: parameter q: type must be one of"):
        load_catalog(tmp_path)


def test_paging_needs_a_top_level_order_by_and_no_limit_of_its_own():
    assert parsed().paging
    assert not parsed(body="SELECT ?x WHERE { ?x ?p ?o }\n").paging
    assert not parsed(body="SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x LIMIT 5\n").paging
    assert parsed(body="SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?o } LIMIT 5 } } ORDER BY ?x\n").paging


def test_a_page_is_the_query_with_limit_and_offset_after_its_order_by():
    assert parsed().paged(10, 20).endswith("ORDER BY ?x\nLIMIT 10\nOFFSET 20\n")


@pytest.mark.parametrize("kind, extra, value, term", [
    ("iri", "", "https://w3id.org/reformkg/place/chongqing", "<https://w3id.org/reformkg/place/chongqing>"),
    ("string", "", '元 "quoted"', '"元 \\"quoted\\""'),
    ("lang-string", "", "重庆@zh", '"重庆"@zh'),
    ("lang-string", "; lang=zh", "重庆", '"重庆"@zh'),
    ("lang-string", "", "persons with disabilities@en", '"persons with disabilities"@en'),
    ("integer", "", "+09", '"9"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    ("decimal", "", "2.50", '"2.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
    ("decimal", "", "1500", '"1500"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
    ("boolean", "", "true", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
    ("date", "", "2023-02-06", '"2023-02-06"^^<http://www.w3.org/2001/XMLSchema#date>'),
    ("enum", "; values=zh|en", "en", '"en"'),
])
def test_each_type_becomes_one_rdf_term_in_n_triples_syntax(kind, extra, value, term):
    query = parsed(f"#+ param x: type={kind}{extra}\n")
    assert query.bind({"x": [value]}) == {"x": term}
    parse_term(term)


@pytest.mark.parametrize("kind, extra, value, says", [
    ("iri", "", "not an iri", "is not an absolute IRI"),
    ("iri", "", "http://x/a b", "is not an absolute IRI"),
    ("lang-string", "", "重庆", "needs a language tag"),
    ("integer", "", "1.5", "is not an integer"),
    ("integer", "; values=1..10", "0", "below the minimum 1"),
    ("decimal", "", "1e5", "is not a decimal number"),
    ("boolean", "", "yes", "is not a boolean"),
    ("date", "", "2023-02-30", "is not a date"),
    ("date", "", "06/02/2023", "is not a date"),
    ("date", "; values=2020-01-01..", "2019-12-31", "below the minimum"),
    ("enum", "; values=zh|en", "fr", "is not one of zh, en"),
    ("string", "", "x" * 2001, "longer than 2000 characters"),
])
def test_a_value_its_type_refuses_is_a_bad_request_naming_the_parameter(kind, extra, value, says):
    query = parsed(f"#+ param x: type={kind}{extra}\n")
    with pytest.raises(BadRequest, match="parameter x") as caught:
        query.bind({"x": [value]})
    assert says in caught.value.message


def test_binding_refuses_unknown_repeated_and_missing_required_parameters():
    query = parsed("#+ param x: type=string; required=true\n")
    with pytest.raises(BadRequest, match="unknown parameter y; query sample takes x"):
        query.bind({"x": ["a"], "y": ["b"]})
    with pytest.raises(BadRequest, match="given 2 times"):
        query.bind({"x": ["a", "b"]})
    with pytest.raises(BadRequest, match="needs the parameter x"):
        query.bind({"x": [""]})


def test_an_unbound_optional_parameter_leaves_the_variable_free_and_a_default_is_bound():
    assert parsed("#+ param x: type=string\n").bind({}) == {}
    assert parsed("#+ param x: type=integer; default=3\n").bind({}) == {"x": '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'}
