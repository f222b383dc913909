"""The service's answers from this source tree beside another's (an earlier commit), byte for byte.

    git worktree add /tmp/before <commit>
    python3 benchmarks/answers.py --baseline /tmp/before

Both trees' services answer on copies of one data directory (`reformkg build` by this tree), in
process, without their result caches; the baseline's service runs with this tree's graph/, ontology/ and
queries/, so that only the service differs: every query of the benchmark mix, every named query (with and
without its examples' parameters) and a few more, in every format a SPARQL query is offered in (and with
no Accept, and an Accept nothing fits), through `Backend.query`; and a list of pages and API answers
through the Flask test client. The baseline runs this same file with its tree's packages first on the
path. Writes benchmarks/results/answers-baseline.md: which answers differ, and how.

JSON-LD pages are written by rdflib, whose order of nodes follows Python's per-process string hashing,
so they are compared as sets of lines only when both runs share PYTHONHASHSEED (this script sets it).
"""
from __future__ import annotations

import argparse
import collections
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SPARQL_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "text/turtle", "application/n-triples", "application/rdf+xml",
                "application/ld+json", "application/n-quads", "application/trig", None, "image/png"]
BASE = "https://w3id.org/reformkg/"
MORE = ["DESCRIBE <{focus}>", "CONSTRUCT WHERE {{ ?s ?p ?o }} LIMIT 20", "SELECT * WHERE {{ ?s ?p ?o }} LIMIT 2000",
        "SELECT ?x WHERE {{ OPTIONAL {{ ?s <urn:x> ?x }} }} LIMIT 3", "ASK {{ ?s ?p ?o }}",
        "PREFIX ex: <http://example.org/> CONSTRUCT {{ ?s ex:p ?o }} WHERE {{ ?s ?p ?o }} LIMIT 50",
        "SELECT * WHERE {{ ?s ?p ?o FILTER(isBlank(?s)) }} LIMIT 50", "SELEC x", "SELECT x", "CONSTRUCT x",
        "SELECT * {{ SERVICE <http://x/> {{ }} }}"]
PAGES = ["/", "/?lang=zh", "/ontology", "/ontology.ttl", "/dataset", "/dataset.ttl", "/.well-known/void",
         "/context.jsonld", "/api/queries", "/api/openapi.json", "/api/search?q=%E5%85%BB%E8%80%81",
         "/api/search?q=elderly&lang=en", "/api/export.graphml", "/dumps/reformkg.nq", "/dumps/reformkg.trig",
         "/dumps/reformkg.ttl", "/sparql", "/query", "/store?default"]


def collect(data_dir: Path, out: Path) -> None:
    """Run in the tree under test: every answer and page, pickled to `out`."""
    import pyoxigraph

    sys.path.insert(0, str(HERE))
    from compare import mix

    from reformkg.service.app import create_app
    from reformkg.service.errors import ServiceError
    from reformkg.service.settings import Settings
    from reformkg.service.store.base import QueryRequest
    from reformkg.service.store.embedded import EmbeddedStore
    try:
        from reformkg.service.sparql.catalog import load_catalog
    except ImportError:  # before issue 14
        from reformkg.service.catalog import load_catalog

    settings = Settings(data_dir=data_dir, result_cache_bytes=0, query_workers=1)
    snapshot = pyoxigraph.Store.read_only(str(data_dir / "snapshot"))
    focus = mix.focus_resource(snapshot)
    jobs = [(q.name, q.text, {}) for q in mix.queries(focus)]
    jobs += [(f"more-{i}", text.format(focus=focus), {}) for i, text in enumerate(MORE)]
    for named in load_catalog():
        examples = {p.name: [p.example] for p in named.parameters if p.example is not None}
        for suffix, given in (("", {}), ("+examples", examples)):
            try:
                jobs.append((named.name + suffix, named.text, named.bind(given)))
            except ServiceError:
                pass  # a required parameter without a value
    store = EmbeddedStore.open(settings)
    answers = {}
    for name, text, substitutions in jobs:
        for media in SPARQL_TYPES:
            try:
                response = store.query(QueryRequest(text, accept=media, substitutions=substitutions))
                answers[(name, media)] = (response.form, response.media_type, b"".join(response.body))
            except ServiceError as exc:
                answers[(name, media)] = ("error", exc.status, exc.message)
    store.close()

    app = create_app(settings)
    client = app.test_client()
    subjects = snapshot.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{BASE}')) }} ORDER BY ?s",
                              use_default_graph_as_union=True)
    paths = list(dict.fromkeys("/" + row[0].value[len(BASE):].split("#")[0] for row in subjects))[::7]
    urls = [(p + s, accept) for p in paths for s, accept in (("", "text/html"), ("", "text/turtle"), (".nt", None))]
    urls += [(p, None) for p in PAGES]
    urls += [(f"/api/graph?iri={BASE}{paths[0][1:]}", None)]
    for named in load_catalog():
        query = "&".join(f"{p.name}={p.example}" for p in named.parameters if p.example is not None)
        urls += [(f"/api/queries/{named.name}?{query}&format={f}", None) for f in ("json", "csv", "xml", "tsv")]
    pages = {}
    for path, accept in urls:
        response = client.get(path, headers={"Accept": accept} if accept else {})
        headers = {k: v for k, v in response.headers.items() if k not in ("X-Request-Id", "Date", "Set-Cookie")}
        pages[(path, accept)] = (response.status_code, headers, response.data)
    app.extensions["reformkg.backend"].close()
    out.write_bytes(pickle.dumps((answers, pages)))


