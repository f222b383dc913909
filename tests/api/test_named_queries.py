"""Every named query through the API, each pinned to its real answer on the report's store.

The nine competency queries keep their own tests in tests/test_competency_queries.py (run on the
store directly); here each query is run as a client runs it, with each of its parameters bound.
"""
from __future__ import annotations

from reformkg.service.sparql.catalog import load_catalog

from .conftest import BASE, REPORT, rows

TESTED = {
    "reforms-and-measures", "indicators", "indicators-by-unit", "indicators-by-target-group", "indicators-by-agency",
    "indicators-by-place", "money-totals", "money-paid-by-reform", "document-issuers", "documents-by-type",
    "documents-by-reform", "target-group-hierarchy", "label-search", "incoming-links", "dataset-statistics",
    "class-counts", "resource-by-label", "reports", "named-programmes", "co-issuing-agencies",
    "elderly-care-indicators", "places-by-reform", "reform-with-most-indicators", "target-groups-in-several-reforms",
    # Issue 12's questions, pinned in tests/test_competency_queries.py:
    "why", "indicators-by-programme", "indicators-by-kind", "documents-by-relation", "reforms-by-target-group",
    "agencies-by-reform", "rural-elderly-care-indicators",
}


def test_every_named_query_is_tested_here():
    assert {q.name for q in load_catalog()} == TESTED


def test_every_parameter_type_is_used_by_some_query():
    used = {p.type for q in load_catalog() for p in q.parameters}
    assert used == {"iri", "string", "lang-string", "integer", "decimal", "boolean", "date", "enum"}


def test_every_query_answers_without_parameters_or_with_its_examples(client):
    for query in load_catalog():
        examples = {p.name: p.example for p in query.parameters if p.example is not None}
        required = {p.name for p in query.parameters if p.required}
        if not required:
            assert rows(client, query.name) is not None
        assert rows(client, query.name, **examples), f"{query.name} with its examples {examples} has no rows"


def test_reforms_and_their_measures(client):
    everything = rows(client, "reforms-and-measures")
    assert len(everything) == 40
    assert sorted({r["reform"] for r in everything}) == list(range(1, 11))
    # Reforms 1 and 5 enumerate no items: their action sentences are their measures.
    assert [r["measure_number"] for r in everything if r["reform"] in (1, 5)] == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6]
    second = rows(client, "reforms-and-measures", reform=2)
    assert [(r["measure_number"], r["measure_zh"]) for r in second] == [
        (1, "出台基本养老服务清单"), (2, "健全基本养老服务体系"), (3, "丰富基本养老服务内涵"), (4, "深化养老服务改革创新")]


def test_indicators_by_reform_unit_and_approximation(client):
    ninth = rows(client, "indicators", reform=9)
    assert [r["quote"] for r in ninth] == ["80元", "90元", "80元", "4.5亿元", "49.7万人", "4878人", "1500余万元", "55个",
                                           "7700余名", "100%"]
    assert {r["reform"] for r in ninth} == {9}
    yuan = rows(client, "indicators", unit="元")
    assert sorted(r["value"] for r in yuan) == [80, 80, 90, 15000000, 113000000, 250000000, 450000000]
    approximate = rows(client, "indicators", approx="true")
    assert [r["quote"] for r in approximate][:2] == ["110余万", "8000余张"]
    assert len(approximate) == 8 and all(r["approx"] is True for r in approximate)
    assert len(rows(client, "indicators", approx="false")) == 56 - 8
    assert rows(client, "indicators", reform=9, unit="元", approx="true")[0]["quote"] == "1500余万元"


def test_indicators_by_unit_with_a_decimal_minimum(client):
    large = rows(client, "indicators-by-unit", unit="元", min="100000000")
    assert [(r["written"], r["value"], r["min"]) for r in large] == [
        ("4.5亿", 450000000, 100000000), ("2.5亿", 250000000, 100000000), ("1.13亿", 113000000, 100000000)]
    assert rows(client, "indicators-by-unit", unit="元", min="450000000.5") == []
    assert len(rows(client, "indicators-by-unit", min="0.5")) == 56
    everything = rows(client, "indicators-by-unit")
    assert len(everything) == 56 and everything[0]["unit"] == "%"


