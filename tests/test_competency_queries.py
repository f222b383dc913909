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
        # 重残、重病人员 (reform 1) and 重病、重残人员 (reform 9) name two groups each.
        "重病人员": ["1", "9"],
        "重度残疾人": ["1", "9"],
        "残疾人": ["1", "9"],
    }


def test_every_indicator_for_elderly_care_with_its_unit(backend):
    rows = run(backend, "elderly-care-indicators")
    assert [(r["quote"], r["unit"]) for r in rows] == [
        ("162个", "个"), ("1513个", "个"), ("5000户", "户"), ("743个", "个"), ("8000个", "个"), ("60个", "个"),
        ("8000余张", "张"), ("2500家次", "家次"),
        # Labels now name what is counted (养老机构消防安全隐患, not 发现消防安全隐患), so the
        # figures about elderly care institutions in reform 10's campaigns are found by their label.
        ("2014个", "个"), ("1973个", "个"), ("98%", "%"), ("716栋", "栋"), ("6115家", "家"), ("100%", "%"),
        ("35条", "条"),
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
    # 21 quoted names (创设“机制+服务+平台+队伍+保障”… is one: a quoted name after a launching verb)
    # and 8 campaigns launched by name (实施养老防诈骗专项行动 …; 实施安全生产处罚“季度清零”和执法量提升行动
    # coordinates a quoted name and a campaign).
    assert len(names) == 29
    assert {"养老防诈骗专项行动", "养老机构消防安全专项整治行动", "农村养老服务全覆盖提效行动"} <= names
    platform = [r for r in rows if r["name_zh"] == "渝快社区"]
    assert [(r["kind_en"], r["number"], r["measure_zh"]) for r in platform] == [("platform", "4", "提升服务效能")]
    linkage = [r["measure_zh"] for r in rows if r["name_zh"] == "五社联动"]
    assert len(linkage) == 4


def test_the_places_named_and_their_reforms(backend):
    rows = run(backend, "places-by-reform")
    places = {r["name_zh"]: sorted(int(n) for n in (r["reforms"] or "").split()) for r in rows}
    assert places == {
        # “重庆慈善周” in reform 7 is a name, not a place the reform names.
        "重庆": [1, 2, 3, 5, 8, 10],
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


# -- Analysts' questions about the links (issue 12) ----------------------------------------------------

BASE = "https://w3id.org/reformkg/"


def run_with(backend, name: str, **bindings: str) -> list[dict[str, str | None]]:
    """A named query with parameters bound as the service binds them: a VALUES block on the answer."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    names = " ".join(f"?{v}" for v in bindings)
    terms = " ".join(f"<{iri}>" for iri in bindings.values())
    text += f"\nVALUES ({names}) {{ ({terms}) }}"
    response = backend.query(QueryRequest(text, accept="application/sparql-results+json"))
    result = parse_query_results(b"".join(response.body), format=QueryResultsFormat.JSON)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def test_contract_query_says_what_each_indicator_counts_its_kind_groups_and_agencies(backend):
    rows = run(backend, "indicators")
    assert set(rows[0]) >= {"report", "label_zh", "kind", "what_zh", "what_en", "programme_zh",
                            "target_groups", "agencies"}
    by_quote = {r["quote"]: r for r in rows}
    assert by_quote["1.13亿元"]["target_groups"] == "城乡低保对象|特困人员"
    assert by_quote["2.5亿元"]["target_groups"] == "困难群众"
    assert by_quote["8.23万件次"]["target_groups"] == ""
    assert [r["agencies"] for r in rows if r["agencies"]] == ["公安机关"]
    assert by_quote["3025人次"]["kind"] == "cumulative"
    assert by_quote["98%"]["kind"] == "rate"
    assert by_quote["8.23万件次"]["programme_zh"] == "一门受理、协同办理"
    assert by_quote["110余万"]["programme_zh"] is None
    assert all(r["report"] == BASE + "report/cq-civil-affairs-2022" for r in rows)
    labels = [(r["reform"], r["label_zh"]) for r in rows]
    assert len(set(labels)) == len(labels), "labels are unique within a reform"
    assert all(r["what_en"] for r in rows)


def test_money_per_target_group_is_the_texts_figures(backend):
    totals = {r["group_zh"]: Decimal(r["total"]) for r in run(backend, "money-totals")}
    # 1.13亿元 went to 城乡低保对象 and 特困人员; 2.5亿元 to the 97万名困难群众 (issue 12).
    assert totals["城乡低保对象"] == Decimal("113000000")
    assert totals["特困人员"] == Decimal("113000000")
    assert totals["困难群众"] == Decimal("363000000")  # narrower groups count in broader ones
    assert totals["残疾人"] == Decimal("450000000")


def test_figures_by_kind_keep_standards_and_rates_apart_from_achievements(backend):
    rows = run(backend, "indicators-by-kind")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["kind_en"]] = counts.get(r["kind_en"], 0) + int(r["indicators"])
    assert counts == {"achievement": 45, "cumulative total": 4, "rate": 4, "standard": 3}
    standards = {r["number"] for r in rows if r["kind_en"] == "standard"}
    assert standards == {"9"}


def test_indicators_of_the_anti_fraud_campaign(backend):
    rows = run_with(backend, "indicators-by-programme", programme=BASE + "programme/elderly-care-anti-fraud-campaign")
    assert [r["quote"] for r in rows] == ["6115家", "100%", "35条", "9家", "1个", "23个", "2个"]
    assert [(r["quote"], r["agency_zh"]) for r in rows if r["agency_zh"]] == [("1个", "公安机关")]


def test_documents_implemented_versus_issued_and_by_whom(backend):
    rows = run(backend, "documents-by-relation")
    found = {(int(r["number"]), r["title_zh"]): (r["relation"], r["issuers"]) for r in rows}
    assert found[(1, "关于改革完善社会救助制度的意见")] == ("implements", "中共中央办公厅|国务院办公厅")
    assert found[(5, "民政部 国家乡村振兴局关于动员引导社会组织参与乡村振兴工作的通知")] == (
        "implements", "国家乡村振兴局|民政部")
    # 联合市乡村振兴局印发: the text names the co-issuer; the bureau is only implied (not stated).
    assert found[(5, "社会组织助力乡村振兴专项行动方案")] == ("issues", "重庆市乡村振兴局")
    assert found[(8, "重庆市地名管理条例")] == ("revises", "")
    assert found[(2, "重庆市基本养老服务目录清单")] == ("drafts", "")  # the text names no issuer
    assert sorted(r["relation"] for r in rows) == ["drafts"] * 4 + ["implements"] * 2 + ["issues"] * 3 + ["revises"]


def test_reforms_concerning_persons_with_disabilities(backend):
    rows = run_with(backend, "reforms-by-target-group", group=BASE + "target-group/persons-with-disabilities")
    assert {r["number"]: set(r["named"].split("|")) for r in rows} == {
        "1": {"重度残疾人"},  # 重残、重病人员: 重残人员 is 重度残疾人
        "9": {"残疾人", "困难残疾人", "重度残疾人", "精神障碍患者"},
    }


def test_rural_elderly_care_indicators(backend):
    rows = run(backend, "rural-elderly-care-indicators")
    assert [r["quote"] for r in rows] == ["743个", "8000个", "60个", "8000余张"]
    assert {r["programme_zh"] for r in rows} == {"农村养老服务全覆盖提效行动"}


def test_who_co_acted_with_the_bureau_in_each_reform(backend):
    rows = run(backend, "agencies-by-reform")
    publisher = {r["number"] for r in rows if r["role_en"] == "publisher" and r["agency_zh"] == "重庆市民政局"}
    assert publisher == {str(n) for n in range(1, 11)}
    co = sorted((r["number"], r["agency_zh"]) for r in rows if r["role_en"] == "co-actor")
    assert co == [("3", "重庆市人民检察院"), ("5", "重庆市乡村振兴局")]
    acting = {r["agency_zh"] for r in rows}
    # Issuers of documents the reforms only implement are not actors of the reforms.
    assert not acting & {"中共中央办公厅", "国务院办公厅", "民政部", "国家乡村振兴局"}
    police = [r["quote"] for r in rows if r["agency_zh"] == "公安机关"]
    assert police == ["公安机关立案侦查1个"]


@pytest.mark.parametrize("subject, predicate, obj, quote", [
    ("report/cq-civil-affairs-2022/indicator/56", "https://w3id.org/reformkg/ontology#programme",
     "programme/elderly-care-anti-fraud-campaign", "实施养老防诈骗专项行动,共排查养老机构6115家,"),
    ("report/cq-civil-affairs-2022/indicator/54", "https://w3id.org/reformkg/ontology#agency",
     "agency/public-security-organs", "公安机关立案侦查1个"),
    ("report/cq-civil-affairs-2022/indicator/5", "https://w3id.org/reformkg/ontology#targetGroup",
     "target-group/extremely-poor-persons", "2022年对城乡低保对象、特困人员增发一次性生活补贴1.13亿元"),
    ("report/cq-civil-affairs-2022/reform/3", "http://www.w3.org/ns/prov#wasAssociatedWith",
     "agency/cq-procuratorate", "联合市检察院印发《"),
    ("report/cq-civil-affairs-2022/reform/1", "https://w3id.org/reformkg/ontology#implements",
     "document/social-assistance-reform-opinions", "深入贯彻中共中央办公厅、国务院办公厅《"),
    ("document/social-assistance-reform-opinions", "http://purl.org/dc/terms/creator",
     "agency/cpc-general-office", "深入贯彻中共中央办公厅、国务院办公厅《"),
])
def test_why_returns_the_words_that_support_a_link(backend, subject, predicate, obj, quote):
    rows = run_with(backend, "why", subject=BASE + subject, predicate=predicate, object=BASE + obj)
    assert rows, "no evidence"
    assert any(r["quote"].startswith(quote) for r in rows), [r["quote"] for r in rows]
    assert all(int(r["start"]) < int(r["end"]) for r in rows)


def test_why_has_no_answer_for_a_link_the_graph_does_not_assert(backend):
    # 民政部 issued the notice reform 5 implements; it did not act in reform 5.
    assert run_with(backend, "why", subject=BASE + "report/cq-civil-affairs-2022/reform/5",
                    predicate="http://www.w3.org/ns/prov#wasAssociatedWith",
                    object=BASE + "agency/ministry-of-civil-affairs") == []


def test_why_answers_for_every_kind_of_link(backend):
    """One link of each kind the graph asserts (a sample per predicate), and why.rq gives its words."""
    text = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?p (SAMPLE(?s) AS ?subject) (SAMPLE(?o) AS ?object) WHERE {
          ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } GROUP BY ?p"""
    response = backend.query(QueryRequest(text, accept="application/sparql-results+json"))
    result = parse_query_results(b"".join(response.body), format=QueryResultsFormat.JSON)
    samples = [(s["subject"].value, s["p"].value, s["object"].value) for s in result]
    kinds = {p.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for _, p, _ in samples}
    assert kinds >= {"targetGroup", "agency", "programme", "spatial", "wasAssociatedWith", "creator", "references",
                     "implements", "issues", "revises", "drafts", "protects"}
    for subject, predicate, obj in samples:
        rows = run_with(backend, "why", subject=subject, predicate=predicate, object=obj)
        assert rows and all(r["quote"] for r in rows), (subject, predicate, obj)
