"""Run reformkg over Virtuoso open source and write down what works and what Virtuoso does differently.

Starts `virtuoso-t` (Debian's `virtuoso-opensource`) on a temporary database bound to 127.0.0.1 (both
its SQL and HTTP ports), publishes the built dataset to it through the backend (`reformkg load`'s
code: a GSP PUT per named graph, Digest-authenticated as dba), then runs the backend contract and every
named query (queries/*.rq, parameters bound to their examples) and compares each answer with what
pyoxigraph gives on the same data. Writes benchmarks/results/virtuoso_compat.md.

    apt-get install -y virtuoso-opensource && python benchmarks/virtuoso_compat.py
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import requests
from pyoxigraph import (
    BlankNode, RdfFormat, Store, Variable, parse, parse_query_results,
)

from reformkg.graph.build import build
from reformkg.service.sparql.catalog import load_catalog
from reformkg.service.errors import NotFound, QuerySyntaxError, ResultTooLarge, ServiceError
from reformkg.service.settings import Settings
from reformkg.service.sparql.text import SparqlText
from reformkg.service.formats import GRAPH, RESULTS, media_types
from reformkg.service.store.base import Payload, QueryRequest
from reformkg.service.formats import BY_MEDIA
from reformkg.service.store.remote.publish import publish
from reformkg.service.store.remote import RemoteStore
from reformkg.service.sparql.terms import parse_term

from compare.systems import free_port, virtuoso_ini

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "virtuoso_compat.md"
RKG = "https://w3id.org/reformkg/ontology#"
BASE = "https://w3id.org/reformkg/"
class Virtuoso:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.http = free_port()
        # The harness's configuration, with the limits this run documents (ResultSetMaxRows, 60 s).
        ini = virtuoso_ini(directory, free_port(), self.http, directory, result_rows=1_000_000, max_seconds=60)
        self.url = f"http://127.0.0.1:{self.http}"
        self.process = subprocess.Popen(["virtuoso-t", "-f", "-c", str(ini)], cwd=directory,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}; see {directory}/virtuoso.log")
            try:
                requests.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("virtuoso-t did not answer within 120 s")

    def version(self) -> str:
        return requests.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=5).headers.get("Server", "?")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def solutions(body: bytes, media: str) -> list[tuple]:
    results = parse_query_results(body, format=BY_MEDIA[media].syntax)
    names = [v.value for v in results.variables]
    return [tuple(s[n] for n in names) for s in results]


def grounded(items) -> set:
    return {i for i in items if not any(isinstance(t, BlankNode) for t in (i.subject, i.object))}


class Checks:
    def __init__(self, backend: RemoteStore, truth: Store) -> None:
        self.backend, self.truth = backend, truth
        self.rows: list[tuple[str, str, str]] = []

    def check(self, name: str, run: Callable[[], str | None]) -> None:
        try:
            note = run()
            self.rows.append((name, "works", note or ""))
        except AssertionError as exc:
            self.rows.append((name, "differs", str(exc).replace("\n", " ")[:300]))
        except ServiceError as exc:
            self.rows.append((name, f"error {exc.status}", exc.message.replace("\n", " ")[:300]))
        except Exception as exc:  # a check must not stop the run: it is reported instead
            self.rows.append((name, "error", f"{type(exc).__name__}: {exc}"[:300]))
            traceback.print_exc()

    def query(self, text: str, accept: str = "application/sparql-results+json", **kw) -> tuple[str, bytes]:
        response = self.backend.query(QueryRequest(text, accept=accept, **kw))
        return response.media_type, b"".join(response.body)

    def expected(self, text: str, **kw) -> list[tuple]:
        results = self.truth.query(text, use_default_graph_as_union=True, **kw)
        names = [v.value for v in results.variables]
        return [tuple(s[n] for n in names) for s in results]


def contract(c: Checks) -> None:
    reforms = f"PREFIX rkg: <{RKG}> SELECT ?r ?n WHERE {{ ?r a rkg:Reform ; rkg:number ?n }} ORDER BY ?n"
    for media in media_types(RESULTS):
        def select(media=media):
            answered, body = c.query(reforms, accept=media)
            assert answered == media, answered
            if media == "text/csv":
                assert len(body.decode().splitlines()) == 11, body[:200]
                return "row count checked (CSV does not read back as terms)"
            assert solutions(body, media) == c.expected(reforms), body[:300]
            return None
        c.check(f"SELECT as {media}", select)
    for media in media_types(RESULTS):
        def ask(media=media):
            _, body = c.query(f"ASK {{ ?r a <{RKG}Reform> }}", accept=media)
            expected = c.truth.query(f"ASK {{ ?r a <{RKG}Reform> }}", use_default_graph_as_union=True)
            if media == "application/sparql-results+json":
                # Passed through as Virtuoso writes it ("link": [] in its head): valid, so compared as a boolean.
                assert bool(parse_query_results(body, format=BY_MEDIA[media].syntax)) == bool(expected), body
                return "Virtuoso's JSON, passed through"
            assert body == expected.serialize(format=BY_MEDIA[media].syntax), body
            return None
        c.check(f"ASK as {media}", ask)
    construct = f"PREFIX rkg: <{RKG}> CONSTRUCT {{ ?r ?p ?o }} WHERE {{ ?r a rkg:Reform ; ?p ?o }}"
    for media in media_types(GRAPH):
        def graph(media=media):
            answered, body = c.query(construct, accept=media)
            assert answered == media, answered
            got = {getattr(q, "triple", q) for q in parse(body, format=BY_MEDIA[media].syntax)}
            assert got == set(c.truth.query(construct, use_default_graph_as_union=True)), f"{len(got)} triples"
        c.check(f"CONSTRUCT as {media}", graph)

    def union():
        text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        assert solutions(c.query(text)[1], "application/sparql-results+json") == c.expected(text)
    c.check("default graph = union of the dataset's graphs", union)

    def default_graph_uri():
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?r a <{RKG}Reform> }}"
        got = solutions(c.query(text, default_graphs=(f"{BASE}graph/ontology",))[1], "application/sparql-results+json")
        assert int(got[0][0].value) == 0, got
    c.check("default-graph-uri", default_graph_uri)

    def named_graph_uri():
        named = (f"{BASE}graph/curation", f"{BASE}graph/metadata")
        got = solutions(c.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=named)[1],
                        "application/sparql-results+json")
        assert sorted(r[0].value for r in got) == sorted(named), got
    c.check("named-graph-uri", named_graph_uri)

    def substitution():
        text = f"PREFIX rkg: <{RKG}> SELECT ?r ?n WHERE {{ ?r a rkg:Reform ; rkg:number ?n }}"
        got = solutions(c.query(text, substitutions={"n": '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'})[1],
                        "application/sparql-results+json")
        assert [r[0].value for r in got] == [f"{BASE}report/cq-civil-affairs-2022/reform/3"], got
    c.check("substitutions as a VALUES block", substitution)

    def injection():
        before = c.backend.triple_count()
        got = c.query("SELECT ?s ?o WHERE { ?s ?p ?o }", substitutions={"o": '"\\" } ; DROP ALL ; { \\""'})[1]
        assert solutions(got, "application/sparql-results+json") == [] and c.backend.triple_count() == before
    c.check("a literal holding query syntax stays a literal", injection)

    c.check("named_graphs()", lambda: _equal(c.backend.named_graphs(), sorted(g.value for g in c.truth.named_graphs())))
    c.check("triple_count()", lambda: _equal(c.backend.triple_count(), len(c.truth)))

    def dataset():
        body = b"".join(c.backend.dataset_get("application/n-quads").body)
        assert grounded(parse(body, format=RdfFormat.N_QUADS)) == grounded(c.truth)
        return "assembled graph by graph (Virtuoso's GSP has no whole-store GET)"
    c.check("dataset_get (N-Quads)", dataset)

    def syntax():
        try:
            c.query("SELEC x")
        except QuerySyntaxError as exc:
            assert exc.message == SparqlText("SELEC x").syntax_error(False), exc.message
            return "Virtuoso's SP030 message is replaced by pyoxigraph's, as the embedded store words it"
        raise AssertionError("no syntax error")
    c.check("syntax errors read like the embedded store's", syntax)

    def too_many():
        try:
            c.query(reforms, max_rows=3)
        except ResultTooLarge:
            return None
        raise AssertionError("max_rows not enforced")
    c.check("max_rows enforced client-side", too_many)

    scratch = "http://example.org/graph/scratch"

    def gsp():
        payload = Payload(b"<http://example.org/a> <http://example.org/p> 1 .", "text/turtle")
        assert c.backend.graph_replace(scratch, [payload]) is True
        assert c.backend.graph_replace(scratch, [payload]) is False
        assert c.backend.graph_add(scratch, [Payload(b"<http://example.org/a> <http://example.org/p> 2 .",
                                                     "text/turtle")]) is False
        assert c.backend.graph_exists(scratch)
        body = b"".join(c.backend.graph_get(scratch, "application/n-triples").body)
        assert len(list(parse(body, format=RdfFormat.N_TRIPLES))) == 2, body
        c.backend.graph_delete(scratch)
        assert not c.backend.graph_exists(scratch)
        try:
            c.backend.graph_delete(scratch)
        except NotFound:
            return "PUT/POST/GET/DELETE via /sparql-graph-crud-auth; existence by ASK (HEAD is 501)"
        raise AssertionError("deleting an absent graph is not 404")
    c.check("Graph Store Protocol on a scratch graph", gsp)

    def update():
        c.backend.update(f"INSERT DATA {{ GRAPH <{scratch}> {{ <http://example.org/u> <http://example.org/p> 7 }} }}", 30)
        got = solutions(c.query("SELECT ?o WHERE { <http://example.org/u> ?p ?o }")[1], "application/sparql-results+json")
        c.backend.update(f"DROP SILENT GRAPH <{scratch}>", 30)
        assert [r[0].value for r in got] == ["7"], got
        return "through /sparql-auth with Digest credentials"
    c.check("SPARQL Update", update)


def _equal(got, expected) -> None:
    assert got == expected, f"{got!r} != {expected!r}"


def competency(c: Checks) -> None:
    for named in load_catalog():
        def run(named=named):
            substitutions = named.bind({p.name: [p.example] for p in named.parameters if p.example is not None})
            expected = c.expected(named.text, substitutions={Variable(k): parse_term(v) for k, v in substitutions.items()})
            got = solutions(c.query(named.text, substitutions=substitutions, max_rows=100_000)[1],
                            "application/sparql-results+json")
            if sorted(map(repr, got)) == sorted(map(repr, expected)):
                return f"{len(got)} rows, identical"
            values = lambda rows: sorted(repr(tuple(getattr(t, "value", t) for t in r)) for r in rows)  # noqa: E731
            extra = sorted(set(map(repr, got)) - set(map(repr, expected)))[:1]
            missing = sorted(set(map(repr, expected)) - set(map(repr, got)))[:1]
            assert values(got) == values(expected), (f"{len(got)} rows, expected {len(expected)}; "
                                                     f"e.g. got {extra} expected {missing}")
            return f"{len(got)} rows; same values, different datatypes or languages"
        c.check(f"queries/{named.name}.rq", run)


def write(rows: list[tuple[str, str, str]], version: str, note: str = "") -> None:
    works = sum(1 for r in rows if r[1] == "works")
    lines = [
        "# reformkg over Virtuoso open source", "",
        f"Run by `python benchmarks/virtuoso_compat.py` against **{version}** (Debian bookworm's "
        "`virtuoso-opensource` 7.2.5), started on a temporary database bound to 127.0.0.1, loaded with "
        "the built dataset by the backend's GSP PUT per graph (`reformkg load --into`). Each answer is "
        "compared with pyoxigraph's on the same data.", "",
        f"**{works} of {len(rows)} checks work.** {note}", "",
        "| check | result | note |", "| --- | --- | --- |",
        *[f"| {name} | {result} | {text.replace('|', '/')} |" for name, result, text in rows], "",
        "## What Virtuoso does differently, and what the backend does about it", "",
        "| Virtuoso | the backend (service/store/remote.py, flavour `virtuoso`) |", "| --- | --- |",
        "| Endpoints: queries at `/sparql`; updates need `/sparql-auth` (Digest); GSP at `/sparql-graph-crud` "
        "(read) and `/sparql-graph-crud-auth` (write, Digest). Anonymous updates fail with HTTP 500 "
        "`SR186: No permission`. | Flavour read from the `Server` header; URLs derived from the root; Digest "
        "auth when `store_user`/`store_password` are set; a 401/403 becomes 502 \"refused reformkg's credentials\". |",
        "| The default graph is every graph, its own system graphs included (`virtrdf#`, `ldp#`, "
        "`localuriqaserver`: ~2,500 triples on a fresh database). | With no dataset in the request, the user's "
        "graphs (system graphs left out, list kept 10 s) are sent as `default-graph-uri` and `named-graph-uri`. |",
        "| TSV results are not W3C TSV: headers without `?`, IRIs and literals as quoted strings, language tags "
        "lost. ASK in CSV/TSV is `\"bool\"` then `1`. | TSV fetched as JSON and written by pyoxigraph; ASK is "
        "always fetched as JSON and written by pyoxigraph, on every server. |",
        "| CONSTRUCT in `application/n-quads` or `application/trig` is 406. | N-Triples resp. Turtle are asked "
        "for: a graph's N-Triples are valid N-Quads and its Turtle valid TriG. |",
        "| GSP: `HEAD` is 501; a PUT over an existing graph answers 200 (new: 201); an empty graph does not "
        "exist (graphs exist only through their triples). | Existence asked with `ASK { GRAPH <g> { ?s ?p ?o } }`; "
        "created = 201. |",
        "| No whole-dataset GET on the GSP. | `dataset_get` assembles N-Quads/TriG graph by graph. |",
        "| Syntax errors: 400 `Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error at …` followed "
        "by the whole query. | The query is parsed by pyoxigraph on the error path, so the message is the "
        "embedded store's; a query pyoxigraph accepts keeps Virtuoso's first paragraph. |",
        "| `timeout` (ms) is an \"anytime query\": when it runs out Virtuoso answers 200 with *partial* results "
        "and `X-SQL-State: S1TAT`. | The deadline is sent as `timeout`; an S1TAT answer becomes 504, never a "
        "partial result. |",
        "| `ResultSetMaxRows` (10,000 in Debian's virtuoso.ini) silently truncates SELECT results. | Cannot be "
        "seen from the answer: set `ResultSetMaxRows` at least to reformkg's `max_result_rows` (the compat run "
        "uses 1,000,000). |",
        "| JSON/Turtle escape non-ASCII as `\\uXXXX`; results carry `\"link\": []`, `distinct`, `ordered`. | "
        "Valid; passed through (pyoxigraph reads them). |",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    if shutil.which("virtuoso-t") is None:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text("# reformkg over Virtuoso open source\n\nNot run: `virtuoso-t` is not installed "
                       "(`apt-get install -y virtuoso-opensource`).\n", encoding="utf-8")
        raise SystemExit("virtuoso-t is not installed")
    built = build()
    with tempfile.TemporaryDirectory(prefix="reformkg-virtuoso-") as tmp:
        directory = Path(tmp)
        nquads = directory / "reformkg.nq"
        nquads.write_bytes(built.nquads)
        truth = Store()
        truth.load(built.nquads, format=RdfFormat.N_QUADS)
        server = Virtuoso(directory)
        try:
            settings = Settings(data_dir=directory, store=server.url, store_user="dba", store_password="dba",
                                query_timeout=60.0, max_result_rows=100_000)
            backend = RemoteStore(settings)
            started = time.monotonic()
            published = list(publish(nquads, backend))
            loaded = (f"Loaded {sum(p.triples for p in published)} triples in {len(published)} graphs in "
                      f"{time.monotonic() - started:.1f} s.")
            checks = Checks(backend, truth)
            contract(checks)
            competency(checks)
            write(checks.rows, server.version(), loaded)
            backend.close()
        finally:
            server.stop()
    print(OUT.read_text())


if __name__ == "__main__":
    main()
