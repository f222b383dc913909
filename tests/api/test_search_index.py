"""The label index behind /api/search (service/search/index.py): it answers exactly as the SPARQL scan
(queries/label-search.rq) does, follows every write, and survives concurrent builders and bad files.

Everything runs on real on-disk stores: the report's (shared, read-only) and small data directories
of each test's own for writes and damage.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from reformkg.service import search
from reformkg.service.search import index as textindex
from reformkg.service.app import create_app
from reformkg.service.links import Site
from reformkg.service.nodes import describe
from reformkg.service.settings import Settings
from reformkg.service.store import open_backend
from reformkg.service.store.embedded import snapshots
from reformkg.service.store.results import select

from ..conftest import make_data_dir

TOKEN = "search-index-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EX = "http://example.org/"
GRAPH = EX + "graph/labels"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
PREF, ALT = "<http://www.w3.org/2004/02/skos/core#prefLabel>", "<http://www.w3.org/2004/02/skos/core#altLabel>"
TITLE = "<http://purl.org/dc/terms/title>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
MANY = 130
"""Resources with one same label: more than a search gives (100), so the cut falls inside one kind."""


def tricky_nquads() -> str:
    """Labels at the edges of label-search.rq: case, language tags, IRIs and typed literals as labels,
    blank nodes, the default graph, FTS5 syntax, LIKE wildcards, separators, one character, none."""
    g = f"<{GRAPH}>"
    lines = [
        f'<{EX}a> {RDFS_LABEL} "Elderly-Care Home"@en {g} .',
        f'<{EX}a> {RDFS_LABEL} "养老院"@zh {g} .',
        f'<{EX}b> {PREF} "care"@en-GB {g} .',
        f'<{EX}b> {ALT} "CARE"@en <{EX}graph/other> .',
        f'<{EX}c> {TITLE} "İstanbul ΣΑΣ care"@tr {g} .',
        f'<{EX}d> {RDFS_LABEL} "a | b" {g} .',
        f'<{EX}d> {RDFS_LABEL} "a" {g} .',
        f'<{EX}e> {RDFS_LABEL} <{EX}iri-as-label/care> {g} .',
        f'<{EX}f> {RDFS_LABEL} "42"^^<http://www.w3.org/2001/XMLSchema#integer> {g} .',
        f'<{EX}f> {RDFS_LABEL} "2022年养老服务（试点）"@zh-Hans {g} .',
        f'_:blank {RDFS_LABEL} "blank care"@en {g} .',
        f'<{EX}g> {RDFS_LABEL} _:object {g} .',
        f'<{EX}h> {RDFS_LABEL} "50% off_the care*"@en {g} .',
        f'<{EX}i> {RDFS_LABEL} "\\"quoted\\" OR NEAR(care, home) -x"@en {g} .',
        f'<{EX}j> {RDFS_LABEL} "" {g} .',
        f'<{EX}k> {RDFS_LABEL} "care"@en .',
        f'<{EX}l> {RDFS_LABEL} "x\\ty  z care"@en {g} .',
        f'<{EX}m> {RDFS_LABEL} "老"@zh {g} .',
        f'<{EX}n> {RDFS_LABEL} "Care"@EN {g} .',
        f'<{EX}o> <http://www.w3.org/2000/01/rdf-schema#comment> "care" {g} .',
        f'<{EX}p> {RDFS_LABEL} "Home care, elderly care: care-homes"@en {g} .',
        f'<{EX}q> {RDFS_LABEL} "“渝康家园”建设"@zh {g} .',
        f'<{EX}r> {RDFS_LABEL} "Pflege"@de {g} .',
        f'<{EX}r> {PREF} "soins"@fr {g} .',
        f'<{EX}r> {TYPE} <http://www.w3.org/2004/02/skos/core#Concept> {g} .',
        f'<{EX}r> <http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/reformkg/scheme/units> {g} .',
        f'<{EX}s> {PREF} "老年人"@zh {g} .',
        f'<{EX}s> {RDFS_LABEL} "老人"@zh {g} .',
        f'<{EX}s> {TYPE} <https://w3id.org/reformkg/ontology#Indicator> {g} .',
        f'<{EX}s> {TYPE} <http://www.w3.org/ns/oa#SpecificResource> {g} .',
    ]
    for n in range(MANY):
        lines.append(f'<{EX}many/{n:03d}> {RDFS_LABEL} "办理业务"@zh {g} .')
        if n % 2:
            lines.append(f'<{EX}many/{n:03d}> {RDFS_LABEL} "business handled"@en {g} .')
    return "\n".join(lines) + "\n"


SPECIAL = ['"', '""', "*", "care*", "OR", "a OR b", "NEAR(", "NEAR(care, home)", "-", "-x", "%", "_", "off_the",
           "50%", "'", "\\", "()", ":", "^", "care:home", "{", "|", "a | b", " | ", "“", "渝康家园”", "quoted\"",
           "İ", "i̇", "σας", "ΣΑΣ", "x\ty", "y  z", "y z", "\u0000", "🙂", "0", "42", "2022年"]
"""Needles that are FTS5 or LIKE syntax, separators, or case and Unicode edge cases: all plain text."""


def needles(labels: list[str]) -> list[str]:
    """Pieces of every label (whole, upper-cased, its first one, two and three characters, its middle,
    its end) and SPECIAL, as /api/search would take them (stripped, not empty)."""
    found: set[str] = set(SPECIAL) | {"zzzz", "不存在的词"}
    for label in labels:
        middle = len(label) // 2
        found |= {label, label.upper(), label[:1], label[:2], label[:3], label[middle:middle + 2],
                  label[middle - 1:middle + 2], label[-2:]}
    return sorted({n.strip() for n in found} - {""})


def comparable(ranked: list[textindex.Ranked]) -> list[tuple]:
    """What must be equal: each resource, its rank, its shortest matching label's length, and which
    labels matched (as a sorted list: GROUP_CONCAT joins them in no set order)."""
    return [(r.iri, r.score, r.length, search.matched(r.labels)) for r in ranked]


def indexed(data_dir: Path, text: str, lang: str | None, limit: int) -> list[textindex.Ranked]:
    found = textindex.LabelIndex(data_dir).lookup(text, lang, limit)
    assert found is not None, f"no index of snapshot {snapshots.generation(data_dir)} in {data_dir}"
    return found


def labels_of(backend) -> list[str]:
    """Every label label-search.rq reads, once."""
    rows = select(backend, f"SELECT DISTINCT (STR(?l) AS ?s) WHERE {{ ?r {RDFS_LABEL}|{PREF}|{ALT}|{TITLE} ?l }}")
    return [r["s"].value for r in rows if "s" in r]


def assert_index_equals_scan(data_dir: Path, backend, texts: list[str], lang: str | None, limit: int) -> None:
    for text in texts:
        scanned = search.scan(backend, text, lang=lang, limit=limit, timeout=30)
        assert comparable(indexed(data_dir, text, lang, limit)) == comparable(scanned), (text, lang, limit)


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("tricky"), tricky_nquads())


@pytest.fixture(scope="module")
def tricky_backend(tricky: Path):
    backend = open_backend(Settings(data_dir=tricky, result_cache_bytes=0))
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def report_backend(data_dir: Path):
    backend = open_backend(Settings(data_dir=data_dir, result_cache_bytes=0))
    yield backend
    backend.close()


@pytest.mark.parametrize("lang", [None, "zh", "en"])
def test_the_index_ranks_the_report_as_the_scan_does(data_dir, report_backend, lang):
    texts = needles(labels_of(report_backend)[::7]) + [
        "养", "养老", "养老服务", "重庆", "重庆市民政局", "社会救助", "的", "五社联动", "e", "in", "care", "Care",
        "elderly care", "service", "services", "Chongqing", "five-party", "social organisations"]
    assert len(texts) > 150
    assert_index_equals_scan(data_dir, report_backend, texts, lang, search.MAX_LIMIT)
    assert_index_equals_scan(data_dir, report_backend, ["养老", "care", "服务", "e"], lang, 7)


@pytest.mark.parametrize("lang", [None, "zh", "en"])
def test_the_index_ranks_edge_case_labels_as_the_scan_does(tricky, tricky_backend, lang):
    texts = needles(labels_of(tricky_backend))
    assert_index_equals_scan(tricky, tricky_backend, texts, lang, search.MAX_LIMIT)
    assert_index_equals_scan(tricky, tricky_backend, ["办理", "care", "a", "业"], lang, 3)


def test_the_cut_inside_many_same_labels_follows_the_iris(tricky, tricky_backend):
    found = indexed(tricky, "办理业务", None, search.MAX_LIMIT)
    assert [r.iri for r in found] == [f"{EX}many/{n:03d}" for n in range(search.MAX_LIMIT)]
    assert comparable(found) == comparable(search.scan(tricky_backend, "办理业务", lang=None,
                                                       limit=search.MAX_LIMIT, timeout=30))


def test_fts_syntax_is_text(tricky):
    assert [r.iri for r in indexed(tricky, "NEAR(care, home)", None, 10)] == [EX + "i"]
    assert [r.iri for r in indexed(tricky, '"quoted" OR', None, 10)] == [EX + "i"]
    assert [r.iri for r in indexed(tricky, "off_the care*", None, 10)] == [EX + "h"]
    assert indexed(tricky, "a OR b", None, 10) == []


@pytest.fixture(scope="module")
def report_app(data_dir: Path):
    application = create_app(Settings(data_dir=data_dir))
    yield application
    application.extensions["reformkg.backend"].close()


def hits(client, text: str, **params) -> list[dict]:
    response = client.get("/api/search", query_string={"q": text, **params}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def assert_api_answers_as_the_scan(application, backend, text: str, **params) -> None:
    """/api/search, from the index, gives what search.search gives without it."""
    directory = application.config["REFORMKG"].data_dir
    assert textindex.LabelIndex(directory).lookup(text, params.get("lang"), params.get("limit", 20)) is not None
    scanned = search.search(backend, text, site=Site(application.config["REFORMKG"].base_iri),
                            lang=params.get("lang"), limit=params.get("limit", search.DEFAULT_LIMIT))
    assert hits(application.test_client(), text, **params) == [
        {"iri": h.iri, "label": h.label, "matched": h.matched, "match": h.match, "score": h.score,
         "class": h.display_class, "page": h.page, "report": h.report, "report_label": h.report_label}
        for h in scanned], (text, params)


def test_the_api_answers_the_same_from_the_index_and_from_the_scan(report_app, report_backend):
    for text, params in [("养老", {}), ("养老", {"lang": "zh"}), ("care", {"lang": "en", "limit": 50}),
                         ("重庆", {}), ("e", {"limit": 100}), ("不存在的词", {}), ("ontology", {"lang": "en"})]:
        assert_api_answers_as_the_scan(report_app, report_backend, text, **params)


def test_the_api_shows_edge_cases_as_the_scan_does(writable, tricky_backend):
    application, _ = writable
    for text, params in [("soins", {}), ("pflege", {"lang": "en"}), ("老", {}), ("care", {"limit": 100}),
                         ("办理", {"lang": "zh"}), ("a", {}), ("İ", {})]:
        assert_api_answers_as_the_scan(application, tricky_backend, text, **params)


@pytest.mark.parametrize("which", ["report", "tricky"])
def test_the_index_shows_every_resource_as_describe_does(which, request):
    directory = request.getfixturevalue("data_dir" if which == "report" else "tricky")
    backend = request.getfixturevalue(f"{which}_backend")
    with closing(sqlite3.connect(textindex.path(directory, snapshots.generation(directory)))) as db:
        rows = db.execute("SELECT iri, name_zh, name_en, class FROM resources").fetchall()
    assert len(rows) > 20
    described = describe(backend, [iri for iri, *_ in rows], timeout=60, max_rows=100_000)
    for iri, zh, en, display_class in rows:
        info = described[iri]
        if zh is None:  # the index leaves it to describe: its answer depends on the order of the triples
            assert (en, display_class) == (None, None)
        else:
            assert (zh, en, display_class) == (info.label("zh"), info.label("en"), info.display_class()), iri
    # Left to describe: two untagged rdfs:labels (d), labels in German and French only (r).
    assert sorted(iri for iri, zh, *_ in rows if zh is None) == ([EX + "d", EX + "r"] if which == "tricky" else [])


def test_over_a_remote_store_search_scans_and_keeps_no_index(api_app, client, backend_kind):
    response = client.get("/api/search", query_string={"q": "养老"}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json()["results"]
    assert ("reformkg.textindex" in api_app.extensions) == (backend_kind == "embedded")


@pytest.mark.parametrize("params, says", [
    ({"q": "  "}, "q is empty"),
    ({"q": "养老", "lang": "fr"}, "lang must be one of zh, en"),
    ({"q": "养老", "limit": 0}, "limit must be between 1 and 100"),
    ({"q": "养老", "limit": 101}, "limit must be between 1 and 100"),
    ({"q": "养老", "limit": "ten"}, "limit must be a whole number"),
])
def test_bad_searches_are_still_400(report_app, params, says):
    response = report_app.test_client().get("/api/search", query_string=params, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert says in response.get_json()["message"]


# -- writes, builders, damage: data directories of each test's own ---------------------------------


@pytest.fixture()
def writable(tmp_path: Path):
    """An app with the update token on a data directory of its own, holding the tricky labels."""
    directory = make_data_dir(tmp_path / "data", tricky_nquads())
    application = create_app(Settings(data_dir=directory, update_token=TOKEN))
    yield application, directory
    application.extensions["reformkg.backend"].close()


def update(client, text: str) -> None:
    response = client.post("/sparql", data={"update": f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> {text}"},
                           headers=AUTH)
    assert response.status_code == 204, response.get_data(as_text=True)


def built(application, directory: Path) -> Path:
    """Wait for the builder the app started, and return the current snapshot's index."""
    application.extensions["reformkg.textindex"].join(timeout=120)
    current = textindex.path(directory, snapshots.generation(directory))
    assert current.exists()
    assert sorted(p.name for p in current.parent.glob("*.sqlite")) == [current.name], "older indexes are pruned"
    return current


