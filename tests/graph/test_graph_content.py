"""What the reform graph must hold, asked of the real on-disk store with SPARQL."""
from __future__ import annotations

from decimal import Decimal

import pytest

PREFIXES = """
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
BASE = "https://w3id.org/reformkg/"
REPORT = BASE + "report/cq-civil-affairs-2022"


def rows(store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    return [{v.value: (s[v].value if s[v] is not None else None) for v in result.variables} for s in result]


def values(store, query: str) -> list[str]:
    return [next(iter(r.values())) for r in rows(store, query)]


def test_report_has_title_publisher_date_and_source_text(store):
    (r,) = rows(store, f"""SELECT ?title ?issued ?publisher ?text ?section WHERE {{
        <{REPORT}> dcterms:title ?title ; dcterms:issued ?issued ; dcterms:publisher/skos:prefLabel ?publisher ;
            rkg:section ?section ; rkg:sourceText/rdf:value ?text FILTER(lang(?publisher) = "zh") }}""")
    assert r["title"] == "2022年重庆民政十大改革"
    assert r["issued"] == "2023-02-06"
    assert r["publisher"] == "重庆市民政局"
    assert r["section"] == "民政动态/市级动态"
    assert r["text"].startswith("01持续深化社会救助体制改革")


def test_ten_reforms_numbered_with_zh_and_en_titles_and_summaries(store):
    found = rows(store, f"""SELECT ?n ?zh ?en ?summary WHERE {{
        <{REPORT}> rkg:hasReform ?r . ?r rkg:number ?n ; dcterms:title ?zh, ?en ; dcterms:abstract ?summary
        FILTER(lang(?zh) = "zh" && lang(?en) = "en") }} ORDER BY ?n""")
    assert [int(r["n"]) for r in found] == list(range(1, 11))
    assert found[0]["zh"] == "持续深化社会救助体制改革"
    assert found[5]["zh"] == "创新推进“五社联动”机制"
    assert all(r["en"] and r["summary"] and r["en"] != r["zh"] for r in found)


def test_every_yishi_item_is_a_measure_of_its_reform(store):
    counts = dict(
        (int(r["n"]), int(r["c"]))
        for r in rows(store, """SELECT ?n (COUNT(?m) AS ?c) WHERE {
            ?r a rkg:Reform ; rkg:number ?n . OPTIONAL { ?m a rkg:Measure ; rkg:number ?k ; rkg:reform ?r
            FILTER NOT EXISTS { ?m a rkg:Programme } } } GROUP BY ?n""")
    )
    # Reforms 1 and 5 enumerate no items: each action sentence is a measure.
    assert counts == {1: 5, 2: 4, 3: 3, 4: 4, 5: 6, 6: 4, 7: 3, 8: 4, 9: 4, 10: 3}
    titles = values(store, f"""SELECT ?t WHERE {{ <{REPORT}/reform/2/measure/1> dcterms:title ?t FILTER(lang(?t)="zh") }}""")
    assert titles == ["出台基本养老服务清单"]


@pytest.mark.parametrize(
    "name, kind",
    [("一门受理、协同办理", "mechanism"), ("时间银行", "model"), ("老吾老", "programme"),
     ("渝快社区", "platform"), ("重庆慈善周", "event"), ("单人保", "policy")],
)
def test_named_mechanisms_and_programmes_are_measures_linked_to_their_reform(store, name, kind):
    found = rows(store, f"""SELECT ?p ?kind ?reform WHERE {{ ?p a rkg:Programme ; rdfs:label "{name}"@zh ;
        rkg:programmeKind ?kind ; rkg:reform ?reform . ?reform a rkg:Reform . ?p a/rdfs:subClassOf* rkg:Measure }}""")
    assert found, name
    assert found[0]["kind"].endswith("/" + kind)


@pytest.mark.parametrize(
    "name",
    ["中共中央办公厅", "国务院办公厅", "民政部", "国家乡村振兴局", "重庆市人民检察院", "重庆市乡村振兴局", "公安机关",
     "税务部门", "财政部门", "规划自然资源部门", "住房城乡建设部门", "重庆市民政局"],
)
def test_agencies_are_org_organizations_with_zh_and_en_labels(store, name):
    found = rows(store, f"""SELECT ?a ?en WHERE {{ ?a a org:Organization ; skos:prefLabel "{name}"@zh, ?en
        FILTER(lang(?en) = "en") }}""")
    assert len(found) == 1, name


def test_agencies_are_linked_to_the_measures_or_documents_they_act_in(store):
    unlinked = values(store, """SELECT ?a WHERE { ?a a org:Organization .
        FILTER NOT EXISTS { ?x prov:wasAssociatedWith|dcterms:creator|dcterms:publisher|rkg:agency ?a } }""")
    assert unlinked == []


@pytest.mark.parametrize(
    "narrow, broad",
    [("特困人员", "困难群众"), ("城乡低保对象", "困难群众"), ("低收入人口", "困难群众"),
     ("精神障碍患者", "残疾人"), ("失能特困人员", "特困人员")],
)
def test_target_groups_form_a_skos_hierarchy(store, narrow, broad):
    assert store.query(PREFIXES + f"""ASK {{ ?n skos:prefLabel "{narrow}"@zh ; skos:broader+ ?b .
        ?b skos:prefLabel "{broad}"@zh ; skos:inScheme <{BASE}scheme/target-groups> . ?b skos:narrower ?n2 }}""",
        use_default_graph_as_union=True)


@pytest.mark.parametrize("name", ["困难群众", "低收入人口", "老年人", "未成年人", "残疾人", "精神障碍患者", "城乡低保对象", "特困人员"])
def test_target_groups_are_served_by_a_reform(store, name):
    assert store.query(PREFIXES + f"""ASK {{ ?g a skos:Concept ; skos:prefLabel "{name}"@zh .
        ?x rkg:targetGroup ?g }}""", use_default_graph_as_union=True)


def test_every_quantity_of_the_report_is_an_indicator(store):
    assert values(store, "SELECT (COUNT(?i) AS ?n) WHERE { ?i a rkg:Indicator }") == ["56"]


@pytest.mark.parametrize(
    "quote, value, unit, approx, period",
    [("8.23万件次", "82300", "件次", "false", "2022"), ("1.13亿元", "113000000", "元", "false", "2022"),
     ("110余万", "1100000", "人", "true", "2022"), ("3025人次", "3025", "人次", "false", "2022-onwards"),
     ("2700多条", "2700", "条", "true", "2022"), ("98%", "98", "%", "false", "2022")],
)
def test_indicator_values_units_qualifiers_and_periods(store, quote, value, unit, approx, period):
    (r,) = rows(store, f"""SELECT ?value ?unit ?approx ?period ?dt WHERE {{ ?i a rkg:Indicator ;
        sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure/skos:notation ?unit ; rkg:approximate ?approx ;
        sdmx-dimension:refPeriod ?period ; rkg:evidence/oa:hasSelector/oa:exact "{quote}" BIND(datatype(?value) AS ?dt) }}""")
    assert Decimal(r["value"]) == Decimal(value)
    assert r["dt"].endswith("#decimal")
    assert (r["unit"], r["approx"]) == (unit, approx)
    assert r["period"] == f"{BASE}period/{period}"


def test_indicators_link_to_reform_measure_target_group_and_place(store):
    (r,) = rows(store, """SELECT ?n ?m ?g ?place WHERE { ?i a rkg:Indicator ; rkg:evidence/oa:hasSelector/oa:exact "5000户" ;
        rkg:reform/rkg:number ?n ; rkg:measure/rkg:number ?m ; rkg:targetGroup/skos:prefLabel ?g . FILTER(lang(?g) = "zh")
        OPTIONAL { ?i dcterms:spatial ?place } }""")
    assert (r["n"], r["m"], r["g"]) == ("2", "2", "老年人家庭")
    places = values(store, """SELECT ?p WHERE { ?i rkg:evidence/oa:hasSelector/oa:exact "8.23万件次" ; dcterms:spatial ?p }""")
    assert places == [BASE + "place/chongqing"]


def test_units_map_to_qudt_and_iso_4217(store):
    assert store.query(PREFIXES + """ASK { ?u skos:notation "元" ; skos:exactMatch <http://qudt.org/vocab/currency/CNY> .
        ?p skos:notation "%" ; skos:exactMatch <http://qudt.org/vocab/unit/PERCENT> }""", use_default_graph_as_union=True)


def test_every_cited_document_is_typed_with_its_issuers(store):
    docs = rows(store, """SELECT ?d ?t (COUNT(DISTINCT ?issuer) AS ?n) WHERE { ?d a rkg:PolicyDocument ;
        dcterms:title ?t FILTER(lang(?t) = "zh") OPTIONAL { ?d dcterms:creator ?issuer } } GROUP BY ?d ?t""")
    assert len(docs) == 10
    issuers = {r["t"]: int(r["n"]) for r in docs}
    assert issuers["关于改革完善社会救助制度的意见"] == 2
    assert issuers["民政部 国家乡村振兴局关于动员引导社会组织参与乡村振兴工作的通知"] == 2
    # 联合市检察院印发《…》 names the procuratorate; the bureau is only implied, so not stated.
    assert issuers["重庆市民政系统密切接触未成年人岗位工作人员犯罪记录查询工作暂行办法"] == 1


def test_places_link_to_wikidata_only_where_certain(store):
    links = dict((r["l"], r["wd"]) for r in rows(store, """SELECT ?l ?wd WHERE { ?p a dcterms:Location ;
        rdfs:label ?l ; owl:sameAs ?wd FILTER(lang(?l) = "zh") }"""))
    assert links == {"重庆": "http://www.wikidata.org/entity/Q11725", "山东": "http://www.wikidata.org/entity/Q43407"}
    assert "Q124540171" not in str(links)
    names = set(values(store, """SELECT ?l WHERE { ?p a dcterms:Location ; rdfs:label ?l FILTER(lang(?l) = "zh") }"""))
    assert {"重庆", "山东", "巴南区", "永川区", "大足区"} <= names


def test_shandong_is_where_reform_5s_organisations_come_from_not_where_it_happens(store):
    # 组织…全国性社会组织、山东及其它东部省(市)社会组织…开展…帮扶
    def linked(predicate: str) -> set[str]:
        return set(values(store, f"""SELECT ?n WHERE {{ ?r a rkg:Reform ; rkg:number ?n ; (rkg:hasMeasure?)/{predicate}
            <{BASE}place/shandong> }}"""))

    assert linked("rkg:bodiesFrom") == {"5"}
    assert linked("dcterms:spatial") == set()

def test_every_span_quotes_the_clean_text_exactly(store, built):
    text = built.texts["cq-civil-affairs-2022"]
    spans = rows(store, """SELECT ?exact ?start ?end ?prefix WHERE { ?s a oa:SpecificResource ;
        oa:hasSelector ?q, ?p . ?q a oa:TextQuoteSelector ; oa:exact ?exact . OPTIONAL { ?q oa:prefix ?prefix }
        ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }""")
    assert len(spans) > 100
    for s in spans:
        start, end = int(s["start"]), int(s["end"])
        assert text[start:end] == s["exact"]
        if s["prefix"]:
            assert text[:start].endswith(s["prefix"])


def test_reforms_measures_indicators_and_documents_all_have_provenance(store):
    missing = values(store, """SELECT ?x WHERE { VALUES ?c { rkg:Reform rkg:Measure rkg:Indicator rkg:PolicyDocument }
        ?x a ?c FILTER NOT EXISTS { ?x rkg:evidence/oa:hasSelector/oa:exact ?q } }""")
    assert missing == []


def test_named_graphs_separate_ontology_report_curation_and_metadata(store):
    graphs = sorted(g.value for g in store.named_graphs())
    assert graphs == [BASE + "graph/curation", BASE + "graph/entities", BASE + "graph/metadata",
                      BASE + "graph/ontology", BASE + "graph/report/cq-civil-affairs-2022"]
    # English labels are curation, not extraction.
    assert not store.query(PREFIXES + f"""ASK {{ GRAPH <{BASE}graph/report/cq-civil-affairs-2022> {{
        ?s rdfs:label|dcterms:title|skos:prefLabel ?o FILTER(lang(?o) = "en")
        FILTER NOT EXISTS {{ ?s a skos:Concept }} }} }}""")
