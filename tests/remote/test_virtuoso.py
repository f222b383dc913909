"""reformkg over a real Virtuoso (Debian's virtuoso-opensource-7-bin; .ci/run installs it).

Virtuoso's default graph is the union of all its graphs, its own system graphs among them, so the
backend's every query begins with Virtuoso's pragmas that leave those out (store/remote/backend.py
`_dataset`); these pin that the graphs left are the dataset's exactly, that their union answers as the
embedded store does, that graphs added behind the service's back count at once without being named,
that the service's pages and named queries work over it, and that concurrent clients are answered.
The wider comparison, every named query and format, is benchmarks/virtuoso_compat.py's.

Where virtuoso-t is not installed the module is skipped, except under CI, where it must run.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from pyoxigraph import RdfFormat, Store

from reformkg.service.app import create_app
from reformkg.service.store.base import QueryRequest
from reformkg.service.store.remote import RemoteStore
from reformkg.service.store.remote.publish import publish
from reformkg.service.store.results import select

from ..conftest import free_port
from .conftest import remote_settings

_INI = """[Database]
DatabaseFile = {work}/virtuoso.db
ErrorLogFile = {work}/virtuoso.log
LockFile = {work}/virtuoso.lck
TransactionFile = {work}/virtuoso.trx
xa_persistent_file = {work}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {work}/virtuoso-temp.db
TransactionFile = {work}/virtuoso-temp.trx

[Parameters]
; CaseMode 2 as Virtuoso's own virtuoso.ini sets it: with the built-in default (1) it answers ASK as a table.
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
CaseMode = 2
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = .

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {work}
ServerThreads = 16
MaxKeepAlives = 16
KeepAliveTimeout = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


