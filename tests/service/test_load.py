"""`reformkg load FILE…`: files of any RDF format bulk-loaded into the embedded store, published whole.

Embedded only: the remote backend is published to with `reformkg load --into` (tests/remote/test_load.py).
"""
from __future__ import annotations

import gzip
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from pyoxigraph import NamedNode, Store

from reformkg.service.cli import main as cli
from reformkg.service.store.embedded import load, snapshots

from .conftest import SAMPLE_GRAPH, SAMPLE_SIZE, make_data_dir, sample_nquads
from .test_snapshots import disk_bytes

pytestmark = pytest.mark.embedded_only

EX = "http://example.org/"
TURTLE = f'@prefix ex: <{EX}> .\nex:a ex:p [ ex:q "one" ] ; ex:r <relative> .\n'
TRIG = f'<{EX}g/trig> {{ <{EX}t> <{EX}p> "in trig" . }}\n<{EX}d> <{EX}p> "trig default" .\n'
RDFXML = (f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">'
          f'<rdf:Description rdf:about="{EX}x"><ex:p>xml</ex:p></rdf:Description></rdf:RDF>')


def _lines(n: int, graph: str | None = None, start: int = 0) -> str:
    tail = f" <{graph}> .\n" if graph else " .\n"
    return "".join(f'<{EX}s/{i}> <{EX}v> "{i}"{tail}' for i in range(start, start + n))


