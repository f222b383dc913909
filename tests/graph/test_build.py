"""The build: deterministic bytes, SHACL enforced, atomic store swap, and a second report with no code change."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from pyoxigraph import Store

from reformkg.graph.build import BuildError, Paths, build
from reformkg.service.cli import main
from reformkg.service.store.install import current_store

from ..conftest import ROOT, SOURCE_PATHS

SECOND = ROOT / "tests" / "fixtures" / "second-report"


def test_build_twice_gives_identical_bytes(built):
    assert build(SOURCE_PATHS).nquads == built.nquads


def test_build_conforms_to_the_shapes_and_fills_every_graph(built):
    assert set(built.graphs) == {
        "https://w3id.org/reformkg/graph/ontology",
        "https://w3id.org/reformkg/graph/report/cq-civil-affairs-2022",
        "https://w3id.org/reformkg/graph/curation",
        "https://w3id.org/reformkg/graph/entities",
        "https://w3id.org/reformkg/graph/metadata",
    }
    assert all(count > 10 for count in built.graphs.values())
    assert not [w for w in built.warnings if "english" in w.lower() or "@en" in w]


def test_cli_build_twice_writes_identical_dataset_files(tmp_path):
    runner = CliRunner(env={"SOURCE_DATE_EPOCH": "1714564800"})  # the same build time, as reproducible builds set it
    first = runner.invoke(main, ["build", "--data-dir", str(tmp_path / "a")])
    second = runner.invoke(main, ["build", "--data-dir", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    a = (tmp_path / "a" / "dataset" / "reformkg.nq").read_bytes()
    assert a == (tmp_path / "b" / "dataset" / "reformkg.nq").read_bytes()
    store = Store.read_only(str(current_store(tmp_path / "a")))
    assert len(store) == a.count(b"\n")


def test_a_shape_violation_fails_the_build_with_a_readable_report(tmp_path):
    ontology = tmp_path / "ontology"
    shutil.copytree(SOURCE_PATHS.ontology, ontology)
    # Demand a property no reform has: every reform now violates the shapes.
    (ontology / "shapes.ttl").write_text(
        (ontology / "shapes.ttl").read_text(encoding="utf-8")
        + """
<urn:test:shape> a <http://www.w3.org/ns/shacl#NodeShape> ;
  <http://www.w3.org/ns/shacl#targetClass> <https://w3id.org/reformkg/ontology#Reform> ;
  <http://www.w3.org/ns/shacl#property> [ <http://www.w3.org/ns/shacl#path> <urn:test:missing> ;
     <http://www.w3.org/ns/shacl#minCount> 1 ] .