def test_indicators_by_target_group_include_narrower_groups(client):
    disabled = rows(client, "indicators-by-target-group", group=BASE + "target-group/persons-with-disabilities")
    assert sorted({r["indicator"].rsplit("/", 1)[1] for r in disabled}, key=int) == [
        # 35 (4878人) counts 重残人员 = 重度残疾人; 36, 37, 39 name no group in their own clause.
        "30", "31", "32", "33", "34", "35", "38"]
    assert {r["named_zh"] for r in disabled} == {"残疾人", "困难残疾人", "重度残疾人", "精神障碍患者"}
    minors = rows(client, "indicators-by-target-group", group=BASE + "target-group/minors")
    assert [r["quote"] for r in minors] == ["1个", "40个", "650个"]


def test_indicators_by_agency(client):
    # 民政部 only issued the notice reform 5 implements; the police acted in one clause alone (issue 12).
    ministry = rows(client, "indicators-by-agency", agency=BASE + "agency/ministry-of-civil-affairs")
    assert [r["quote"] for r in ministry] == []
    police = rows(client, "indicators-by-agency", agency=BASE + "agency/public-security-organs")
    assert [r["quote"] for r in police] == ["1个"]
    assert len(rows(client, "indicators-by-agency")) == 1


def test_indicators_by_place_include_places_inside_it(client):
    chongqing = rows(client, "indicators-by-place", place=BASE + "place/chongqing")
    # Only figures whose own clause names the place (全市 …), not every figure of such a sentence.
    assert len(chongqing) == 7 and chongqing[0]["quote"] == "8.23万件次"
    assert rows(client, "indicators-by-place", place=BASE + "place/shandong") == []


def test_money_totals_by_target_group(client):
    totals = rows(client, "money-totals")
    assert [(r["group_zh"], r["total"], r["indicators"]) for r in totals] == [
        # The text gives 城乡低保对象 and 特困人员 1.13亿元, and the 1500余万元 to no group (issue 12).
        ("残疾人", 450000000, 1), ("困难群众", 363000000, 2), ("城乡低保对象", 113000000, 1), ("特困人员", 113000000, 1)]
    one = rows(client, "money-totals", group=BASE + "target-group/people-in-difficulty")
    assert [(r["group_zh"], r["total"]) for r in one] == [("困难群众", 363000000)]


def test_money_paid_by_reform_through_the_api(client):
    assert [(r["number"], r["total"]) for r in rows(client, "money-paid-by-reform")] == [(9, 465000000), (1, 363000000)]


def test_documents_and_their_issuers(client):
    everything = rows(client, "document-issuers")
    assert len(everything) == 6
    # Only issuers the text names: 制定/编制/出台 name none, and in 联合X印发 the bureau is only implied.
    assert rows(client, "document-issuers", agency=BASE + "agency/cq-civil-affairs") == []
    procuratorate = rows(client, "document-issuers", agency=BASE + "agency/cq-procuratorate")
    assert [r["title_zh"] for r in procuratorate] == ["重庆市民政系统密切接触未成年人岗位工作人员犯罪记录查询工作暂行办法"]
    assert "重庆市地名管理条例" not in {r["title_zh"] for r in everything}


def test_documents_by_type_take_a_chinese_lang_string_from_a_list(client):
    notices = rows(client, "documents-by-type", type="通知")
    assert [r["title_zh"] for r in notices] == ["关于培育发展未成年人保护领域社会组织的通知",
                                                "民政部 国家乡村振兴局关于动员引导社会组织参与乡村振兴工作的通知"]
    assert rows(client, "documents-by-type", type="条例@zh")[0]["reforms"] == "8"
    assert len(rows(client, "documents-by-type")) == 10


def test_documents_cited_by_one_reform(client):
    assert sorted(r["title_zh"] for r in rows(client, "documents-by-reform", number=8)) == [
        "重庆主城中心城区地名规划(2021—2035)", "重庆市主城中心城区消失地名录", "重庆市历史地名图集", "重庆市地名管理条例"]