def _load(*args: str) -> str:
    result = CliRunner().invoke(cli, ["load", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _snapshot(data_dir: Path) -> Store:
    """The current snapshot, in memory: a snapshot on disk may be deleted once it is not pinned."""
    pin = snapshots.pin(data_dir)
    try:
        copy = Store()
        copy.extend(Store.read_only(str(pin.path)))
        return copy
    finally:
        pin.release()


def _has_graph(data_dir: Path, graph: NamedNode) -> bool:
    """Whether the current snapshot names `graph`, empty or not (a copy in memory would hold only quads)."""
    pin = snapshots.pin(data_dir)
    try:
        return Store.read_only(str(pin.path)).contains_named_graph(graph)
    finally:
        pin.release()


def _graphs(data_dir: Path) -> dict[str, int]:
    """Quads per graph in the current snapshot (the default graph as "")."""
    counts: dict[str, int] = {}
    for quad in _snapshot(data_dir):
        name = getattr(quad.graph_name, "value", "")
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_load_reads_every_format_gzip_and_quads_into_one_new_snapshot(tmp_path):
    files = tmp_path / "in"
    files.mkdir()
    (files / "a.nt").write_text(_lines(3))
    (files / "b.ttl").write_text(TURTLE)
    (files / "c.rdf").write_text(RDFXML)
    (files / "d.trig").write_text(TRIG)
    with gzip.open(files / "e.nq.gz", "wt") as out:
        out.write(_lines(4, f"{EX}g/quads"))
    (files / "f.data").write_text(_lines(2, start=10))
    data_dir = tmp_path / "data"
    output = _load("--data-dir", str(data_dir), *(str(files / n) for n in ("a.nt", "b.ttl", "c.rdf", "d.trig", "e.nq.gz")))
    _load("--data-dir", str(data_dir), "--format", "application/n-triples", "--graph", f"{EX}g/given",
          str(files / "f.data"))
    assert "loaded 5 file(s)" in output and "published as snapshot 000000000001" in output
    assert _graphs(data_dir) == {
        (files / "a.nt").as_uri(): 3, (files / "b.ttl").as_uri(): 3, (files / "c.rdf").as_uri(): 1,
        f"{EX}g/trig": 1, "": 1, f"{EX}g/quads": 4, f"{EX}g/given": 2,
    }
    turtle = _snapshot(data_dir).query(f"SELECT ?o {{ GRAPH ?g {{ <{EX}a> <{EX}r> ?o }} }}")
    assert [row["o"].value for row in turtle] == [f"{(files / 'b.ttl').as_uri().rsplit('/', 1)[0]}/relative"]
    assert snapshots.generation(data_dir) == "000000000002"


def test_loading_a_file_of_triples_again_replaces_its_graph(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    file = tmp_path / "mine.nt"
    file.write_text(_lines(5))
    _load("--data-dir", str(data_dir), str(file))
    file.write_text(_lines(2, start=100))
    _load("--data-dir", str(data_dir), str(file))
    graphs = _graphs(data_dir)
    assert graphs[file.as_uri()] == 2 and graphs[SAMPLE_GRAPH] == SAMPLE_SIZE - 4  # the rest stays


def test_replace_leaves_only_the_files_loaded(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    file = tmp_path / "mine.nq"
    file.write_text(_lines(5, f"{EX}g/mine"))
    _load("--data-dir", str(data_dir), "--replace", str(file))
    assert _graphs(data_dir) == {f"{EX}g/mine": 5}


def test_triple_files_given_one_graph_are_loaded_together_replacing_what_it_held(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    first, second = tmp_path / "first.nt", tmp_path / "second.nt"
    first.write_text(_lines(3))
    second.write_text(_lines(2, start=10))
    _load("--data-dir", str(data_dir), "--graph", f"{EX}g/mine", str(first))
    _load("--data-dir", str(data_dir), "--graph", f"{EX}g/mine", str(first), str(second))
    assert _graphs(data_dir)[f"{EX}g/mine"] == 5  # the second file did not replace the first


def test_reloading_a_graph_that_holds_most_of_the_store_copies_the_rest_instead_of_dropping_it(tmp_path,
                                                                                              monkeypatch):
    data_dir = tmp_path / "data"
    shared = tmp_path / "shared.trig"  # one blank node in two graphs
    shared.write_text(f'<{EX}g/one> {{ _:k <{EX}p> "a" }} <{EX}g/two> {{ _:k <{EX}p> "b" }}\n')
    mine = tmp_path / "mine.nt"
    mine.write_text(_lines(50))
    _load("--data-dir", str(data_dir), str(shared), str(mine))
    empty = NamedNode(f"{EX}g/empty")  # as a Graph Store PUT of an empty body makes one
    with snapshots.write_lock(data_dir):
        load.stage(data_dir, lambda store: store.add_graph(empty))
    mine.write_text(_lines(40, start=100))

    def dropping(store, graph):
        raise AssertionError("a graph holding most of the store was dropped quad by quad")

    monkeypatch.setattr(load, "clear", dropping)
    load.load(data_dir, [load.source(mine)])
    assert _graphs(data_dir) == {f"{EX}g/one": 1, f"{EX}g/two": 1, mine.as_uri(): 40}
    assert _has_graph(data_dir, empty)
    kept = _snapshot(data_dir).query(f'ASK {{ GRAPH ?a {{ ?k <{EX}p> "a" }} GRAPH ?b {{ ?k <{EX}p> "b" }} }}')
    assert bool(kept)  # the copied blank node is still one node


def test_a_load_into_a_store_without_quads_makes_a_new_store_with_nothing_to_compact(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    load.load(data_dir, [])  # as `serve --no-report` starts one
    empty = NamedNode(f"{EX}g/empty")
    with snapshots.write_lock(data_dir):
        load.stage(data_dir, lambda store: store.add_graph(empty))

    def compacting(path):
        raise AssertionError("a store that held no quads was copied and compacted")

    monkeypatch.setattr(load.compaction, "Compactor", compacting)
    file = tmp_path / "mine.nq"
    file.write_text(_lines(30, f"{EX}g/mine"))
    load.load(data_dir, [load.source(file)])
    assert _graphs(data_dir) == {f"{EX}g/mine": 30}
    assert _has_graph(data_dir, empty)


def test_a_blank_node_label_is_one_node_in_its_file_and_another_in_the_next(tmp_path):
    data_dir = tmp_path / "data"
    one, other = tmp_path / "one.nt", tmp_path / "other.nt"
    one.write_text(f'_:b <{EX}first> "1" .\n' + _lines(1000) + f'_:b <{EX}last> "2" .\n')
    other.write_text(f'_:b <{EX}first> "3" .\n')
    _load("--data-dir", str(data_dir), "--graph", "default", str(one), str(other))
    store = _snapshot(data_dir)
    both = store.query(f'ASK {{ ?b <{EX}first> "1" ; <{EX}last> "2" }}')
    mixed = store.query(f'ASK {{ ?b <{EX}first> "1", "3" }}')
    assert bool(both) and not bool(mixed)
    _load("--data-dir", str(data_dir), "--graph", f"{EX}g/again", str(other))
    three = f'?b <{EX}first> "3"'
    nodes = _snapshot(data_dir).query(f"SELECT DISTINCT ?b {{ {{ {three} }} UNION {{ GRAPH ?g {{ {three} }} }} }}")
    assert len(list(nodes)) == 2  # loading the file again made a new node, not the one already stored


@pytest.mark.parametrize("content, message", [
    (_lines(3) + "<http://example.org/broken> .\n", "is not valid N-Triples"),
    (None, "cannot tell its RDF format"),
])
def test_a_file_that_cannot_be_loaded_changes_nothing(tmp_path, content, message):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    before = snapshots.generation(data_dir), snapshots.primary(data_dir)
    good, bad = tmp_path / "good.nt", tmp_path / ("bad.nt" if content else "bad.xyz")
    good.write_text(_lines(3, start=50))
    bad.write_text(content or _lines(1))
    result = CliRunner().invoke(cli, ["load", "--data-dir", str(data_dir), str(good), str(bad)])
    assert result.exit_code != 0 and message in result.output
    assert (snapshots.generation(data_dir), snapshots.primary(data_dir)) == before
    assert len(_snapshot(data_dir)) == SAMPLE_SIZE
    assert [p.name for p in (data_dir / "stores").iterdir()] == [before[1].name]  # the stage is gone


# A load killed (SIGKILL) halfway through its bulk load: `bulk_load` is replaced by one that loads, then dies.
KILLED = """import os, signal, sys
from pathlib import Path
from pyoxigraph import Store
from reformkg.service.store.embedded import load

class Dying:
    def __init__(self, path):
        self.store = Store(path)
    def __getattr__(self, name):
        return getattr(self.store, name)
    def bulk_load(self, **kwargs):
        self.store.bulk_load(**kwargs)
        self.store.flush()
        os.kill(os.getpid(), signal.SIGKILL)

load.Store = Dying
load.load(Path(sys.argv[1]), [load.source(Path(sys.argv[2]))])
"""


def test_a_load_is_published_whole_and_a_killed_one_changes_nothing(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    big = tmp_path / "big.nq"
    big.write_text(_lines(50_000, f"{EX}g/big"))
    killed = subprocess.run([sys.executable, "-c", KILLED, str(data_dir), str(big)], capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert len(_snapshot(data_dir)) == SAMPLE_SIZE and snapshots.generation(data_dir) == "000000000001"

    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(len(_snapshot(data_dir)))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _load("--data-dir", str(data_dir), str(big))
    finally:
        done.set()
        reader.join()
    assert seen <= {SAMPLE_SIZE, SAMPLE_SIZE + 50_000} and len(_snapshot(data_dir)) == SAMPLE_SIZE + 50_000
    assert not [p for p in (data_dir / "stores").iterdir() if p.name.endswith(".loading")]


@pytest.mark.parametrize("replace", [False, True])
def test_ten_reloads_leave_one_snapshot_on_disk(tmp_path, replace):
    data_dir = make_data_dir(tmp_path / "data", sample_nquads())
    file = tmp_path / "mine.nt"
    file.write_text(_lines(20_000))
    for _ in range(10):
        _load("--data-dir", str(data_dir), *(["--replace"] if replace else []), str(file))
    assert sorted(p.name for p in (data_dir / "snapshots").iterdir()) == ["000000000011"]
    assert disk_bytes(data_dir) <= 1.2 * disk_bytes(data_dir / "snapshots" / "000000000011")
    assert len(_snapshot(data_dir)) == 20_000 + (0 if replace else SAMPLE_SIZE)


def _count(server) -> int:
    answer = requests.get(f"{server.url}/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
                          headers={"Accept": "text/csv"}, timeout=10)
    return int(answer.text.split()[-1])


def test_serve_with_no_report_holds_only_what_is_loaded(server_factory, tmp_path):
    data_dir = tmp_path / "data"
    server = server_factory(data_dir, args=("--no-report",))
    assert _count(server) == 0 and not (data_dir / "dataset").exists()
    file = tmp_path / "mine.nq"
    file.write_text(_lines(7, f"{EX}g/mine"))
    _load("--data-dir", str(data_dir), str(file))  # while the server runs: the next query sees it
    assert _count(server) == 7
    graphs = requests.get(f"{server.url}/sparql", params={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"},
                          headers={"Accept": "text/csv"}, timeout=10)
    assert graphs.text.split()[1:] == [f"{EX}g/mine"]