""",
        encoding="utf-8",
    )
    with pytest.raises(BuildError) as error:
        build(Paths(SOURCE_PATHS.sources, SOURCE_PATHS.curation, ontology))
    assert "report/cq-civil-affairs-2022/reform/1" in str(error.value)
    assert "urn:test:missing" in str(error.value)


def test_a_failed_build_leaves_the_previous_store_intact(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--data-dir", str(tmp_path)]).exit_code == 0
    before = current_store(tmp_path)
    count = len(Store.read_only(str(before)))

    def broken(*args, **kwargs):
        raise BuildError("simulated: the sources do not parse")

    monkeypatch.setattr("reformkg.graph.build.build", broken)
    result = runner.invoke(main, ["build", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "store is unchanged" in result.output
    assert current_store(tmp_path) == before
    assert len(Store.read_only(str(before))) == count


def test_a_second_report_of_the_same_genre_builds_with_no_code_change(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    for path in SECOND.iterdir():
        shutil.copy(path, sources)
    for path in SOURCE_PATHS.sources[0].glob("cq-*"):
        shutil.copy(path, sources)
    result = build(Paths(sources, SOURCE_PATHS.curation, SOURCE_PATHS.ontology))
    assert result.reports == ["cq-civil-affairs-2022", "sc-civil-affairs-2023"]
    store = Store()
    store.load(result.nquads, format=__import__("pyoxigraph").RdfFormat.N_QUADS)
    q = lambda text: list(store.query(PREFIXES + text, use_default_graph_as_union=True))  # noqa: E731
    report = "https://w3id.org/reformkg/report/sc-civil-affairs-2023"
    assert [s["n"].value for s in q(f"SELECT ?n WHERE {{ <{report}> rkg:hasReform/rkg:number ?n }} ORDER BY ?n")] == ["1", "2", "3", "4"]
    text = result.texts["sc-civil-affairs-2023"]
    assert "字号" not in text and "来源" not in text and "<" not in text
    indicators = {
        s["q"].value: (s["v"].value, s["u"].value, s["a"].value)
        for s in q(f"""SELECT ?q ?v ?u ?a WHERE {{ ?i rkg:reform/dcterms:isPartOf <{report}> ;
            sdmx-measure:obsValue ?v ; sdmx-attribute:unitMeasure/skos:notation ?u ; rkg:approximate ?a ;
            rkg:evidence/oa:hasSelector/oa:exact ?q }}""")
    }
    assert indicators["230余万人"] == ("2300000", "人", "true")
    assert indicators["86.4亿元"] == ("8640000000", "元", "false")
    assert indicators["1200多家"] == ("1200", "家", "true")
    assert indicators["4.8万对"] == ("48000", "对", "false")  # a measure word the units scheme lacks
    assert indicators["95%"] == ("95", "%", "false")
    assert len(indicators) == 13
    measures = [s["t"].value for s in q(f"""SELECT ?t WHERE {{ <{report}/reform/2> rkg:hasMeasure ?m .
        ?m rkg:number ?n ; dcterms:title ?t FILTER NOT EXISTS {{ ?m a rkg:Programme }} }} ORDER BY ?n""")]
    assert measures == ["扩大服务供给", "推进医养结合", "加强人才培养"]
    docs = {s["t"].value: sorted(x.value for x in [s["i"]] if x) for s in q("""SELECT ?t ?i WHERE {
        ?d a rkg:PolicyDocument ; dcterms:title ?t OPTIONAL { ?d dcterms:creator/skos:prefLabel ?i } }""")}
    assert "关于深入推进医养结合发展的实施意见" in docs
    issuers = {s["i"].value for s in q("""SELECT ?i WHERE { ?d dcterms:title "关于深入推进医养结合发展的实施意见"@zh ;
        dcterms:creator/skos:prefLabel ?i }""")}
    # 联合省卫生健康委印发《…》: the co-issuer, named in the report's own province; the bureau is only implied.
    assert issuers == {"四川省卫生健康委"}
    programmes = {s["l"].value for s in q("""SELECT ?l WHERE { ?p a rkg:Programme ; rdfs:label ?l ;
        rkg:reform/dcterms:isPartOf <https://w3id.org/reformkg/report/sc-civil-affairs-2023> }""")}
    assert {"一件事一次办", "家庭养老床位", "甜蜜婚登"} <= programmes
    districts = {s["l"].value for s in q("""SELECT ?l WHERE { ?p a <http://purl.org/dc/terms/Location> ; rdfs:label ?l }""")}
    assert {"成都市", "绵阳市", "宜宾市"} <= districts


PREFIXES = """
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""


def test_a_configured_base_moves_every_data_iri_but_not_the_ontology(built):
    other = build(SOURCE_PATHS, base="http://data.example.org/kg/").nquads.decode("utf-8")
    assert "https://w3id.org/reformkg/report/" not in other
    assert "https://w3id.org/reformkg/graph/" not in other
    assert "<http://data.example.org/kg/report/cq-civil-affairs-2022/reform/1>" in other
    assert "<https://w3id.org/reformkg/ontology#Reform>" in other
    assert other.count("\n") == built.nquads.count(b"\n")


def test_two_reports_describe_shared_entities_once_so_the_union_has_no_repeats(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    for path in list(SECOND.iterdir()) + list(SOURCE_PATHS.sources[0].glob("cq-*")):
        shutil.copy(path, sources)
    result = build(Paths(sources, SOURCE_PATHS.curation, SOURCE_PATHS.ontology))
    store = Store()
    store.load(result.nquads, format=__import__("pyoxigraph").RdfFormat.N_QUADS)
    # 2023 and 2022 both have periods, units and the % unit; each description is in one graph only.
    rows = list(store.query("""SELECT ?s ?p ?o (COUNT(?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }
        GROUP BY ?s ?p ?o HAVING (COUNT(?g) > 1)"""))
    assert rows == []
