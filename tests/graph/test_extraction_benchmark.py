"""The extraction benchmark's scorer (benchmarks/extraction.py) on tiny hand-made inputs, and the
Chongqing gold it scores against. No extraction score is asserted: those move as the extractor improves.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store

from reformkg.graph.build import BuildError

ROOT = Path(__file__).resolve().parents[2]
CHONGQING_GOLD = ROOT / "tests" / "fixtures" / "corpus" / "gold" / "cq-civil-affairs-2022.gold.toml"


def _load_benchmark():
    # benchmarks/ is a folder of scripts, not a package: load the script as a module of its own.
    spec = importlib.util.spec_from_file_location("extraction_benchmark", ROOT / "benchmarks" / "extraction.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark()

TARGET_MODEL = """
@prefix rkg: <https://w3id.org/reformkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .

ex:report a rkg:Report ; dcterms:spatial ex:chongqing .
ex:r1 a rkg:Reform ; rkg:number 1 ; dcterms:title "改革一"@zh , "Reform one"@en ;
    rkg:hasMeasure ex:m1 , ex:m2 ; prov:qualifiedAssociation ex:q1 ;
    rkg:implements ex:opinions ; dcterms:references ex:opinions , ex:regulation ;
    rkg:targetGroup ex:elderly ; dcterms:spatial ex:chongqing .
ex:r2 a rkg:Reform ; rkg:number 2 ; dcterms:title "改革二"@zh .
ex:m1 dcterms:spatial ex:banan ; rkg:targetGroup ex:minors ; prov:qualifiedAssociation ex:q2 .
ex:q1 prov:agent ex:bureau ; prov:hadRole rkg:PublisherRole .
ex:q2 prov:agent ex:police ; prov:hadRole rkg:ImplementerRole .
ex:bureau skos:prefLabel "重庆市民政局"@zh ; rdfs:label "重庆市民政局"@zh , "Civil Affairs Bureau"@en .
ex:police skos:prefLabel "公安机关"@zh .
ex:opinions a rkg:PolicyDocument ; dcterms:title "关于改革的意见"@zh ; dcterms:creator ex:bureau .
ex:regulation a rkg:PolicyDocument ; dcterms:title "地名管理条例"@zh .
ex:elderly skos:prefLabel "老年人"@zh .
ex:minors skos:prefLabel "未成年人"@zh .
ex:banan rdfs:label "巴南区"@zh .
ex:chongqing rdfs:label "重庆"@zh .
ex:bank a rkg:Programme ; rdfs:label "时间银行"@zh ; rkg:reform ex:r1 .
ex:yuan skos:notation "元" .
ex:i1 a rkg:Indicator ; rkg:reform ex:r1 ; sdmx-measure:obsValue "80.0"^^xsd:decimal ;
    sdmx-attribute:unitMeasure ex:yuan ; rkg:approximate false ;
    rkg:indicatorKind <https://w3id.org/reformkg/indicator-kind/standard> ;
    rkg:targetGroup ex:elderly ; rkg:agency ex:police ; rkg:programme ex:bank .
ex:i2 a rkg:Indicator ; rkg:reform ex:r1 ; sdmx-measure:obsValue "80"^^xsd:decimal ;
    sdmx-attribute:unitMeasure ex:yuan ; rkg:approximate true ; rkg:programme rkg:NoProgramme .
