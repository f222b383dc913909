"""reformkg side by side with the Oxigraph server, Virtuoso, rdflib-endpoint and pyoxigraph in process.

    python3 benchmarks/compare.py --dataset reform --connections 1,8,32 --duration 10 \\
        --systems reformkg,oxigraph,virtuoso,rdflib-endpoint,pyoxigraph

Starts every system itself on 127.0.0.1 (free ports), loads the same N-Quads into each, checks that
each answers every query of the mix as pyoxigraph does, then drives the HTTP systems with `wrk` and
pyoxigraph with a thread pool, interleaved: for each connection count, each system in turn, `--rounds`
times. Writes benchmarks/results/compare-<dataset>.{md,json,png} and stops everything it started, also
when the hard `--time-limit` strikes or it is interrupted.

The floor-* systems (`compare/floor_app.py`) are the least Python a service can run per request, under
granian or gunicorn, evaluating on pyoxigraph or passing to a Virtuoso: the targets are judged for them
too, as bounds on what any Python service can reach here.

Benchmark-only dependencies, not the package's: Debian `wrk` and `virtuoso-opensource`, and
`pip install oxigraph rdflib-endpoint uvicorn granian matplotlib`.
"""
from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from compare import datasets, mix, report, targets, verify, wrk
from compare.inprocess import InProcess, answer
from compare.systems import (FLOORS, OxigraphServer, PythonFloor, RdflibEndpoint, ReformKG, ReformKGOverVirtuoso,
                             Unavailable, Virtuoso, fetch)

RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = Path(__file__).resolve().parent.parent / "queries"
ORDER = ["reformkg", "reformkg-baseline", "oxigraph", "virtuoso", "reformkg-virtuoso", "reformkg-virtuoso-baseline",
         *FLOORS, "rdflib-endpoint", "pyoxigraph-memory", "pyoxigraph-disk"]