def run_tree(tree: Path | None, data_dir: Path, out: Path, work: Path) -> None:
    """`collect` in a process of its own, with `tree`'s service first on the path (None: this tree's)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if tree is not None:
        packages = work / "python" / "reformkg"
        packages.mkdir(parents=True, exist_ok=True)
        for folder in ("graph", "ontology", "queries", "service"):
            (packages / folder).symlink_to((tree if folder == "service" else ROOT).resolve() / folder)
        env["PYTHONPATH"] = str(packages.parent)
    subprocess.run([sys.executable, __file__, "--collect", str(data_dir), str(out)], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def kinds(old: tuple, new: tuple) -> str:
    """How two pages differ: status, which headers, the body, or only the order of its lines or links."""
    if old[0] != new[0]:
        return f"status {old[0]} → {new[0]}"
    parts = []
    headers = sorted(h for h in {*old[1], *new[1]} if old[1].get(h) != new[1].get(h))
    if headers == ["Link"] and sorted(old[1]["Link"].split(", ")) == sorted(new[1]["Link"].split(", ")):
        parts.append("the order of the Link header's alternates")
    elif headers:
        parts.append("headers " + ", ".join(headers))
    if old[2] != new[2]:
        same_lines = collections.Counter(old[2].splitlines()) == collections.Counter(new[2].splitlines())
        parts.append("the order of its lines" if same_lines else "its body")
    return "; ".join(parts)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", type=Path, help="the other source tree")
    p.add_argument("--collect", nargs=2, type=Path, metavar=("DATA_DIR", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.collect:
        collect(*args.collect)
        return 0
    if args.baseline is None:
        p.error("give --baseline DIR")
    with tempfile.TemporaryDirectory(prefix="reformkg-answers-") as tmp:
        work = Path(tmp)
        subprocess.run(["reformkg", "build", "--data-dir", str(work / "data")], check=True, stdout=subprocess.DEVNULL)
        shutil.copytree(work / "data", work / "baseline-data", symlinks=True)
        run_tree(None, work / "data", work / "this.pkl", work)
        run_tree(args.baseline, work / "baseline-data", work / "baseline.pkl", work)
        this_answers, this_pages = pickle.loads((work / "this.pkl").read_bytes())
        base_answers, base_pages = pickle.loads((work / "baseline.pkl").read_bytes())
    commit = subprocess.run(["git", "-C", str(args.baseline), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    differ = sorted((k for k in base_answers if base_answers[k] != this_answers.get(k)), key=str)
    out = ["# Answers before and after: this tree beside the baseline", "",
           f"`python3 benchmarks/answers.py --baseline {args.baseline}` (baseline at {commit}), on copies of one "
           "data directory built by this tree.", "",
           f"**SPARQL answers** (`Backend.query`, each query in {len(SPARQL_TYPES)} Accept values, errors "
           f"included): {len(base_answers)} compared, {len(base_answers) - len(differ)} identical byte for byte, "
           f"{len(differ)} different."]
    out += ["", *(f"- `{name}` as {media}" for name, media in differ)] if differ else []
    summary = collections.Counter(kinds(base_pages[k], this_pages[k]) for k in base_pages
                                  if base_pages[k] != this_pages.get(k))
    out += ["", f"**Pages and API answers** (Flask's test client): {len(base_pages)} compared, "
            f"{len(base_pages) - sum(summary.values())} identical; the others differ in", ""]
    out += [f"- {what}: {n}" for what, n in summary.most_common()]
    bodies = sorted(k[0] for k in base_pages if base_pages[k] != this_pages.get(k)
                    and "its body" in kinds(base_pages[k], this_pages[k]))
    if bodies:
        out += ["", "Pages whose body differs other than in order: " + ", ".join(f"`{b}`" for b in bodies)]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "answers-baseline.md").write_text("\n".join(out) + "\n", encoding="utf-8")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