"""


def store_of(turtle: str) -> Store:
    store = Store()
    # Into a named graph, as the build writes: the queries must read the union of the graphs.
    store.load(turtle.encode("utf-8"), format=RdfFormat.TURTLE, to_graph=NamedNode("https://example.org/graph"))
    return store


# --- matching and scores ----------------------------------------------------------------------------


def test_precision_recall_and_f1_of_a_known_set_of_matches():
    s = bench.score(gold=[(1, "a"), (1, "b"), (2, "c")], found=[(1, "a"), (2, "c"), (3, "x"), (3, "y")])
    assert (s.tp, s.fp, s.fn) == (2, 2, 1)
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(4 / 7)
    assert s.false_negatives == [(1, "b")]
    assert s.false_positives == [(3, "x"), (3, "y")]


def test_a_gold_name_matches_any_of_its_alternatives_and_nothing_else():
    gold = [(3, "市检察院|重庆市人民检察院")]
    assert bench.score(gold, [(3, "重庆市人民检察院")]).tp == 1
    assert bench.score(gold, [(3, "市检察院")]).tp == 1
    assert bench.score(gold, [(3, "检察院")]).tp == 0
    assert bench.score(gold, [(4, "市检察院")]).tp == 0


def test_alternatives_are_paired_so_that_most_facts_match():
    # A greedy pairing gives A|B the found A and leaves the gold A without a partner.
    s = bench.score(gold=[("A|B",), ("A",)], found=[("A",), ("B",)])
    assert (s.tp, s.fp, s.fn) == (2, 0, 0)


def test_repeated_facts_match_as_multisets():
    eighty = (9, Decimal("80"), "元")
    once, thrice = bench.score([eighty, eighty], [eighty]), bench.score([eighty, eighty], [eighty] * 3)
    assert (once.tp, once.fp, once.fn) == (1, 0, 1)
    assert (thrice.tp, thrice.fp, thrice.fn) == (2, 1, 0)


def test_values_match_whatever_their_written_form():
    assert bench.score([(1, Decimal("82300"), "件次")], [(1, Decimal("8.23E+4"), "件次")]).tp == 1


def test_scores_without_facts_are_undefined_not_perfect():
    empty = bench.Score()
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    missed = bench.score([(1, "a")], [])
    assert (missed.precision, missed.recall, missed.f1) == (None, 0.0, 0.0)


# --- reading the graph ------------------------------------------------------------------------------


def test_the_queries_read_every_kind_from_the_target_model():
    facts = bench.graph_facts(store_of(TARGET_MODEL))
    eighty = (1, Decimal("80"), "元")
    assert sorted(facts["reform"]) == [(1, "改革一"), (2, "改革二")]
    assert sorted(facts["measures"]) == [(1, 2), (2, 0)]
    assert facts["indicator"] == [eighty, eighty]
    assert facts["approx"] == [eighty]
    assert sorted(facts["indicator-approx"]) == [(*eighty, False), (*eighty, True)]
    assert facts["indicator-kind"] == [(*eighty, "standard")]
    assert facts["indicator-group"] == [(*eighty, "老年人")]
    assert facts["indicator-agency"] == [(*eighty, "公安机关")]
    assert facts["indicator-programme"] == [(*eighty, "时间银行")]  # rkg:NoProgramme is no programme
    assert sorted(facts["agency-role"]) == [(1, "公安机关", "implementer"), (1, "重庆市民政局", "publisher")]
    assert sorted(facts["agency"]) == [(1, "公安机关"), (1, "重庆市民政局")]
    assert sorted(facts["document"]) == [(1, "关于改革的意见"), (1, "地名管理条例")]
    # dcterms:references is "cites" only where no more precise relation links the same document.
    assert sorted(facts["document-relation"]) == [(1, "关于改革的意见", "implements"), (1, "地名管理条例", "cites")]
    assert facts["document-issuer"] == [("关于改革的意见", "重庆市民政局")]
    assert sorted(facts["target-group"]) == [(1, "未成年人"), (1, "老年人")]
    assert facts["place"] == [(1, "巴南区")]  # the report's own place is not counted
    assert facts["programme"] == [(1, "时间银行")]


# --- gold -------------------------------------------------------------------------------------------


def write_gold(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


ONE_REFORM = '[[reform]]\nnumber = 1\ntitle = "改革一"\nmeasures = 2\n'


@pytest.mark.parametrize("entry, complaint", [
    ('[[indicator]]\nreform = 1\nvalue = "8.23万"\nunit = "件次"\napprox = false\nkind = "cumulative"\n'
     'target_groups = []\nagencies = []\nprogramme = ""\n', "not a decimal"),
    ('[[indicator]]\nreform = 1\nvalue = 0.3\nunit = "%"\napprox = false\nkind = "rate"\n'
     'target_groups = []\nagencies = []\nprogramme = ""\n', "quoted decimal"),
    ('[[indicator]]\nreform = 1\nvalue = "82300"\nunit = "件次"\napprox = false\nkind = "total"\n'
     'target_groups = []\nagencies = []\nprogramme = ""\n', "not one of"),
    ('[[agency]]\nreform = 1\nname = "公安机关"\nrole = "actor"\n', "not one of"),
    ('[[agency]]\nreform = 2\nname = "公安机关"\nrole = "implementer"\n', "reform 2"),
    ('[[place]]\nreform = 1\nplace = "巴南区"\n', "unknown field"),
    ('[[places]]\nreform = 1\nname = "巴南区"\n', "unknown table"),
    ('[programme]\nreform = 1\nname = "时间银行"\n', "array of tables"),
])
def test_malformed_gold_is_refused_naming_the_file(tmp_path, entry, complaint):
    path = write_gold(tmp_path / "bad.gold.toml", ONE_REFORM + entry)
    with pytest.raises(ValueError, match=complaint) as caught:
        bench.load_gold(path)
    assert str(path) in str(caught.value)


def first_alternatives(facts: list[tuple]) -> list[tuple]:
    return [tuple(f.split("|")[0] if isinstance(f, str) else f for f in fact) for fact in facts]


def test_the_chongqing_gold_is_well_formed_and_scores_itself_perfectly():
    facts = bench.load_gold(CHONGQING_GOLD)  # raises on any malformed entry
    data = tomllib.loads(CHONGQING_GOLD.read_text(encoding="utf-8"))
    assert [r["number"] for r in data["reform"]] == list(range(1, 11))
    for indicator in data["indicator"]:
        assert Decimal(indicator["value"]).is_finite()
        assert indicator["kind"] in bench.INDICATOR_KINDS
    assert {a["role"] for a in data["agency"]} <= bench.ROLES
    assert {d["relation"] for d in data["document"]} <= bench.RELATIONS
    publishers = [a["reform"] for a in data["agency"] if a["role"] == "publisher"]
    assert sorted(publishers) == list(range(1, 11))  # one publisher per reform
    for kind in bench.KINDS:
        s = bench.score(facts[kind], first_alternatives(facts[kind]))
        assert (s.fp, s.fn) == (0, 0), kind


def test_a_packaged_report_is_found_by_the_id_of_its_gold():
    found = {r.id: r for r in bench.discover(ROOT / "tests" / "fixtures" / "corpus")}
    chongqing = found["cq-civil-affairs-2022"]
    assert chongqing.metadata == ROOT / "graph" / "sources" / "cq-civil-affairs-2022-ten-reforms.toml"


# --- the corpus run ---------------------------------------------------------------------------------


def test_a_failing_report_scores_zero_recall_and_the_others_go_on(tmp_path):
    corpus, packaged = tmp_path / "corpus", tmp_path / "packaged"
    corpus.mkdir()
    packaged.mkdir()
    for stem in ("broken", "fine"):
        write_gold(corpus / f"{stem}.gold.toml", ONE_REFORM + '[[place]]\nreform = 1\nname = "巴南区"\n')
        (corpus / f"{stem}.toml").write_text(f'id = "{stem}"\nfile = "{stem}.txt"\n', encoding="utf-8")
    write_gold(corpus / "textless.gold.toml", ONE_REFORM)
    write_gold(corpus / "unreadable.gold.toml", "[[reform]]\nnumber = 1\n")

    def fake_build(metadata: Path) -> Store:
        if metadata.stem == "broken":
            raise BuildError("broken: no numbered reform sections found in broken.txt")
        return store_of(TARGET_MODEL)

    results = {r.id: r for r in bench.run(bench.discover(corpus, packaged), fake_build)}
    assert set(results) == {"broken", "fine", "textless", "unreadable"}

    broken = results["broken"]
    assert broken.error.startswith("BuildError: broken: no numbered reform sections")
    assert (broken.scores["reform"].recall, broken.scores["place"].recall) == (0.0, 0.0)
    assert all(s.tp == 0 and s.fp == 0 for s in broken.scores.values())
    assert "FileNotFoundError" in results["textless"].error
    assert results["unreadable"].error.startswith("gold not read") and results["unreadable"].scores == {}

    fine = results["fine"]
    assert fine.error is None
    assert (fine.scores["reform"].tp, fine.scores["measures"].tp, fine.scores["place"].tp) == (1, 1, 1)

    total = bench.total(list(results.values()))
    assert (total["reform"].tp, total["reform"].fn) == (1, 2)  # broken and textless count as missed

    page = bench.markdown(list(results.values()), dt.date(2024, 5, 1), validate_shapes=True)
    assert "2024-05-01" in page and "**Failed**: BuildError: broken" in page
    assert "- **indicator** (F1 0.000)\n  - false (2): 1 · 80 · 元; 1 · 80 · 元" in page  # what to fix, by fact
    assert "### broken\n\nNot built or not scored" in page