class TimeLimit(Exception):
    """The whole run's hard time limit struck."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", choices=["reform", "2m"], default="reform",
                   help="reform: the built report; 2m: ~2 M triples from benchmarks/generate.py")
    p.add_argument("--triples", type=int, default=2_000_000, help="size of the 2m dataset")
    p.add_argument("--connections", default="1,8,32", help="comma-separated wrk connection counts")
    p.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    p.add_argument("--rounds", type=int, default=2, help="round-robin repetitions per connection count")
    p.add_argument("--systems", default="reformkg,oxigraph,virtuoso,rdflib-endpoint,pyoxigraph",
                   help="any of reformkg, reformkg-virtuoso, oxigraph, virtuoso, rdflib-endpoint, pyoxigraph "
                        "(= pyoxigraph-memory and pyoxigraph-disk), floor-granian, floor-gunicorn, floor-granian-virtuoso, "
                        "floor-gunicorn-virtuoso (the least Python per request, embedded or as a proxy, under "
                        "granian or gunicorn: compare/floor_app.py)")
    p.add_argument("--extra-connections", default="1,8",
                   help="connection counts for the single-query runs of reformkg's other surfaces (targets 4, 5); "
                        "0 or empty: not run")
    p.add_argument("--each-query", default="",
                   help="connection counts at which each query of the mix also runs alone on every HTTP system, "
                        "systems interleaved (issue 18: each query's p50 ≤ 1.2× Oxigraph's); empty: not run")
    p.add_argument("--request-timeout", type=float, default=30, help="wrk's per-request timeout, seconds")
    p.add_argument("--time-limit", type=float, default=3600, help="hard limit for the whole run, seconds")
    p.add_argument("--ready-timeout", type=float, default=600, help="seconds a server may take to answer")
    p.add_argument("--reformkg-args", default="", help="extra `reformkg serve` arguments, e.g. '--workers 2'")
    p.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                   help="another source tree of reformkg (e.g. `git worktree add /tmp/before HEAD`), served as "
                        "the system reformkg-baseline beside this tree's, on a copy of the same data (and, with "
                        "reformkg-virtuoso, reformkg-virtuoso-baseline over a Virtuoso of its own)")
    p.add_argument("--floor-threads", type=int, default=None,
                   help="threads per worker of the floor-granian* systems (default 1; the floor-gunicorn* ones "
                        "run reformkg's 8)")
    p.add_argument("--note", action="append", default=[],
                   help="a sentence for the results file, e.g. what else the machine was doing (repeatable)")
    p.add_argument("--out", type=Path, default=RESULTS, help="where the .md, .json and .png go")
    p.add_argument("--keep-work", action="store_true", help="keep the temporary directory (logs, stores)")
    args = p.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.extra_connections = [int(c) for c in args.extra_connections.split(",") if c.strip() and int(c) > 0]
    args.each_query = [int(c) for c in args.each_query.split(",") if c.strip()]
    names = []
    for name in args.systems.split(","):
        names += ["pyoxigraph-memory", "pyoxigraph-disk"] if name == "pyoxigraph" else [name]
    unknown = set(names) - set(ORDER)
    if unknown:
        p.error(f"unknown system(s) {', '.join(sorted(unknown))}; choose from {', '.join(ORDER)}, pyoxigraph")
    if args.baseline is not None:
        if "reformkg" in names or "reformkg-virtuoso" not in names:
            names.append("reformkg-baseline")
        if "reformkg-virtuoso" in names:
            names.append("reformkg-virtuoso-baseline")
    args.systems = [n for n in ORDER if n in names]
    return args


def make_system(name: str, work: Path, args: argparse.Namespace):
    work.mkdir(parents=True, exist_ok=True)
    if name == "reformkg":
        return ReformKG(name, work, shlex.split(args.reformkg_args))
    if name == "reformkg-baseline":
        return ReformKG(name, work, shlex.split(args.reformkg_args), source=args.baseline)
    if name == "reformkg-virtuoso":
        return ReformKGOverVirtuoso(name, work, shlex.split(args.reformkg_args))
    if name == "reformkg-virtuoso-baseline":
        return ReformKGOverVirtuoso(name, work, shlex.split(args.reformkg_args), source=args.baseline)
    if name == "oxigraph":
        return OxigraphServer(name, work)
    if name == "virtuoso":
        return Virtuoso(name, work)
    if name == "rdflib-endpoint":
        return RdflibEndpoint(name, work)
    if name in FLOORS:
        front = "granian" if "granian" in name else "gunicorn"
        return PythonFloor(name, work, "proxy" if name.endswith("virtuoso") else "embedded", front,
                           args.floor_threads if front == "granian" else None)
    return InProcess(name, work, on_disk=name == "pyoxigraph-disk")


def wrk_version() -> str:
    if shutil.which("wrk") is None:
        return "missing"
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (out.stdout + out.stderr).split("Copyright")[0].strip()


def get_answer(system, query: mix.Query, timeout: float) -> bytes:
    if system.kind == "in-process":
        return answer(system.store, query)
    status, _, body = system.endpoint.post(query.text, query.accept, timeout)
    if status != 200:
        raise ValueError(f"HTTP {status}: {body[:160].decode(errors='replace')}")
    return body


def run_mix(system, queries: list[mix.Query], conns: int, args, work: Path):
    if system.kind == "in-process":
        return system.run(queries, conns, args.duration)
    return settled(system, wrk.run(system.endpoint.url, wrk.sparql_requests(system.endpoint, queries), conns,
                                   args.duration, args.request_timeout, work / f"{system.name}.lua"), args)


def settled(system, run, args):
    """Let the system finish what wrk left in flight before anything else is measured."""
    run.settle_s = system.settle(args.request_timeout + 30)
    return run


def probe_service(service: ReformKG, focus: str, results: dict, queries_dir: Path) -> list[tuple]:
    """Which of reformkg's other surfaces answer yet: (what, URLs to rotate, headers, /sparql twin or None)."""
    base = service.base
    runs = []
    search = [f"{base}/api/search?q={urllib.parse.quote(q)}" for q in ("养老", "elderly")]
    status, ctype, _ = fetch(urllib.request.Request(search[0], headers={"Accept": "application/json"}), 30)
    if status == 200:
        runs.append(("/api/search", search, {"Accept": "application/json"}, None))
    results["probes"]["/api/search"] = f"GET /api/search?q=养老 answered HTTP {status} ({ctype or 'no type'})"

    name = "reform-with-most-indicators"
    url = f"{base}/api/queries/{name}"
    status, ctype, _ = fetch(urllib.request.Request(url, headers={"Accept": mix.SELECT_TYPE}), 30)
    results["probes"]["named query"] = f"GET /api/queries/{name} answered HTTP {status} ({ctype or 'no type'})"
    if status == 200:
        text = (queries_dir / f"{name}.rq").read_text(encoding="utf-8")
        runs.append(("named query", [url], {"Accept": mix.SELECT_TYPE},
                     mix.Query(name, "the named query's text", "SELECT", text)))

    if focus.startswith(datasets.BASE):
        page = f"{base}/{focus[len(datasets.BASE):]}"
        status, ctype, _ = fetch(urllib.request.Request(page, headers={"Accept": "text/html"}), 30)
        results["probes"]["resource page"] = (f"GET {page[len(base):]} (text/html) answered HTTP {status} "
                                              f"({ctype or 'no type'})")
        if status == 200 and ctype.startswith("text/html"):
            twin = next(q for q in mix.queries(focus) if q.name == "construct")
            runs.append(("resource page", [page], {"Accept": "text/html"}, twin))
    else:
        results["probes"]["resource page"] = f"the focus resource {focus} is not under {datasets.BASE}"
    return runs


