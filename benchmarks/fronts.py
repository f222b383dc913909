"""What the HTTP front costs: the floor under every request, beside the Oxigraph server (issues 15, 18).

Cheap queries (ASK, one resource's properties) are mostly front: parsing the request, handing it to a
thread, writing the answer. This measures, in one run, systems interleaved round by round:

- `gunicorn hello` and `granian hello`: a WSGI app that answers every request with the same bytes
  (the size of the lookup's answer), no Flask, nothing read: the most any app can get from that front,
  as gunicorn gthread (2 workers × 8 threads, as reformkg runs it) and granian (2 workers, 8 blocking
  threads);
- `reformkg`: `reformkg serve` as shipped (its gunicorn worker, caches on), and `reformkg on granian`: the
  same app (service.app.create_app) under granian, caches on, without reformkg's waiting room, deadlines
  or client checks (what granian would have to take over);
- `oxigraph`: the Oxigraph server (`serve-read-only --union-default-graph`) on the same data.

Each at 1, 8 and 32 connections, wrk (2 threads), POST application/sparql-query. The data is the
built report (`reformkg build` into --work). granian is a benchmark-only dependency (`pip install
granian`); without it, its systems are left out.

    python benchmarks/fronts.py --rounds 3 --duration 5
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare.systems import Process, free_port  # noqa: E402
from compare.wrk import Request, run  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
FOCUS = "https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1"
QUERIES = {
    "ask": "ASK { ?s ?p ?o }",
    "lookup": f"SELECT ?p ?o WHERE {{ <{FOCUS}> ?p ?o }}",
}
APPS = '''
import os

BODY = b"x" * int(os.environ.get("HELLO_BYTES", "5790"))


def hello(environ, start_response):
    """Every request answered with the same bytes: the front's floor."""
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def reformkg():
    from reformkg.service.app import create_app
    from reformkg.service.settings import load_settings

    return create_app(load_settings())
'''


def systems(work: Path, data_dir: Path) -> dict[str, tuple[list[str], str, dict[str, str]]]:
    """name: (command with {port}, path of the endpoint, environment)."""
    apps = work / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    (apps / "fronts_apps.py").write_text(APPS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(apps), "REFORMKG_DATA_DIR": str(data_dir)}
    found: dict[str, tuple[list[str], str, dict[str, str]]] = {}
    gunicorn = shutil.which("gunicorn")
    if gunicorn:
        found["gunicorn hello"] = ([gunicorn, "-w", "2", "--threads", "8", "-k", "gthread", "-b", "127.0.0.1:{port}",
                                    "--chdir", str(apps), "fronts_apps:hello"], "/sparql", env)
    granian = shutil.which("granian")
    if granian:
        common = [granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", "{port}", "--workers", "2",
                  "--blocking-threads", "8", "--working-dir", str(apps)]
        found["granian hello"] = ([*common, "fronts_apps:hello"], "/sparql", env)
        found["reformkg on granian"] = ([*common, "--factory", "fronts_apps:reformkg"], "/sparql", env)
    found["reformkg"] = ([shutil.which("reformkg") or "reformkg", "serve", "--data-dir", str(data_dir),
                          "--host", "127.0.0.1", "--port", "{port}"], "/sparql", env)
    oxigraph = shutil.which("oxigraph")
    if oxigraph:
        store = work / "oxigraph"
        if not store.exists():
            subprocess.run([oxigraph, "load", "--location", str(store), "--file",
                            str(data_dir / "dataset" / "reformkg.nq")], check=True, capture_output=True)
        found["oxigraph"] = ([oxigraph, "serve-read-only", "--location", str(store), "--bind", "127.0.0.1:{port}",
                              "--union-default-graph"], "/query", env)
    return found


def ready(url: str, limit: float = 60.0) -> None:
    request = urllib.request.Request(url, data=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {limit:g} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--work", type=Path, default=Path("/tmp/reformkg-fronts"))
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    data_dir = args.work / "data"
    if not (data_dir / "store").exists():
        subprocess.run([shutil.which("reformkg") or "reformkg", "build", "--data-dir", str(data_dir)], check=True,
                       capture_output=True)
    found = systems(args.work, data_dir)
    figures: dict[str, dict[str, list[dict]]] = {name: {} for name in found}
    load = os.getloadavg()
    for round_ in range(args.rounds):
        names = list(found)
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            command, path, env = found[name]
            port = free_port()
            process = Process([part.replace("{port}", str(port)) for part in command], args.work / f"{name}.log",
                              env=env)
            try:
                url = f"http://127.0.0.1:{port}{path}"
                ready(url)
                for query, text in QUERIES.items():
                    requests = [Request("POST", {"Content-Type": "application/sparql-query",
                                                 "Accept": "application/sparql-results+json"}, text.encode())]
                    run(url, requests, 2, 1.0, 10, args.work / "warm.lua")
                    for connections in args.connections:
                        result = run(url, requests, connections, args.duration, 10, args.work / "run.lua")
                        process.settle(10)
                        figures[name].setdefault(f"{query} {connections}", []).append(result.as_dict())
                        print(f"{name} {query} c={connections}: {result.rps:,.0f}/s p50 {result.p50_ms} ms", flush=True)
            finally:
                process.stop()
    table = {name: {key: {"rps": statistics.median(r["rps"] for r in runs),
                          "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                          "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                          "errors": sum(r["errors"] for r in runs)}
                    for key, runs in by.items()} for name, by in figures.items()}
    results = {"command": " ".join(sys.argv), "note": args.note, "load_at_start": load,
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
               "medians": table, "runs": figures}
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "fronts.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = ["# The HTTP front's floor beside the Oxigraph server (issues 15, 18)", "",
             f"`{results['command']}`; {os.cpu_count()} cores, Python {platform.python_version()}, load average at "
             f"start {', '.join(f'{x:.2f}' for x in load)}; median of {args.rounds} round(s), systems interleaved.", ""]
    if args.note:
        lines += [f"> {args.note}", ""]
    lines += ["| query | connections | " + " | ".join(table) + " |",
              "| --- | ---: | " + " | ".join("---:" for _ in table) + " |"]
    oxigraph = table.get("oxigraph", {})
    for query in QUERIES:
        for connections in args.connections:
            key = f"{query} {connections}"
            cells = []
            for name in table:
                figure = table[name][key]
                ratio = f" ({figure['rps'] / oxigraph[key]['rps']:.2f}×)" if key in oxigraph and name != "oxigraph" else ""
                cells.append(f"{figure['rps']:,.0f}/s{ratio}, p50 {figure['p50_ms']:.3f} ms"
                             + (f", {figure['errors']} errors" if figure["errors"] else ""))
            lines.append(f"| {query} | {connections} | " + " | ".join(cells) + " |")
    lines += ["", "Requests/s (÷ the Oxigraph server's) and p50 latency. *hello*: a WSGI app that only returns "
              "the same bytes; *reformkg on granian*: reformkg's app, caches on, under granian without reformkg's "
              "own worker (no waiting room, deadlines or client checks)."]
    (args.results / "fronts.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