@dataclass
class VirtuosoServer:
    process: subprocess.Popen
    url: str
    work: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_virtuoso(work: Path) -> VirtuosoServer:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: .ci/run installs virtuoso-opensource-7-bin")
        pytest.skip("virtuoso-t is not installed (apt-get install virtuoso-opensource-7-bin)")
    work.mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    ini = work / "virtuoso.ini"
    ini.write_text(_INI.format(work=work, sql_port=free_port(), http_port=http_port), encoding="utf-8")
    process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=work,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    server = VirtuosoServer(process, f"http://127.0.0.1:{http_port}/sparql", work)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"virtuoso-t exited with {process.returncode}; see {work}/virtuoso.log")
        try:
            if requests.get(server.url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    server.stop()
    pytest.fail("virtuoso-t did not answer within 120 s")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[VirtuosoServer]:
    """A Virtuoso of its own with the built dataset, published as `reformkg load --into` does."""
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    backend = RemoteStore(remote_settings(server.url, server.work / "data", store_user="dba", store_password="dba"))
    try:
        list(publish(data_dir / "dataset" / "reformkg.nq", backend))
    finally:
        backend.close()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def over_virtuoso(virtuoso: VirtuosoServer) -> Iterator[RemoteStore]:
    backend = RemoteStore(remote_settings(virtuoso.url, virtuoso.work / "reader"))
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def truth(data_dir: Path) -> Store:
    store = Store()
    store.load(path=str(data_dir / "dataset" / "reformkg.nq"), format=RdfFormat.N_QUADS)
    return store


def test_the_backend_knows_it_is_virtuoso_and_lists_exactly_the_dataset_s_graphs(over_virtuoso, truth):
    assert over_virtuoso.flavour == "virtuoso"
    listed = over_virtuoso.named_graphs()
    assert listed == sorted(g.value for g in truth.named_graphs())  # Virtuoso's system graphs left out
    assert len(listed) == 5
    assert over_virtuoso.triple_count() == len(truth)


def test_the_default_graph_is_the_union_of_the_dataset_s_graphs(over_virtuoso, truth):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    expected = next(iter(truth.query(count, use_default_graph_as_union=True)))["n"].value
    (row,) = select(over_virtuoso, count)
    assert row["n"].value == expected
    classes = "SELECT DISTINCT ?c WHERE { ?x a ?c }"
    assert ({r["c"].value for r in select(over_virtuoso, classes)}
            == {r["c"].value for r in truth.query(classes, use_default_graph_as_union=True)})


def test_graphs_added_behind_the_service_s_back_count_at_once_and_no_query_names_a_graph(virtuoso, truth):
    reader = RemoteStore(remote_settings(virtuoso.url, virtuoso.work / "reader-of-many"))
    writer = RemoteStore(remote_settings(virtuoso.url, virtuoso.work / "writer-of-many", store_user="dba",
                                         store_password="dba"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    expected = int(next(iter(truth.query(count, use_default_graph_as_union=True)))["n"].value)
    sent: list[bytes] = []
    reader.session.hooks["response"].append(lambda response, **_: sent.append(response.request.body or b""))
    graphs = [f"urn:reformkg:test:many:{i}" for i in range(300)]
    try:
        assert int(select(reader, count)[0]["n"].value) == expected  # the graphs are listed here, and kept
        writer.update("INSERT DATA { " + " ".join(f"GRAPH <{g}> {{ <{g}> <urn:p> {i} }}"
                                                  for i, g in enumerate(graphs)) + " }", timeout=60)
        sent.clear()
        assert int(select(reader, count)[0]["n"].value) == expected + 300  # not after the listing's TTL
        named = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        assert int(select(reader, named)[0]["n"].value) == 5 + 300
        assert sent and all(len(body) < 2_000 for body in sent)  # no query names the 305 graphs
    finally:
        writer.update(" ; ".join(f"DROP SILENT GRAPH <{g}>" for g in graphs), timeout=60)
        writer.close()
    reader._forget_graphs()
    assert int(select(reader, count)[0]["n"].value) == expected  # the module's other tests see the dataset
    reader.close()


def test_concurrent_clients_are_all_answered(over_virtuoso):
    lookup = "SELECT ?p ?o WHERE { <https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1> ?p ?o }"

    def ask(_: int) -> int:
        response = over_virtuoso.query(QueryRequest(lookup, accept="application/sparql-results+json", timeout=30))
        return len(b"".join(response.body))

    with ThreadPoolExecutor(8) as pool:
        sizes = list(pool.map(ask, range(64)))
    assert len(set(sizes)) == 1 and sizes[0] > 1000


NAMED = ["class-counts", "co-issuing-agencies", "dataset-statistics", "document-issuers", "money-totals",
         "reform-with-most-indicators", "indicators-by-target-group"]
"""Named queries Virtuoso answers as pyoxigraph does (benchmarks/results/virtuoso_compat.md lists the
others and why they differ: Virtuoso's own datatypes, GROUP_CONCAT order, a compiler error)."""


@pytest.fixture(scope="module")
def apps(virtuoso: VirtuosoServer, data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The service over Virtuoso, and over the embedded store with the same data."""
    from reformkg.service.settings import Settings

    remote = create_app(Settings(data_dir=tmp_path_factory.mktemp("over-virtuoso"), store=virtuoso.url))
    embedded = create_app(Settings(data_dir=data_dir))
    yield remote.test_client(), embedded.test_client()
    for app in (remote, embedded):
        app.extensions["reformkg.backend"].close()


@pytest.mark.parametrize("name", NAMED)
def test_a_named_query_over_virtuoso_gives_the_embedded_store_s_rows(apps, name):
    over_virtuoso, embedded = apps
    got = over_virtuoso.get(f"/api/queries/{name}")
    assert got.status_code == 200, got.get_data(as_text=True)[:300]
    assert got.get_json()["rows"] == embedded.get(f"/api/queries/{name}").get_json()["rows"]


def test_a_resource_page_over_virtuoso_is_the_embedded_store_s(apps, truth):
    over_virtuoso, embedded = apps
    path = "/report/cq-civil-affairs-2022/reform/1"
    label = next(iter(truth.query(
        "SELECT ?l WHERE { <https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = 'zh') }",
        use_default_graph_as_union=True)))["l"].value
    page = over_virtuoso.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and label in page.get_data(as_text=True)
    turtle = {"Accept": "application/n-triples"}
    assert (set(over_virtuoso.get(path, headers=turtle).get_data(as_text=True).splitlines())
            == set(embedded.get(path, headers=turtle).get_data(as_text=True).splitlines()))