def measure(args: argparse.Namespace, results: dict, work: Path, running: list) -> None:
    data = datasets.reform(work) if args.dataset == "reform" else datasets.two_million(work, args.triples)
    results["dataset"] = {"name": args.dataset, "quads": data.quads, "graphs": data.graphs, "source": data.source,
                          "file": str(data.nquads), "build_seconds": data.build_seconds}
    reference = InProcess("reference", work / "reference", on_disk=False)
    reference.start(data, args.ready_timeout)
    focus = mix.focus_resource(reference.store)
    queries = mix.queries(focus)
    results["focus"] = focus
    results["queries"] = [{"name": q.name, "what": q.what, "text": q.text} for q in queries]
    expected = {q.name: verify.normalise(q, answer(reference.store, q)) for q in queries}
    reference.stop()

    started = start_systems(args, results, work, data, running)
    check_answers(args, results, started, queries, expected)
    interleave(args, results, work, started, queries)
    # Target 2: the lookup alone at one connection, served and in process (and the Rust server for scale).
    for name in ("reformkg", "reformkg-baseline", "oxigraph", "pyoxigraph-memory", "pyoxigraph-disk"):
        if name in started:
            print(f"lookup only: {name}", flush=True)
            extra(results, "lookup only", name, 1, run_mix(started[name], mix.lookup_only(focus), 1, args, work))
    each_query(args, results, work, started, queries)
    served = {name: started[name] for name in ("reformkg", "reformkg-baseline") if name in started}
    if "reformkg" in served:
        surfaces(args, results, work, served, focus)


def start_systems(args, results: dict, work: Path, data, running: list) -> dict:
    """Start and load each system in turn; one that cannot start is recorded with why, and skipped."""
    started = {}
    for name in args.systems:
        print(f"starting {name} …", flush=True)
        system = None
        try:
            system = make_system(name, work / name, args)
            running.append(system)
            system.start(data, args.ready_timeout)
        except Unavailable as exc:
            results["unavailable"][name] = str(exc)
            print(f"  {name} unavailable: {exc}", flush=True)
            if system is not None:
                running.remove(system)
                system.stop()
            continue
        started[name] = system
        results["systems"].append({"name": name, "version": system.version, "load_seconds": system.load_seconds,
                                   "rss_bytes_after": None, "notes": system.notes})
        print(f"  {name} ready (load {system.load_seconds or 0:.2f} s)", flush=True)
    results["system_order"] = [n for n in ORDER if n in started]
    for system in running:  # loading (and a failed start's queries) must not spill into the first run
        system.settle(args.request_timeout + 30)
    return started


def check_answers(args, results: dict, started: dict, queries: list[mix.Query], expected: dict) -> None:
    """Every system against pyoxigraph in memory; then reformkg against the Oxigraph server directly."""
    got: dict[str, dict] = {}
    for name, system in started.items():
        verdicts = results["verification"].setdefault(name, {})
        for q in queries:
            try:
                got.setdefault(name, {})[q.name] = verify.normalise(q, get_answer(system, q, args.request_timeout))
                verdicts[q.name] = verify.compare(expected[q.name], got[name][q.name])
            except (OSError, ValueError, KeyError) as exc:
                verdicts[q.name] = f"error: {exc}"
    if "reformkg" in got and "oxigraph" in got:
        same = [q.name for q in queries
                if q.name in got["reformkg"] and got["reformkg"][q.name] == got["oxigraph"].get(q.name)]
        differ = [q.name for q in queries if q.name not in same]
        results["notes"].append("reformkg and the Oxigraph server (--union-default-graph) answer identically: "
                                + (", ".join(same) or "none")
                                + (f"; differently: {', '.join(differ)}" if differ else ""))