def test_a_write_is_found_by_the_next_search_and_then_by_the_rebuilt_index(writable):
    application, directory = writable
    client = application.test_client()
    assert textindex.path(directory, snapshots.generation(directory)).exists(), "install builds the index"
    assert hits(client, "新的标签") == []

    update(client, f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}new> rdfs:label "新的标签"@zh }} }}')
    assert [h["iri"] for h in hits(client, "新的标签")] == [EX + "new"]
    built(application, directory)
    assert [r.iri for r in indexed(directory, "新的标签", None, 20)] == [EX + "new"]

    # The previous snapshot's index still has the old label: it must not answer for the new snapshot.
    update(client, f'DELETE DATA {{ GRAPH <{GRAPH}> {{ <{EX}new> rdfs:label "新的标签"@zh }} }} ;'
                   f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}new> rdfs:label "改过的标签"@zh }} }}')
    assert hits(client, "新的标签") == []
    assert [(h["iri"], h["match"]) for h in hits(client, "改过的标签")] == [(EX + "new", "exact")]
    built(application, directory)
    assert indexed(directory, "新的标签", None, 20) == []
    assert [r.iri for r in indexed(directory, "改过的标签", None, 20)] == [EX + "new"]

    update(client, f'DELETE WHERE {{ GRAPH <{GRAPH}> {{ <{EX}new> rdfs:label ?l }} }}')
    assert hits(client, "改过的标签") == []
    built(application, directory)
    assert indexed(directory, "改过的标签", None, 20) == []


