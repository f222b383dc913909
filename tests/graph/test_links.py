"""Links decided at the level of the clause that states them (graph/attach.py, graph/roles.py):
each rule pinned on the report's own cases and on sentences of other reports of the genre."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reformkg.graph import attach, curated, extract, mentions, roles, segment
from reformkg.graph.reports import ReportSource
from reformkg.graph.segment import Span
from reformkg.ontology.vocab import read_schemes

from ..conftest import ROOT, SOURCE_PATHS

CURATION = curated.load(SOURCE_PATHS.curation)
SCHEMES = read_schemes(SOURCE_PATHS.ontology / "schemes.ttl")


def report(tmp_path: Path, body: str, publisher: str = "重庆市民政局", place: str = "重庆") -> extract.Extraction:
    path = tmp_path / "r.txt"
    path.write_text(body, encoding="utf-8")
    source = ReportSource("r", path, "测试报告", publisher, dt.date(2023, 1, 1), "", 2022, place, "zh")
    return extract.extract(source, CURATION, SCHEMES)


def linked(x: extract.Extraction, quote: str, kind: str) -> set[str]:
    (ind,) = [i for i in x.indicators if i.quantity.span.of(x.text) == quote]
    return {link.mention.name for link in ind.links if link.kind == kind}


@pytest.fixture(scope="module")
def cq() -> extract.Extraction:
    sources = sorted((ROOT / "graph" / "sources").glob("*.toml"))
    from reformkg.graph.reports import discover

    (source,) = discover(sources[0].parent)
    return extract.extract(source, CURATION, SCHEMES)


def test_each_amount_gets_the_groups_of_its_own_clause(cq):
    assert linked(cq, "1.13亿元", "target-group") == {"城乡低保对象", "特困人员"}
    assert linked(cq, "2.5亿元", "target-group") == {"困难群众"}
    assert linked(cq, "97万名", "target-group") == {"困难群众"}


def test_only_the_figure_whose_clause_names_the_police_is_the_polices(cq):
    fraud = [i for i in cq.indicators if any(l.mention.name == "养老防诈骗专项行动" for l in i.links)]
    assert [i.quantity.span.of(cq.text) for i in fraud] == ["6115家", "100%", "35条", "9家", "1个", "23个", "2个"]
    acting = [(i.quantity.span.of(cq.text), {l.mention.name for l in i.links if l.kind == "agency"}) for i in fraud]
    assert [(quote, names) for quote, names in acting if names] == [("1个", {"公安机关"})]


def test_issuers_of_an_implemented_notice_are_not_agencies_of_its_figures(cq):
    assert linked(cq, "1600余家", "agency") == set()
    assert linked(cq, "2000余项", "agency") == set()
    acting = {r.agency.name for r in cq.roles}
    assert not acting & {"民政部", "国家乡村振兴局", "中共中央办公厅", "国务院办公厅"}


def test_an_ellipsis_repeating_the_verb_inherits_the_group_and_the_kind(cq):
    (grade2,) = [i for i in cq.indicators if i.key == "9:80元#2"]
    assert {(l.mention.name, l.rule) for l in grade2.links if l.kind == "target-group"} == {("重度残疾人", "parallel-clause")}
    assert grade2.kind == "standard"


def test_a_count_of_people_counts_the_persons_not_their_household(cq):
    assert linked(cq, "4878人", "target-group") == {"重病人员", "重残人员"}


def test_a_campaign_named_by_the_sentence_is_the_programme_of_its_figures(cq):
    (ind,) = [i for i in cq.indicators if i.key == "10:2500家次"]
    (link,) = [l for l in ind.links if l.kind == "programme"]
    assert (link.mention.name, link.rule) == ("养老机构消防安全专项整治行动", "sentence-topic")
    assert link.evidence.of(cq.text).startswith("实施养老机构消防安全专项整治行动")


def test_an_example_in_quotes_is_not_the_sentences_programme(cq):
    assert linked(cq, "7700余名", "programme") == set()  # 建设“渝康家园”等康复机构55个,为…7700余名…


def test_reforms_without_items_have_their_action_sentences_as_measures(cq):
    by_number = {s.number: s for s in cq.sections}
    assert [i.lead.of(cq.text) for i in by_number[1].items][1:3] == ["广泛建立困难群众主动发现、综合帮扶机制",
                                                                     "建立低收入人口动态监测机制"]
    assert len(by_number[5].items) == 6
    assert [i.lead.of(cq.text) for i in by_number[8].items][:3] == ["健全法治,推动科学管理", "挖掘保护,传承弘扬文脉",
                                                                    "提升品位,规范命名更名"]


def test_citing_verbs_give_the_relation_and_only_named_issuers(cq):
    found = {c.document.name: (c.relation, sorted(i.name for i in c.issuers)) for c in cq.citations}
    assert found["关于改革完善社会救助制度的意见"] == ("implements", ["中共中央办公厅", "国务院办公厅"])
    assert found["重庆市地名管理条例"] == ("revises", [])
    assert found["重庆市基本养老服务目录清单"] == ("drafts", [])
    assert found["关于培育发展未成年人保护领域社会组织的通知"] == ("issues", [])
    assert found["社会组织助力乡村振兴专项行动方案"] == ("issues", ["市乡村振兴局"])  # the bureau is only implied


@pytest.mark.parametrize("clause, role", [
    ("联合市检察院印发《办法》", "co-actor"),
    ("会同省财政厅下达资金", "co-actor"),
    ("省人力资源社会保障厅牵头开展培训", "lead"),
    ("由市卫生健康委牵头", "lead"),
    ("公安机关立案侦查1个", "implementer"),
    ("移交市场监管部门23个", None),
    ("将审批权下放到区级政府", None),
    ("经市政府同意", None),
])
def test_an_agencys_role_comes_from_the_words_around_it_in_its_clause(clause, role):
    names = ["市检察院", "省财政厅", "省人力资源社会保障厅", "市卫生健康委", "公安机关", "市场监管部门", "区级政府", "市政府"]
    name = next(n for n in names if n in clause)
    start = clause.index(name)
    mention = mentions.Mention("agency", "x", name, Span(start, start + len(name)), None)
    assert roles.role_of(clause, Span(0, len(clause)), mention) == role


@pytest.mark.parametrize("words, unit, kind", [
    ("2022年困难残疾人生活补贴提高到80元", "元", "standard"),
    ("2022年发放残疾人“两项补贴”4.5亿元", "元", "achievement"),
    ("整改率达98%", "%", "rate"),
    ("力争到2025年养老机构护理型床位占比达到60%", "%", "target"),
    ("同比增长12.5%", "%", "change"),
    ("提高2个百分点", "个百分点", "change"),
    ("累计受理救助申请8.23万件次", "件次", "cumulative"),
    ("建成乡镇养老服务中心743个", "个", "achievement"),
])
def test_the_kind_of_a_figure_comes_from_its_clause(words, unit, kind):
    number = next(i for i, ch in enumerate(words) if ch.isdigit() and not words[i:].startswith(("2022年", "2025年")))
    end = number
    while end < len(words) and (words[end].isdigit() or words[end] in ".万亿"):
        end += 1
    quantity = attach.Quantity(Span(number, end + len(unit)), words[number:end], 0, unit, None)
    whole = Span(0, len(words))
    assert attach.kind(words, whole, whole, quantity) == kind


def test_clauses_split_at_commas_but_not_inside_quotes_or_between_coordinated_groups():
    text = "对城乡低保对象、特困人员增发补贴1.13亿元,对“一门受理、协同办理”平台受理8.23万件次。"
    clauses = segment.clauses(text, Span(0, len(text)))
    assert [c.of(text) for c in clauses] == ["对城乡低保对象、特困人员增发补贴1.13亿元", "对“一门受理、协同办理”平台受理8.23万件次"]


def test_coordinated_names_sharing_a_head_noun_are_two_groups(tmp_path):
    x = report(tmp_path, "01改革\n对低保边缘家庭中的重残、重病人员按“单人户”纳入低保,全年纳入保障120人。\n")
    assert {m.name for m in x.mentions if m.kind == "target-group"} >= {"重残人员", "重病人员", "低保边缘家庭"}
    assert linked(x, "120人", "target-group") == {"重残人员", "重病人员"}


def test_an_agency_that_opens_the_sentence_acts_in_its_later_clauses(tmp_path):
    x = report(tmp_path, "01改革\n公安机关开展专项打击,立案侦查案件12个,移交其他部门3个。\n")
    (ind,) = [i for i in x.indicators if i.quantity.span.of(x.text) == "12个"]
    assert {(l.mention.name, l.rule) for l in ind.links if l.kind == "agency"} == {("公安机关", "sentence-subject")}
    (role,) = [r for r in x.roles if r.agency.name == "公安机关"]
    assert role.role == "implementer"


def test_every_span_is_found_in_the_page_as_published_at_its_published_offsets(built):
    """rkg:publishedStart/End index the report's file as published: the quote is there, word for word
    (a span across paragraphs takes in the page's line breaks and indentation between them)."""
    import re as _re

    from pyoxigraph import RdfFormat, Store

    store = Store()
    store.load(built.nquads, format=RdfFormat.N_QUADS)
    raw = (ROOT / "graph" / "sources" / "cq-civil-affairs-2022-ten-reforms.txt").read_text(encoding="utf-8")
    rows = list(store.query("""PREFIX rkg: <https://w3id.org/reformkg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?exact ?ps ?pe WHERE { ?s rkg:publishedStart ?ps ; rkg:publishedEnd ?pe ;
          oa:hasSelector/oa:exact ?exact }""", use_default_graph_as_union=True))
    assert len(rows) > 200
    for row in rows:
        published = raw[int(row["ps"].value) : int(row["pe"].value)]
        assert _re.sub(r"\s*\n\s*", "\n", published) == row["exact"].value


def test_short_forms_resolve_in_the_reports_own_place_only(tmp_path):
    x = report(tmp_path, "一、改革\n经市政府同意,联合市财政局印发《合肥市居家养老服务补贴实施方案》。\n"
                         "二、改革\n一是会同市卫生健康委建成机构85家。二是全年新增床位10张。\n",
               publisher="合肥市民政局", place="合肥")
    names = {m.name for m in x.mentions if m.kind == "agency"}
    assert "重庆市人民政府" not in names  # 市政府 is Chongqing's only in a Chongqing report
    assert {"合肥市财政局", "合肥市卫生健康委"} <= names
    (citation,) = x.citations
    assert [i.name for i in citation.issuers] == ["合肥市财政局"]
    assert {(r.agency.name, r.role) for r in x.roles} >= {("合肥市财政局", "co-actor"), ("合肥市卫生健康委", "co-actor")}


@pytest.mark.parametrize("body, titles", [
    ("一、深化救助改革\n一是提高标准。\n二、推进养老服务\n一是建设中心。\n", ["深化救助改革", "推进养老服务"]),
    ("（一）织密服务圈\n①新建中心36个。\n（二）推进医养结合\n①建成机构85家。\n", ["织密服务圈", "推进医养结合"]),
    ("第一，深化就业服务\n举办招聘会46场。\n第二，完善优抚机制\n惠及2.3万人。\n", ["深化就业服务", "完善优抚机制"]),
    ("1. 深化康养改革\n第一，建成中心15个。第二，新增床位260床。\n2. 完善社会救助\n全年纳入126户。\n", ["深化康养改革", "完善社会救助"]),
])
def test_reform_headings_in_every_numbering_style_of_the_genre(tmp_path, body, titles):
    x = report(tmp_path, body)
    assert [s.title.of(x.text) for s in x.sections] == titles


def test_a_report_without_headings_is_one_reform_numbered_0(tmp_path):
    x = report(tmp_path, "全年发放补贴3200余万元。\n建成帮扶车间84个。\n")
    assert [s.number for s in x.sections] == [0]
    assert [i.reform for i in x.indicators] == [0, 0]


@pytest.mark.parametrize("words, value, unit, qualifier", [
    ("惠及约186万人", "1860000", "人", "约"), ("近210万人", "2100000", "人", "近"), ("3000人以上", "3000", "人", "以上"),
    ("5万人左右", "50000", "人", "左右"), ("惠及三千余人", "3000", "人", "余"), ("走访两万多户", "20000", "户", "多"),
    ("提高2个百分点", "2", "个百分点", None), ("化解纠纷1100余起", "1100", "起", "余"),
])
def test_approximation_words_numerals_and_measure_words_of_the_genre(words, value, unit, qualifier):
    from decimal import Decimal

    from reformkg.graph import quantities

    (q,) = quantities.find(words, Span(0, len(words)))
    assert (q.value, q.unit, q.qualifier) == (Decimal(value), unit, qualifier)


def test_numeral_words_that_count_no_work_are_not_figures():
    from reformkg.graph import quantities

    text = "一是压实三个责任,推进十大改革"
    assert quantities.find(text, Span(0, len(text))) == []


def test_a_clause_opening_with_the_whole_year_or_area_ends_the_programmes_topic(tmp_path):
    x = report(tmp_path, "01改革\n在两个街道试点“邻里互助”服务模式,结对帮扶460户,全年为老年人送餐12万人次,"
                         "比上年增加1.5万人次。\n实施社区助餐提升行动,全市新建助餐点90个。\n")
    assert linked(x, "460户", "programme") == {"邻里互助"}
    assert linked(x, "12万人次", "programme") == set()  # 全年…: the year's total, not the pilot's
    assert linked(x, "1.5万人次", "programme") == set()  # goes on with that total
    assert linked(x, "90个", "programme") == set()  # 全市…


def test_a_programme_named_as_the_means_of_a_clause_is_that_clauses_only(tmp_path):
    x = report(tmp_path, "01改革\n通过农村互助养老提质行动新建互助点300个,为留守老年人配送物资2万件。\n"
                         "依托社区微治理工程化解矛盾纠纷800余起。\n")
    assert linked(x, "300个", "programme") == {"农村互助养老提质行动"}
    assert linked(x, "2万件", "programme") == set()  # a new verb with its own object
    assert linked(x, "800余起", "programme") == {"社区微治理工程"}


def test_a_local_bodys_name_ends_before_the_verb_that_follows_it(tmp_path):
    x = report(tmp_path, "01改革\n会同市退役军人事务局安置退役士兵420名。\n")
    assert linked(x, "420名", "agency") == {"重庆市退役军人事务局"}
    assert {(r.agency.name, r.role) for r in x.roles} == {("重庆市退役军人事务局", "co-actor")}


def test_people_called_cadres_are_no_ministry(tmp_path):
    x = report(tmp_path, "01改革\n走访慰问退休干部350名。\n")
    assert not [m for m in x.mentions if m.kind == "agency"]
    assert linked(x, "350名", "agency") == set()


def test_an_agency_opening_the_clause_after_the_items_lead_is_the_subject_of_later_figures(tmp_path):
    x = report(tmp_path, "01改革\n二是加强队伍建设,市卫生健康委将社区医生纳入培训计划,全年培训社区医生2600人次。"
                         "三是开展专项检查,排查隐患80处,公安机关查处案件7起,约谈企业15家。\n")
    assert linked(x, "2600人次", "agency") == {"重庆市卫生健康委"}
    assert linked(x, "7起", "agency") == {"公安机关"}
    assert linked(x, "15家", "agency") == set()  # a subject within a list of results is its own figure's only


def test_an_ellipsis_of_a_standard_paid_per_person_inherits_the_group(tmp_path):
    x = report(tmp_path, "01改革\n孤儿基本生活费集中养育提高到每人每月1800元,分散养育提高到每人每月1400元。\n")
    assert linked(x, "1400元", "target-group") == {"孤儿"}


def test_a_clause_stating_only_a_change_counts_the_group_of_the_figure_before_it(tmp_path):
    x = report(tmp_path, "01改革\n全年为残疾人提供托养服务5200人次,同比增长9%。\n")
    (ind,) = [i for i in x.indicators if i.quantity.span.of(x.text) == "9%"]
    assert {(l.mention.name, l.rule) for l in ind.links if l.kind == "target-group"} == {("残疾人", "change-of-previous")}


def test_a_count_of_households_does_not_count_a_population(tmp_path):
    x = report(tmp_path, "01改革\n组织开展农村低收入人口帮扶排查,上门核查3万余户。\n"
                         "将防止返贫监测对象纳入帮扶,全年纳入210户。\n")
    assert linked(x, "3万余户", "target-group") == set()
    assert linked(x, "210户", "target-group") == {"防止返贫监测对象"}


def test_the_publisher_named_in_its_own_report_keeps_only_its_default_role(tmp_path):
    x = report(tmp_path, "01改革\n2022年,市民政局认真落实中央部署,新建社区食堂40个。\n",
               publisher="合肥市民政局", place="合肥")
    assert "合肥市民政局" in {m.name for m in x.mentions if m.kind == "agency"}
    assert [r for r in x.roles if r.agency.slug == x.publisher.slug] == []
    assert linked(x, "40个", "agency") == set()


def test_bodies_that_jointly_issue_the_reforms_own_document_are_co_actors(tmp_path):
    x = report(tmp_path, "01改革\n市民政局、市财政局联合印发《重庆市困难群众救助资金管理办法》。\n"
                         "贯彻民政部等9部门联合印发的《关于加强困难群众救助工作的通知》。\n")
    assert {(r.agency.name, r.role) for r in x.roles} == {("重庆市财政局", "co-actor")}
    assert "民政部" not in {r.agency.name for r in x.roles}  # issuers of a document it only implements


def test_a_count_of_the_bodies_that_issued_a_document_is_no_figure(tmp_path):
    x = report(tmp_path, "01改革\n落实国家发展改革委等15部门联合印发的《意见》,建成服务站30个。\n")
    assert [i.quantity.span.of(x.text) for i in x.indicators] == ["30个"]


def test_a_quoted_plan_period_dates_the_plan_named_after_it(tmp_path):
    x = report(tmp_path, "01改革\n实施“十四五”社区养老服务质量提升计划,建成示范站20个。\n")
    assert {m.name for m in x.mentions if m.kind == "programme"} == {"社区养老服务质量提升计划"}
    assert linked(x, "20个", "programme") == {"社区养老服务质量提升计划"}


def test_a_quoted_name_of_the_reform_a_heading_deepens_is_a_programme(tmp_path):
    x = report(tmp_path, "01深化殡葬服务“一站办”改革\n全年办理业务3200件。\n（二）织密“10分钟助残服务圈”\n")
    assert {m.name for m in x.mentions if m.kind == "programme"} >= {"一站办", "10分钟助残服务圈"}


def test_every_agency_of_a_list_that_opens_the_sentence_is_its_subject(tmp_path):
    x = report(tmp_path, "01改革\n市教委、市卫生健康委联合开展视力筛查,筛查学生18万人次。\n")
    assert linked(x, "18万人次", "agency") == {"重庆市教委", "重庆市卫生健康委"}


def test_a_campaign_coordinated_after_a_quoted_one_is_a_programme_too(tmp_path):
    x = report(tmp_path, "01改革\n实施养老机构违规收费“动态清零”和服务质量提升行动。\n")
    assert {m.name for m in x.mentions if m.kind == "programme"} == {"动态清零", "服务质量提升行动"}


def test_a_level_used_as_an_adjective_or_a_facility_is_no_acting_body(tmp_path):
    x = report(tmp_path, "01改革\n县级康复服务中心新增床位120张,区域助残服务中心覆盖率达到75%。\n")
    assert not [m for m in x.mentions if m.kind == "agency"]


def test_a_he_inside_a_bodys_name_joins_two_fields_of_one_body(tmp_path):
    x = report(tmp_path, "01改革\n会同市教育和体育局开展视力筛查,筛查学生18万人次。\n")
    assert {(r.agency.name, r.role) for r in x.roles} == {("重庆市教育和体育局", "co-actor")}


def test_a_corps_is_a_body_that_acts(tmp_path):
    x = report(tmp_path, "01改革\n市消防救援总队开展应急演练,全年组织演练120场。\n")
    assert linked(x, "120场", "agency") == {"重庆市消防救援总队"}


def test_a_body_that_guides_the_work_of_its_sentence_acts_in_it(tmp_path):
    x = report(tmp_path, "01改革\n在市卫生健康委的指导下,全市基层医疗机构为老年人免费体检4.6万人。\n")
    assert linked(x, "4.6万人", "agency") == {"重庆市卫生健康委"}
    assert {(r.agency.name, r.role) for r in x.roles} == {("重庆市卫生健康委", "implementer")}


def test_the_departments_of_a_lower_level_opening_the_sentence_are_its_subject(tmp_path):
    x = report(tmp_path, "01改革\n各区县应急管理部门全面推行联合检查,全年检查企业2300家。\n")
    assert linked(x, "2300家", "agency") == {"区县应急管理部门"}


def test_bodies_named_after_an_opening_by_are_the_sentences_subject(tmp_path):
    x = report(tmp_path, "01改革\n由市水利局、市规划自然资源局分别负责隐患排查,共排查隐患点1.4万处。\n")
    assert linked(x, "1.4万处", "agency") == {"重庆市水利局", "重庆市规划自然资源局"}


def test_the_bodies_a_subject_acts_together_with_act_in_the_later_clauses(tmp_path):
    x = report(tmp_path, "01改革\n市人力社保局会同市住房城乡建委开展专项行动,为农民工追讨工资2.3亿元。\n")
    assert linked(x, "2.3亿元", "agency") == {"重庆市人力社保局", "重庆市住房城乡建委"}


def test_the_publisher_opening_a_list_of_subjects_leaves_the_others_acting(tmp_path):
    x = report(tmp_path, "01改革\n市民政局、市教委分别开展心理筛查,共筛查学生9.8万人次。\n")
    assert linked(x, "9.8万人次", "agency") == {"重庆市教委"}


def test_a_body_that_only_helps_is_no_subject_of_the_later_figures(tmp_path):
    x = report(tmp_path, "01改革\n市大数据局配合建设信息平台,全市电子档案建档率达到92%。\n")
    assert linked(x, "92%", "agency") == set()
    assert {(r.agency.name, r.role) for r in x.roles} == {("重庆市大数据局", "co-actor")}


@pytest.mark.parametrize("body, names", [
    ("帮助高校毕业生、被征地农民等重点群体就业1.3万人。", {"高校毕业生", "被征地农民", "重点群体"}),
    ("为新就业形态劳动者开展职业伤害保障试点。", {"新就业形态劳动者"}),
    ("重点人群签约率达到78%。", {"重点人群"}),
    ("因灾遇难人员家属抚慰金提高到每人2万元。", {"因灾遇难人员家属"}),
    ("为因灾倒损住房农户重建住房2300户。", {"因灾倒损住房农户"}),
])
def test_groups_named_for_employment_health_and_disaster_relief_are_found(tmp_path, body, names):
    x = report(tmp_path, "01改革\n" + body + "\n")
    assert {m.name for m in x.mentions if m.kind == "target-group"} == names


@pytest.mark.parametrize("body, quote, names", [
    ("营救遇险群众4200余人。", "4200余人", {"遇险群众"}),
    ("全年认定零就业家庭86户。", "86户", {"零就业家庭"}),
    ("共筛查中小学生9.8万人次。", "9.8万人次", {"中小学生"}),
    ("组织离校未就业高校毕业生参加就业见习1150人。", "1150人", {"离校未就业高校毕业生"}),
])
def test_a_groups_name_starts_after_the_verb_of_the_work_done_for_it(tmp_path, body, quote, names):
    x = report(tmp_path, "01改革\n" + body + "\n")
    assert linked(x, quote, "target-group") == names


def test_workers_alone_are_a_group(tmp_path):
    x = report(tmp_path, "01改革\n签订集体合同460份,覆盖职工8.6万人。\n")
    assert linked(x, "8.6万人", "target-group") == {"职工"}


def test_a_group_naming_an_insurance_scheme_is_no_group_of_the_clause(tmp_path):
    x = report(tmp_path, "01改革\n城乡居民基本养老保险参保率稳定在97%以上,新增灵活就业人员参加职工养老保险5800人。\n")
    assert linked(x, "97%以上", "target-group") == set()
    assert linked(x, "5800人", "target-group") == {"灵活就业人员"}


@pytest.mark.parametrize("body, quote, names", [
    ("为失能、半失能老年人提供上门护理6800人次。", "6800人次", {"失能老年人", "半失能老年人"}),
    ("为高血压、糖尿病患者提供管理服务3.2万人。", "3.2万人", {"高血压患者", "糖尿病患者"}),
])
def test_a_conjunct_without_a_head_takes_the_head_of_the_group_after_it(tmp_path, body, quote, names):
    x = report(tmp_path, "01改革\n" + body + "\n")
    assert linked(x, quote, "target-group") == names


def test_a_body_named_after_with_acts_together_with_the_publisher(tmp_path):
    x = report(tmp_path, "01改革\n与市检察院建立衔接机制,全年移送案件27件。\n")
    assert {(r.agency.slug, r.role) for r in x.roles} == {("cq-procuratorate", "co-actor")}


def test_a_place_that_says_where_bodies_come_from_is_not_where_the_measure_happens(cq):
    # 组织…全国性社会组织、山东及其它东部省(市)社会组织…开展…帮扶: the organisations come from Shandong.
    from reformkg.graph.places import names_origin

    (shandong,) = [m for m in cq.mentions if m.kind == "place" and m.name == "山东"]
    assert names_origin(cq.text, shandong.span.end, len(cq.text))
    assert not names_origin("在景德镇市、九江市开展培训", len("在景德镇市"), 13)
    assert not names_origin("山东开展社会组织培训", len("山东"), 10)