def interleave(args, results: dict, work: Path, started: dict, queries: list[mix.Query]) -> None:
    """For each connection count, each system in turn, `--rounds` times: noise spreads over all of them.
    Each round starts one system later than the one before, so that none always runs first."""
    for conns in args.connections:
        for rnd in range(1, args.rounds + 1):
            order = results["system_order"]
            shift = (rnd - 1) % len(order)
            for name in order[shift:] + order[:shift]:
                print(f"mix: {name}, {conns} connections, round {rnd}", flush=True)
                try:
                    run = run_mix(started[name], queries, conns, args, work)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    results["notes"].append(f"{name} at {conns} connections, round {rnd}: {exc}")
                    continue
                if run.requests == 0:
                    results["notes"].append(
                        f"{name} at {conns} connections, round {rnd}: no request finished within the "
                        f"{args.duration:g} s run and none failed: all were still waiting when it ended")
                entry = next((m for m in results["mix"] if m["system"] == name and m["connections"] == conns), None)
                if entry is None:
                    entry = {"system": name, "connections": conns, "rounds": []}
                    results["mix"].append(entry)
                entry["rounds"].append(run.as_dict())


def each_query(args, results: dict, work: Path, started: dict, queries: list[mix.Query]) -> None:
    """Each query of the mix alone, on every HTTP system in turn, so that one query's cost is not hidden
    in the mix's average (a fast ASK can make up for a slow GROUP BY there)."""
    served = {name: system for name, system in started.items() if system.kind != "in-process"}
    for conns in args.each_query:
        for q in queries:
            for name, system in served.items():
                print(f"{q.name} alone: {name}, {conns} connections", flush=True)
                extra(results, f"{q.name} alone", name, conns, run_mix(system, [q], conns, args, work))


def surfaces(args, results: dict, work: Path, served: dict[str, ReformKG], focus: str) -> None:
    """Targets 4 and 5: reformkg's search, named-query API and resource pages, where they exist yet.

    With --baseline, the other tree's service runs each surface right after this tree's, so a change
    to a page or an API is seen side by side (the targets judge this tree's alone)."""
    for what, urls, headers, twin in probe_service(served["reformkg"], focus, results, QUERIES):
        for conns in args.extra_connections:
            for name, service in served.items():
                print(f"{what}: {name}, {conns} connections", flush=True)
                base = served["reformkg"].base
                surface = [wrk.Request("GET", headers, path=_path_of(u)) for u in urls]
                url = service.base + urls[0][len(base):]
                # Answered once first: the baseline's first search builds its copy's label index.
                fetch(urllib.request.Request(url, headers=headers), args.ready_timeout)
                run = wrk.run(url, surface, conns, args.duration, args.request_timeout, work / "extra.lua")
                extra(results, what, name, conns, settled(service, run, args))
                if twin is not None:
                    run = wrk.run(service.endpoint.url, wrk.sparql_requests(service.endpoint, [twin]), conns,
                                  args.duration, args.request_timeout, work / "extra.lua")
                    extra(results, f"{what} via /sparql", name, conns, settled(service, run, args))


def extra(results: dict, what: str, system: str, conns: int, run) -> None:
    results["extras"].append({"what": what, "system": system, "connections": conns, "run": run.as_dict()})


def _path_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    begin = time.monotonic()
    given = argv if argv is not None else sys.argv[1:]
    results: dict = {"started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                     "command": "python3 benchmarks/compare.py " + " ".join(shlex.quote(a) for a in given),
                     "machine": report.machine(), "wrk_version": wrk_version(), "duration": args.duration,
                     "rounds": args.rounds, "connections": args.connections, "notes": [], "unavailable": {},
                     "systems": [], "verification": {}, "mix": [], "extras": [], "probes": {},
                     "system_order": [], "queries": [], "focus": "", "dataset": {"name": args.dataset, "quads": 0,
                                                                                  "graphs": [], "source": ""}}
    results["notes"] += args.note
    results["reformkg_args"] = args.reformkg_args

    def on_alarm(signum, frame):
        raise TimeLimit(f"the run's hard limit of {args.time_limit:.0f} s struck")

    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(args.time_limit))
    work = Path(tempfile.mkdtemp(prefix="reformkg-compare-"))
    running: list = []
    status = 0
    try:
        measure(args, results, work, running)
    except (TimeLimit, KeyboardInterrupt, Unavailable, RuntimeError, OSError,
            subprocess.TimeoutExpired) as exc:
        results["notes"].append(f"The run stopped early: {exc}. The tables hold what was measured before.")
        status = 1
    finally:
        signal.alarm(0)
        for system in running:
            record = next((s for s in results["systems"] if s["name"] == system.name), None)
            if record is not None:
                record["rss_bytes_after"] = system.rss_bytes()
            system.stop()
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
        else:
            results["notes"].append(f"Work directory kept: {work}")
    results["seconds"] = time.monotonic() - begin
    results["targets"] = targets.judge(results)
    for path in report.write(results, args.out):
        print(f"wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