def test_programmes_named_by_one_reform(client):
    assert [(r["name_zh"], r["kind_en"]) for r in rows(client, "named-programmes", number=4)] == [("渝快社区", "platform")]


def test_the_target_group_hierarchy_under_a_root(client):
    disabled = rows(client, "target-group-hierarchy", root=BASE + "target-group/persons-with-disabilities")
    # GROUP_CONCAT's order is the engine's (SPARQL leaves it open): compare the broader groups as sets.
    assert [(r["group_zh"], r["broader"] and set(r["broader"].split("、"))) for r in disabled] == [
        # 残疾人家庭 is a household, related to 残疾人 but not under it.
        ("残疾人", None), ("困难残疾人", {"残疾人", "困难群众"}), ("精神障碍患者", {"残疾人"}),
        ("重度残疾人", {"残疾人"})]
    # Figures linked per clause: 1500余万元, 55个 and 100% name no group of their own any more.
    assert [r["indicators"] for r in disabled] == [2, 1, 1, 3]
    everything = rows(client, "target-group-hierarchy")
    assert len(everything) == 33 and len({r["group"] for r in everything}) == 20


def test_label_search_ranks_exact_then_prefix_then_word_then_substring(client):
    def matches(q: str, lang: str) -> list[str]:
        return [r["match"] for r in rows(client, "label-search", q=q, lang=lang)]

    assert matches("Chongqing", "en") == ["exact"] + ["prefix"] * 9 + ["word"] * 6
    assert matches("chongqing", "en") == matches("Chongqing", "en")  # case does not matter
    # The campaigns and quantity concepts (issue 12) add labels such as "… Service Institutions".
    assert matches("service", "en") == ["word"] * 13 + ["substring"] * 14  # "services" holds it as a substring
    assert matches("elder", "en") == ["prefix"] * 2 + ["substring"] * 43
    chongqing = rows(client, "label-search", q="重庆", lang="zh", limit=3)
    assert (chongqing[0]["resource"], chongqing[0]["match"], chongqing[1]["match"]) == (
        BASE + "place/chongqing", "exact", "prefix")
    elderly = rows(client, "label-search", q="养老", lang="zh")
    assert len(elderly) > 10 and all("养老" in r["labels"] for r in elderly)
    # Labels that start with 养老 (养老防诈骗专项行动 …) come first, then the others, shorter labels first in each.
    kinds = [r["match"] for r in elderly]
    assert kinds == sorted(kinds, key=["prefix", "substring"].index) and set(kinds) == {"prefix", "substring"}
    for kind in ("prefix", "substring"):
        lengths = [r["length"] for r in elderly if r["match"] == kind]
        assert lengths == sorted(lengths)
    assert rows(client, "label-search", q="养老", lang="en") == []


def test_incoming_links_to_a_resource(client):
    minors = rows(client, "incoming-links", target=BASE + "target-group/minors")
    assert [(r["source"].removeprefix(BASE), r["property"].rsplit("#", 1)[1]) for r in minors] == [
        ("target-group/rural-minors", "broader"),
        ("report/cq-civil-affairs-2022/indicator/15", "targetGroup"),
        ("report/cq-civil-affairs-2022/indicator/16", "targetGroup"),
        ("report/cq-civil-affairs-2022/indicator/17", "targetGroup"),
        ("report/cq-civil-affairs-2022/reform/3", "targetGroup"),
        ("report/cq-civil-affairs-2022/reform/3/measure/1", "targetGroup"),
        ("report/cq-civil-affairs-2022/reform/3/measure/2", "targetGroup"),
        ("report/cq-civil-affairs-2022/reform/3/measure/3", "targetGroup"),
    ]
    assert minors[4]["label_zh"] == "创新推进未成年人保护工作"


def test_dataset_statistics_per_graph(client, built):
    statistics = {r["graph"]: r for r in rows(client, "dataset-statistics")}
    assert {g: r["triples"] for g, r in statistics.items()} == built.graphs
    report = rows(client, "dataset-statistics", graph=BASE + "graph/report/cq-civil-affairs-2022")
    assert [(r["triples"], r["subjects"]) for r in report] == [(6099, 1169)]


