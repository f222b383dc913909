"""The named query label-search answered from the label index (service/search/named.py): every page of
it, in every format, is the query's own answer, and where there is no index the query runs.

Real on-disk stores, the report's and the edge-case labels of test_search_index.py; the query's answer
is taken from the store itself (the SPARQL scan) and compared with what the index gives.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from reformkg.service import search
from reformkg.service.app import create_app
from reformkg.service.search import named
from reformkg.service.search.index import LabelIndex
from reformkg.service.settings import Settings
from reformkg.service.sparql.catalog import CatalogError, load_catalog, parse_query_file
from reformkg.service.store.results import select

from .test_search_index import labels_of, needles, report_backend, tricky, tricky_backend  # noqa: F401

QUERY = load_catalog().get("label-search")


def scanned(backend, text: str, lang: str | None, limit: int, offset: int) -> list[tuple]:
    """The page as the engine gives it, labels in a set order (GROUP_CONCAT gives them in none)."""
    substitutions = QUERY.bind({"q": [text], "lang": [lang] if lang else []})
    rows = select(backend, QUERY.paged(limit, offset), substitutions, timeout=60, max_rows=limit)
    return [comparable(row) for row in rows]


def comparable(row: dict) -> tuple:
    values = {name: (term.value, getattr(getattr(term, "datatype", None), "value", None)) for name, term in row.items()}
    values["labels"] = search.matched(tuple(row["labels"].value.split(search.SEPARATOR)))
    return tuple(sorted(values.items()))


def indexed(directory: Path, text: str, lang: str | None, limit: int, offset: int) -> list[tuple]:
    args = {"q": [text], "lang": [lang] if lang else []}
    answer = named.terms(LabelIndex(directory), QUERY, args, limit, offset)
    assert answer is not None, f"the index of {directory} did not answer {text!r}"
    assert answer.variables == QUERY.variables
    return [comparable(row) for row in answer.solutions]


@pytest.mark.parametrize("lang", [None, "zh", "en"])
def test_every_needle_gets_the_query_s_whole_answer_from_the_index(data_dir, report_backend, lang):
    texts = needles(labels_of(report_backend)[::11]) + ["养老", "重庆", "e", "care", "Chongqing", "服务"]
    texts = [t for t in texts if "\x00" not in t]
    assert len(texts) > 100
    for text in texts:
        assert indexed(data_dir, text, lang, 100_000, 0) == scanned(report_backend, text, lang, 100_000, 0), text


@pytest.mark.parametrize("lang", [None, "zh", "en"])
def test_edge_case_labels_get_the_query_s_answer_from_the_index(tricky, tricky_backend, lang):  # noqa: F811
    for text in [t for t in needles(labels_of(tricky_backend)) if "\x00" not in t]:
        assert indexed(tricky, text, lang, 100_000, 0) == scanned(tricky_backend, text, lang, 100_000, 0), text


def test_pages_follow_the_query_s_order_past_the_hundred_a_search_gives(tricky, tricky_backend):  # noqa: F811
    # 130 resources labelled 办理业务 rank alike: pages cut them by IRI, as LIMIT/OFFSET cut the query.
    for limit, offset in [(7, 0), (50, 60), (100, 100), (3, 128), (10, 500)]:
        assert (indexed(tricky, "办理业务", None, limit, offset)
                == scanned(tricky_backend, "办理业务", None, limit, offset)), (limit, offset)
    assert len(indexed(tricky, "办理", None, 1000, 0)) == 130


@pytest.fixture(scope="module")
def app(data_dir: Path):
    application = create_app(Settings(data_dir=data_dir))
    yield application
    application.extensions["reformkg.backend"].close()


@pytest.mark.parametrize("params", [{"q": "养老"}, {"q": "care", "lang": "en", "limit": "5", "offset": "3"},
                                    {"q": "重庆", "lang": "zh"}, {"q": "不存在的词"}])
def test_the_api_sends_the_index_s_answer_in_json_and_in_results_formats(app, data_dir, params):
    client = app.test_client()
    limit, offset = int(params.get("limit", 100_000)), int(params.get("offset", 0))
    answer = named.terms(LabelIndex(data_dir), QUERY, {k: [v] for k, v in params.items() if k in ("q", "lang")},
                         limit, offset)
    assert answer is not None
    rows = client.get("/api/queries/label-search", query_string=params).get_json()["rows"]
    assert [r["resource"] for r in rows] == [s["resource"].value for s in answer.solutions]
    assert [r["score"] for r in rows] == [int(s["score"].value) for s in answer.solutions]
    sparql_json = client.get("/api/queries/label-search", query_string={**params, "format": "sparql-json"})
    assert sparql_json.status_code == 200 and sparql_json.mimetype == "application/sparql-results+json"
    bindings = sparql_json.get_json()["results"]["bindings"]
    assert [b["resource"]["value"] for b in bindings] == [r["resource"] for r in rows]
    assert all(b["score"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer" for b in bindings)
    assert all(("lang" in b) == ("lang" in params) for b in bindings)
    table = client.get("/api/queries/label-search", query_string={**params, "format": "csv"})
    assert table.status_code == 200 and table.mimetype == "text/csv"
    read = list(csv.reader(io.StringIO(table.get_data(as_text=True))))
    assert read[0] == list(QUERY.variables) and [line[0] for line in read[1:]] == [r["resource"] for r in rows]


def test_without_an_index_the_query_runs_as_written(data_dir, tmp_path, report_backend):
    # A data directory whose index was never built: named.terms says so, and the API scans.
    assert named.terms(LabelIndex(tmp_path), QUERY, {"q": ["养老"]}, 100, 0) is None
    assert named.terms(None, QUERY, {"q": ["养老"]}, 100, 0) is None
    assert named.terms(LabelIndex(data_dir), QUERY, {"q": ["养\x00老"]}, 100, 0) is None
    other = load_catalog().get("incoming-links")
    assert named.terms(LabelIndex(data_dir), other, {"target": ["urn:x"]}, 100, 0) is None


def test_only_a_query_of_label_search_s_columns_and_parameters_may_name_the_index():
    text = QUERY.text
    assert parse_query_file("mine", text).index == "labels"
    with pytest.raises(CatalogError, match="index must be one of labels, not 'words'"):
        parse_query_file("mine", text.replace("#+ index: labels", "#+ index: words"))
    narrower = text.replace("(MIN(STRLEN(?text)) AS ?length)", "")
    with pytest.raises(CatalogError, match="the labels index answers a query of the columns resource, q, lang"):
        parse_query_file("mine", narrower)
