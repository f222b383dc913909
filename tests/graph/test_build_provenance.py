"""Build provenance in the metadata graph: the build is a prov:Activity that used each report's page
as published (with its SHA-256), ran as a versioned prov:SoftwareAgent and ended at the build time,
which is the one thing two builds of the same sources differ in."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import shutil

import click
import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat, Store

from reformkg.graph import validate
from reformkg.graph.build import BuildResult, Paths, build
from reformkg.service.cli import main
from reformkg.service.cli_build import build_time

from ..conftest import ROOT, SOURCE_PATHS

SECOND = ROOT / "tests" / "fixtures" / "second-report"
CQ, SC = "cq-civil-affairs-2022", "sc-civil-affairs-2023"
BASE = "https://w3id.org/reformkg/"
URL = "https://mzt.sc.gov.cn/scmzt/gzdt/2024/1/20/reforms.shtml"
T1 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory) -> Paths:
    """The packaged report and the second one, whose metadata gives the URL it was published at."""
    sources = tmp_path_factory.mktemp("sources")
    for path in [*SOURCE_PATHS.sources[0].glob("cq-*"), *SECOND.iterdir()]:
        shutil.copy(path, sources)
    meta = sources / f"{SC}.toml"
    meta.write_text(meta.read_text(encoding="utf-8") + f'url = "{URL}"\n', encoding="utf-8")
    return Paths(sources, SOURCE_PATHS.curation, SOURCE_PATHS.ontology)


@pytest.fixture(scope="module")
def at_t1(two_reports) -> BuildResult:
    return build(two_reports, built_at=T1)


def metadata(result: BuildResult) -> Store:
    store = Store()
    store.load(result.nquads, format=RdfFormat.N_QUADS)
    return store


def select(store: Store, query: str) -> set[tuple[str, ...]]:
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    return {tuple(term and term.value for term in row) for row in rows}


def test_the_build_is_an_activity_of_the_software_that_ended_at_the_build_time(at_t1):
    store = metadata(at_t1)
    assert select(store, f"""SELECT ?end ?version WHERE {{ GRAPH <{BASE}graph/metadata> {{
        <{BASE}dataset> prov:wasGeneratedBy ?build ; dcterms:modified ?modified .
        ?build a prov:Activity ; prov:endedAtTime ?end ; prov:wasAssociatedWith ?software .
        ?software a prov:SoftwareAgent ; schema:softwareVersion ?version .
        FILTER(?build = <{BASE}dataset/build> && ?software = <{BASE}software/reformkg>)
        FILTER(datatype(?end) = xsd:dateTime && ?modified = ?end) }} }}""") == {
        ("2024-05-01T12:00:00Z", importlib.metadata.version("reformkg")),
    }
    dates = f"SELECT ?d WHERE {{ <{BASE}dataset> dcterms:modified ?d FILTER(datatype(?d) = xsd:date) }}"
    assert select(store, dates) == set()


def test_the_build_used_each_page_as_published_with_its_sha256(at_t1, two_reports):
    rows = select(metadata(at_t1), f"""SELECT ?report ?sha ?format ?url WHERE {{ GRAPH <{BASE}graph/metadata> {{
        <{BASE}dataset/build> prov:used ?page . ?report prov:wasDerivedFrom ?page .
        ?page a schema:MediaObject , prov:Entity ; schema:sha256 ?sha ; dcterms:format ?format
        OPTIONAL {{ ?page schema:url ?url }} FILTER(?page = IRI(CONCAT(STR(?report), "/page"))) }} }}""")
    texts = {CQ: "cq-civil-affairs-2022-ten-reforms.txt", SC: "sc-civil-affairs-2023.txt"}
    folder = two_reports.sources[0]
    sha256 = {rid: hashlib.sha256((folder / name).read_bytes()).hexdigest() for rid, name in texts.items()}
    assert rows == {
        (f"{BASE}report/{CQ}", sha256[CQ], "text/html", None),
        (f"{BASE}report/{SC}", sha256[SC], "text/html", URL),
    }


def test_two_builds_at_different_times_differ_only_in_the_build_time_literals(at_t1, two_reports):
    at_t2 = build(two_reports, built_at=T2).nquads.decode("utf-8")
    first = at_t1.nquads.decode("utf-8")
    stamp = '"{}"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
    one, two = stamp.format("2024-05-01T12:00:00Z"), stamp.format("2025-01-02T03:04:05Z")
    changed = set(first.splitlines()) ^ set(at_t2.splitlines())
    assert len(changed) == 4 and all(one in line or two in line for line in changed)  # modified, endedAtTime
    assert first.replace(one, two) == at_t2


def test_a_build_at_the_same_time_gives_the_same_bytes(at_t1, two_reports):
    assert build(two_reports, built_at=T1.astimezone(dt.timezone(dt.timedelta(hours=8)))).nquads == at_t1.nquads


def test_without_a_build_time_none_is_recorded(built):
    store = metadata(built)
    assert select(store, "SELECT ?s WHERE { { ?s prov:endedAtTime ?t } UNION { ?s dcterms:modified ?t } }") == set()
    assert select(store, f"SELECT ?p WHERE {{ <{BASE}dataset/build> prov:used ?p }}") == {(f"{BASE}report/{CQ}/page",)}


def test_a_build_time_without_a_time_zone_is_refused(two_reports):
    with pytest.raises(ValueError, match="timezone-aware"):
        build(two_reports, built_at=dt.datetime(2024, 5, 1, 12, 0))


def test_a_configured_base_moves_the_provenance_too(two_reports):
    other = build(two_reports, base="http://data.example.org/kg/", built_at=T1, validate_shapes=False).nquads
    assert b"<http://data.example.org/kg/dataset/build> <http://www.w3.org/ns/prov#used> " \
           b"<http://data.example.org/kg/report/cq-civil-affairs-2022/page>" in other
    assert f"<{URL}>".encode() in other


def test_the_shapes_refuse_a_page_without_a_proper_sha256(at_t1, two_reports):
    union = "".join(sorted({line.rsplit(" <", 1)[0] + " .\n" for line in at_t1.nquads.decode("utf-8").splitlines()}))
    good = hashlib.sha256((two_reports.sources[0] / "cq-civil-affairs-2022-ten-reforms.txt").read_bytes()).hexdigest()
    broken = union.replace(f'"{good}"', f'"{good[:40]}"')
    outcome = validate.validate_ntriples(broken, SOURCE_PATHS.ontology / "shapes.ttl")
    assert [(v.focus, v.path) for v in outcome.violations] == [
        (f"{BASE}report/{CQ}/page", "https://schema.org/sha256"),
    ]


# --- the build time the command line records --------------------------------------------------------


def test_source_date_epoch_sets_the_build_time():
    assert build_time({"SOURCE_DATE_EPOCH": "1714564800"}) == T1


def test_without_source_date_epoch_the_build_time_is_now_to_the_second():
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    now = build_time({})
    assert before <= now <= dt.datetime.now(dt.UTC) and now.microsecond == 0 and now.tzinfo is dt.UTC


@pytest.mark.parametrize("value", ["yesterday", "-1", "1.5"])
def test_a_malformed_source_date_epoch_is_a_usage_error(value):
    with pytest.raises(click.UsageError, match="SOURCE_DATE_EPOCH must be a whole number of seconds"):
        build_time({"SOURCE_DATE_EPOCH": value})


def test_the_cli_records_source_date_epoch_in_the_dataset(tmp_path):
    result = CliRunner(env={"SOURCE_DATE_EPOCH": "1714564800"}).invoke(main, ["build", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    nquads = (tmp_path / "dataset" / "reformkg.nq").read_bytes()
    assert (f"<{BASE}dataset/build> <http://www.w3.org/ns/prov#endedAtTime> "
            '"2024-05-01T12:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>').encode() in nquads


def test_the_cli_refuses_a_malformed_source_date_epoch(tmp_path):
    result = CliRunner(env={"SOURCE_DATE_EPOCH": "soon"}).invoke(main, ["build", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "SOURCE_DATE_EPOCH must be a whole number" in result.output
    assert not (tmp_path / "dataset").exists()