def test_instances_per_class(client):
    report = rows(client, "class-counts", graph=BASE + "graph/report/cq-civil-affairs-2022")
    counts = {r["class"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]: r["instances"] for r in report}
    assert (counts["Indicator"], counts["Measure"], counts["Reform"], counts["Report"]) == (56, 40, 10, 1)
    assert report[0]["instances"] == 256  # spans: every link's clause is one
    # Shared entities are typed once, in the entities graph.
    entities = rows(client, "class-counts", graph=BASE + "graph/entities")
    shared = {r["class"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]: r["instances"] for r in entities}
    assert (shared["Programme"], shared["PolicyDocument"], shared["Organization"]) == (29, 10, 15)


def test_resources_with_an_exact_label_in_a_language(client):
    assert [r["resource"] for r in rows(client, "resource-by-label", label="重庆")] == [BASE + "place/chongqing"]
    assert [r["resource"] for r in rows(client, "resource-by-label", label="Chongqing@en")] == [BASE + "place/chongqing"]
    assert rows(client, "resource-by-label", label="Chongqing@zh") == []


def test_reports_published_since_a_date(client):
    (report,) = rows(client, "reports")
    assert (report["report"], report["issued"], report["reforms"], report["indicators"]) == (REPORT, "2023-02-06", 10, 56)
    assert len(rows(client, "reports", since="2023-02-06")) == 1
    assert rows(client, "reports", since="2023-02-07") == []


def test_the_competency_queries_answer_through_the_api_as_on_the_store(client):
    assert rows(client, "reform-with-most-indicators")[0]["indicators"] == 17
    assert len(rows(client, "co-issuing-agencies")) == 2
    assert len(rows(client, "elderly-care-indicators")) == 15
    assert len(rows(client, "places-by-reform")) == 9
    assert {r["label_zh"] for r in rows(client, "target-groups-in-several-reforms")} == {
        "困难群众", "特困人员", "低保边缘家庭", "重病人员", "重度残疾人", "残疾人"}


def test_incoming_links_come_in_the_order_of_their_property_then_source():
    """The query sorts on string keys made once per row (Oxigraph reads IRIs from disk at each comparison
    of a sort): pinned here against the plain ORDER BY on IRIs one of which begins another, non-ASCII
    IRIs, several properties and blank-node sources (which sort before IRIs)."""
    from pyoxigraph import RdfFormat, Store

    from reformkg.service.sparql.binding import bind

    target = "http://example.org/t"
    sources = ["http://example.org/a", "http://example.org/a/b", "http://example.org/a-b", "http://example.org/ab",
               "http://example.org/%C3%A9", "http://example.org/é", "http://example.org/A", "http://example.org/a0"]
    properties = ["http://example.org/p", "http://example.org/p2", "http://example.org/p/q", "http://example.org/P"]
    data = [f"<{s}> <{p}> <{target}> <http://example.org/g> ." for s in sources for p in properties]
    data += [f"_:b{i} <{properties[0]}> <{target}> <http://example.org/g> ." for i in range(3)]
    store = Store()
    store.load("\n".join(data).encode(), format=RdfFormat.N_QUADS)
    query = load_catalog().get("incoming-links")
    text = bind(query.text, query.bind({"target": [target]}))
    got = [(str(s["property"]), s["source"]) for s in store.query(text, use_default_graph_as_union=True)]
    plain = [(str(s["property"]), s["source"]) for s in store.query(
        f"SELECT ?property ?source {{ ?source ?property <{target}> }} ORDER BY ?property ?source",
        use_default_graph_as_union=True)]
    assert len(got) == len(sources) * len(properties) + 3
    assert [(p, str(s)) for p, s in got] == [(p, str(s)) for p, s in plain]
    first_property = [type(s).__name__ for p, s in got if p == f"<{properties[0]}>"]
    assert first_property == ["BlankNode"] * 3 + ["NamedNode"] * len(sources)