def test_a_write_starts_the_rebuild_without_waiting_for_a_search(writable):
    application, directory = writable
    client = application.test_client()
    update(client, f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}eager> rdfs:label "写后即建"@zh }} }}')
    built(application, directory)  # no search ran: the write itself started the builder
    assert [r.iri for r in indexed(directory, "写后即建", None, 20)] == [EX + "eager"]


def test_a_graph_store_put_is_found_by_the_next_search(writable):
    application, directory = writable
    client = application.test_client()
    assert len(hits(client, "办理业务", limit=100)) == 100
    turtle = f'<{EX}put> <http://www.w3.org/2000/01/rdf-schema#label> "放进来的标签"@zh .'
    response = client.put("/store", query_string={"graph": GRAPH}, data=turtle, content_type="text/turtle",
                          headers=AUTH)
    assert response.status_code == 204
    # The PUT replaced the graph that held every other label.
    assert hits(client, "办理业务") == []
    assert [h["iri"] for h in hits(client, "放进来的标签")] == [EX + "put"]
    built(application, directory)
    assert [r.iri for r in indexed(directory, "放进来的标签", None, 20)] == [EX + "put"]
    assert indexed(directory, "办理业务", None, 20) == []


def test_concurrent_builders_leave_one_whole_index(tmp_path: Path):
    directory = make_data_dir(tmp_path / "data", tricky_nquads())
    folder = directory / "textindex"
    for file in folder.glob("*.sqlite"):
        file.unlink()
    (folder / ".000000000001.v1.sqlite.999999.tmp").write_bytes(b"a build that crashed")
    (folder / "000000000001.v0.sqlite").write_bytes(b"an index of an older format")
    processes = [subprocess.Popen([sys.executable, "-m", "reformkg.service.search", str(directory)])
                 for _ in range(4)]
    threads = [threading.Thread(target=textindex.build, args=(directory,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    statuses = [process.wait(timeout=120) for process in processes]
    for thread in threads:
        thread.join(timeout=120)
    assert set(statuses) <= {0, textindex.BUSY}
    current = textindex.path(directory, snapshots.generation(directory))
    assert sorted(p.name for p in folder.iterdir()) == sorted([current.name, "build.lock"])
    backend = open_backend(Settings(data_dir=directory, result_cache_bytes=0))
    try:
        assert_index_equals_scan(directory, backend, ["care", "养老", "办理", "a", "老"], None, search.MAX_LIMIT)
    finally:
        backend.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "missing"])
def test_a_damaged_or_missing_index_is_searched_around_and_built_again(writable, damage):
    application, directory = writable
    client = application.test_client()
    file = textindex.path(directory, snapshots.generation(directory))
    expected = hits(client, "care", limit=50)
    index = application.extensions["reformkg.textindex"]
    assert index.lookup("care", None, 50) is not None
    data = file.read_bytes()
    file.unlink()  # the index is never written in place: a damaged one is a new file
    if damage == "garbage":
        file.write_bytes(b"this is not an index" * 1000)
    elif damage == "truncated":
        file.write_bytes(data[:len(data) // 2])
    elif damage == "empty":
        file.write_bytes(b"")
    assert index.lookup("care", None, 50) is None  # and a build starts
    assert hits(client, "care", limit=50) == expected
    built(application, directory)
    assert hits(client, "care", limit=50) == expected
    assert comparable(indexed(directory, "care", None, 50)) == comparable(
        search.scan(application.extensions["reformkg.backend"], "care", lang=None, limit=50, timeout=30))


def test_the_index_is_read_from_a_data_directory_given_as_a_relative_path(data_dir: Path, monkeypatch):
    """`reformkg serve --data-dir data` names the directory relative to where it runs; reading the
    index must not fail on it (SQLite's URI form needs an absolute path)."""
    monkeypatch.chdir(data_dir.parent)
    assert textindex.LabelIndex(Path(data_dir.name)).lookup("养老", None, 5)
