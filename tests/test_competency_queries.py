"""The competency questions in queries/, each pinned to its real answer on the real store, through
each backend (the embedded store and an Oxigraph server holding the same data)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from pyoxigraph import QueryResultsFormat, parse_query_results

from reformkg.service.store.base import QueryRequest

from .conftest import ROOT

QUERIES = ROOT / "queries"


def solutions(backend, name: str):
    """The named query's answer from the backend, as the service's clients get it (JSON), parsed."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    response = backend.query(QueryRequest(text, accept="application/sparql-results+json"))
    return parse_query_results(b"".join(response.body), format=QueryResultsFormat.JSON)


def run(backend, name: str) -> list[dict[str, str | None]]:
    result = solutions(backend, name)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def test_contract_query_returns_one_row_per_indicator_with_its_variables(backend):
    rows = run(backend, "indicators")
    assert len(rows) == 56
    assert set(rows[0]) >= {"reform", "value", "unit", "approx", "quote", "label_en"}
    first = rows[0]
    assert (first["reform"], first["value"], first["unit"], first["approx"], first["quote"]) == (
        "1", "3025", "人次", "false", "3025人次")
    assert all(1 <= int(r["reform"]) <= 10 for r in rows)
    assert all(r["label_en"] for r in rows)
    by_quote = {r["quote"]: r for r in rows}
    assert by_quote["8.23万件次"]["value"] == "82300"
    assert by_quote["110余万"]["approx"] == "true"
    assert [int(r["reform"]) for r in rows] == sorted(int(r["reform"]) for r in rows)


def test_contract_query_types_are_integer_decimal_and_boolean(backend):
    solution = next(iter(solutions(backend, "indicators")))
    assert solution["reform"].datatype.value.endswith("#integer")
    assert solution["value"].datatype.value.endswith("#decimal")
    assert solution["approx"].datatype.value.endswith("#boolean")


def test_reforms_that_report_money_paid_and_their_totals(backend):
    rows = run(backend, "money-paid-by-reform")
    assert [(r["number"], Decimal(r["total"])) for r in rows] == [
        ("9", Decimal("465000000")),  # 4.5亿元 two subsidies + 1500余万元 community rehabilitation
        ("1", Decimal("363000000")),  # 1.13亿元 one-off subsidy + 2.5亿元 price subsidy
    ]


def test_agencies_that_co_issued_documents_with_the_publisher(backend):
    rows = run(backend, "co-issuing-agencies")
    assert sorted((r["agency_zh"], r["title_zh"]) for r in rows) == [
        ("重庆市乡村振兴局", "社会组织助力乡村振兴专项行动方案"),
        ("重庆市人民检察院", "重庆市民政系统密切接触未成年人岗位工作人员犯罪记录查询工作暂行办法"),
    ]


def test_target_groups_served_by_more_than_one_reform(backend):
    rows = run(backend, "target-groups-in-several-reforms")
    assert {r["label_zh"]: sorted(r["numbers"].split()) for r in rows} == {
        "困难群众": ["1", "2", "9"],
        "特困人员": ["1", "2"],
        "低保边缘家庭": ["1", "9"],
        "重残、重病人员": ["1", "9"],
    }


def test_every_indicator_for_elderly_care_with_its_unit(backend):
    rows = run(backend, "elderly-care-indicators")
    assert [(r["quote"], r["unit"]) for r in rows] == [
        ("162个", "个"), ("1513个", "个"), ("5000户", "户"), ("743个", "个"), ("8000个", "个"), ("60个", "个"),
        ("8000余张", "张"), ("2500家次", "家次"), ("716栋", "栋"), ("6115家", "家"),
    ]


def test_the_reform_with_the_most_indicators(backend):
    rows = run(backend, "reform-with-most-indicators")
    assert (rows[0]["number"], rows[0]["indicators"]) == ("10", "17")
    assert sum(int(r["indicators"]) for r in rows) == 56
    assert len(rows) == 10


def test_every_document_cited_with_its_reform(backend):
    rows = run(backend, "documents-by-reform")
    assert sorted((int(r["number"]), r["title_zh"]) for r in rows) == [
        (1, "关于改革完善社会救助制度的意见"),
        (2, "重庆市基本养老服务目录清单"),
        (3, "关于培育发展未成年人保护领域社会组织的通知"),
        (3, "重庆市民政系统密切接触未成年人岗位工作人员犯罪记录查询工作暂行办法"),
        (5, "民政部 国家乡村振兴局关于动员引导社会组织参与乡村振兴工作的通知"),
        (5, "社会组织助力乡村振兴专项行动方案"),
        (8, "重庆主城中心城区地名规划(2021—2035)"),
        (8, "重庆市主城中心城区消失地名录"),
        (8, "重庆市历史地名图集"),
        (8, "重庆市地名管理条例"),
    ]
    issuers = {r["title_zh"]: set((r["issuers"] or "").split("、")) - {""} for r in rows}
    assert issuers["关于改革完善社会救助制度的意见"] == {"中共中央办公厅", "国务院办公厅"}
    assert issuers["重庆市地名管理条例"] == set()


def test_every_measure_that_names_a_platform_or_programme(backend):
    rows = run(backend, "named-programmes")
    names = {r["name_zh"] for r in rows}
    assert {"一门受理、协同办理", "时间银行", "老吾老", "渝快社区", "重庆慈善周", "单人保", "五社联动"} <= names
    assert len(names) == 20
    platform = [r for r in rows if r["name_zh"] == "渝快社区"]
    assert [(r["kind_en"], r["number"], r["measure_zh"]) for r in platform] == [("platform", "4", "提升服务效能")]
    linkage = [r["measure_zh"] for r in rows if r["name_zh"] == "五社联动"]
    assert len(linkage) == 4


def test_the_places_named_and_their_reforms(backend):
    rows = run(backend, "places-by-reform")
    places = {r["name_zh"]: sorted(int(n) for n in (r["reforms"] or "").split()) for r in rows}
    assert places == {
        "重庆": [1, 2, 3, 5, 7, 8, 10],
        "山东": [5],
        "巴南区": [9], "永川区": [9], "大足区": [9],
        "主城中心城区": [8], "红岩村": [8], "曾家岩": [8], "红军井": [8],
    }
    wikidata = {r["name_zh"]: r["wikidata"] for r in rows if r["wikidata"]}
    assert wikidata == {"重庆": "http://www.wikidata.org/entity/Q11725", "山东": "http://www.wikidata.org/entity/Q43407"}


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_named_query_has_a_title_in_both_languages_and_parses(store, path):
    text = path.read_text(encoding="utf-8")
    assert "#+ title:" in text and "#+ title_zh:" in text and "#+ description:" in text
    store.query(text.replace("$", "?"), use_default_graph_as_union=True)
