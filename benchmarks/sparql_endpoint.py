"""Throughput and latency of the SPARQL endpoint against pyoxigraph in-process, on the same queries.

Three ways of answering each query, each from a pool of client threads:

    in-process   Store.read_only(snapshot).query(...).serialize(...) in this process: no isolation
    executor     the service's backend (EmbeddedStore): the same work in engine processes, no HTTP
    http         `reformkg serve` (gunicorn) over HTTP with keep-alive (requests.Session per thread)

executor − in-process is what the process pool costs; http − executor is what HTTP and Flask cost.
Every run is bounded by a request count and a time limit. The results go to
benchmarks/results/sparql_endpoint.md.

    python benchmarks/sparql_endpoint.py [--clients 4] [--requests 300] [--seconds 5]
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import requests
from pyoxigraph import QueryResultsFormat, QueryTriples, RdfFormat, Store

from reformkg.service.settings import Settings
from reformkg.service.store.embedded import snapshots
from reformkg.service.store.base import QueryRequest
from reformkg.service.store.embedded import EmbeddedStore
from reformkg.service.store.install import install

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work" / "sparql_endpoint"
RESULTS = ROOT / "benchmarks" / "results" / "sparql_endpoint.md"
PREFIXES = """PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
QUERIES = {
    "ask": ("ASK {}", "application/sparql-results+json"),
    "labels-100": (PREFIXES + 'SELECT ?s ?label { ?s rdfs:label ?label FILTER(lang(?label) = "en") } LIMIT 100',
                   "application/sparql-results+json"),
    "indicators-per-reform": (PREFIXES + """SELECT ?n ?reform (COUNT(?i) AS ?indicators) WHERE {
  ?r a rkg:Reform ; rkg:number ?n ; rdfs:label ?reform FILTER(lang(?reform) = "en")
  OPTIONAL { ?i rkg:reform ?r ; a rkg:Indicator }
} GROUP BY ?n ?reform ORDER BY ?n""", "application/sparql-results+json"),
    "construct-reform-turtle": ("""CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1")) }""",
                                "text/turtle"),
    "all-triples": ("SELECT * { ?s ?p ?o }", "application/sparql-results+json"),
}
_RESULT_FORMATS = {"application/sparql-results+json": QueryResultsFormat.JSON}
_GRAPH_FORMATS = {"text/turtle": RdfFormat.TURTLE}


@dataclass
class Run:
    mode: str
    query: str
    latencies: list[float]
    seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def measure(mode: str, name: str, call: Callable[[], int], clients: int, count: int, limit: float) -> Run:
    """`count` calls from `clients` threads, stopping early after `limit` seconds; a few warm-ups first."""
    for _ in range(3):
        call()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    issued = 0
    deadline = time.perf_counter() + limit

    def client() -> None:
        nonlocal issued, errors
        while True:
            with lock:
                if issued >= count or time.perf_counter() > deadline:
                    return
                issued += 1
            started = time.perf_counter()
            try:
                size = call()
            except Exception:  # counted, and the run goes on
                size = -1
            elapsed = time.perf_counter() - started
            with lock:
                if size < 0:
                    errors += 1
                else:
                    latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return Run(mode, name, latencies, time.perf_counter() - started, errors)


def in_process(store: Store, query: str, media: str) -> int:
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, QueryTriples):
        return len(result.serialize(format=_GRAPH_FORMATS[media]))
    return len(result.serialize(format=_RESULT_FORMATS[media]))


def through_executor(backend: EmbeddedStore, query: str, media: str) -> int:
    response = backend.query(QueryRequest(query, accept=media))
    return sum(len(chunk) for chunk in response.body)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(data_dir: Path) -> None:
    """Build the dataset from the packaged sources and install it, once."""
    if snapshots.primary(data_dir) is not None:
        return
    from reformkg.graph.build import build

    dataset = data_dir / "dataset" / "reformkg.nq"
    dataset.parent.mkdir(parents=True, exist_ok=True)
    dataset.write_bytes(build().nquads)
    install(dataset, data_dir)


def start_server(data_dir: Path, port: int, query_workers: int, threads: int, settings: dict[str, str] | None = None,
                 log: Path | None = None) -> subprocess.Popen:
    """`reformkg serve`, once /readyz answers; `settings` are more REFORMKG_* variables, `log` takes its output."""
    env = {**os.environ, "REFORMKG_QUERY_WORKERS": str(query_workers), "REFORMKG_THREADS": str(threads),
           "REFORMKG_LOG_LEVEL": "WARNING", **(settings or {})}
    with log.open("ab") if log else open(os.devnull, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "reformkg.service.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("the server did not become ready within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    """Quick shutdown (SIGINT), or SIGKILL to the whole process group if that takes over 30 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def report(runs: list[Run], args: argparse.Namespace, triples: int, load: tuple[float, float]) -> str:
    lines = [
        "# SPARQL endpoint benchmark",
        "",
        f"`python benchmarks/sparql_endpoint.py --clients {args.clients} --requests {args.requests} "
        f"--seconds {args.seconds}` on {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"pyoxigraph {version('pyoxigraph')}, "
        f"the reformkg dataset ({triples} quads). Clients and server share the machine; its load average "
        f"was {load[0]:.1f} before and {load[1]:.1f} after (other work running on it skews the numbers).",
        "",
        "- **in-process**: `Store.read_only(snapshot).query(...).serialize(...)` in the benchmark process;",
        "- **executor**: the service's backend: the same work in its engine processes (process isolation, no HTTP);",
        f"- **http**: `reformkg serve` (gunicorn gthread, 1 worker × {args.threads} threads, "
        f"{args.query_workers} query engines) with keep-alive clients.",
        "",
        f"Each row: up to {args.requests} requests from {args.clients} client threads, at most {args.seconds} s.",
        "",
        "| query | mode | requests | errors | requests/s | p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(f"| {run.query} | {run.mode} | {len(run.latencies)} | {run.errors} | {run.rate:.0f} | "
                     f"{run.percentile(50):.2f} | {run.percentile(99):.2f} |")
    lines += ["", "## Overhead at the median (p50, one client thread)", "",
              "| query | in-process ms | executor ms | http ms | process pool adds ms | HTTP adds ms |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    single = {(r.mode, r.query): r for r in runs if r.mode.endswith("×1")}
    for name in QUERIES:
        base, pool, http = (single.get((f"{mode} ×1", name)) for mode in ("in-process", "executor", "http"))
        if base and pool and http:
            b, p, h = base.percentile(50), pool.percentile(50), http.percentile(50)
            lines.append(f"| {name} | {b:.2f} | {p:.2f} | {h:.2f} | {p - b:.2f} | {h - p:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="client threads for the concurrent runs")
    parser.add_argument("--requests", type=int, default=300, help="most requests per run")
    parser.add_argument("--seconds", type=float, default=5.0, help="most seconds per run")
    parser.add_argument("--query-workers", type=int, default=2, help="engine processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads")
    parser.add_argument("--data-dir", type=Path, default=WORK / "data", help="where the dataset is installed")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    prepare(args.data_dir)
    pin = snapshots.pin(args.data_dir)
    store = Store.read_only(str(pin.path))
    backend = EmbeddedStore.open(Settings(data_dir=args.data_dir, query_workers=args.query_workers))
    port = free_port()
    server = start_server(args.data_dir, port, args.query_workers, args.threads)
    local = threading.local()

    def over_http(query: str, media: str) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.post(f"http://127.0.0.1:{port}/sparql", data=query.encode("utf-8"),
                                      headers={"Content-Type": "application/sparql-query", "Accept": media},
                                      timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
        return len(response.content)

    def floor() -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return len(local.session.get(f"http://127.0.0.1:{port}/healthz", timeout=60).content)

    runs: list[Run] = []
    load_before = os.getloadavg()[0]
    try:
        for clients in (1, args.clients):
            runs.append(measure(f"http ×{clients}", "healthz (HTTP floor, no query)", floor, clients,
                                args.requests, args.seconds))
        for name, (query, media) in QUERIES.items():
            for clients in (1, args.clients):
                for mode, call in (("in-process", lambda: in_process(store, query, media)),
                                   ("executor", lambda: through_executor(backend, query, media)),
                                   ("http", lambda: over_http(query, media))):
                    run = measure(f"{mode} ×{clients}", name, call, clients, args.requests, args.seconds)
                    runs.append(run)
                    print(f"{name:26} {run.mode:14} {run.rate:8.0f}/s  p50 {run.percentile(50):8.2f} ms  "
                          f"p99 {run.percentile(99):8.2f} ms  errors {run.errors}", flush=True)
    finally:
        stop_server(server)
        backend.close()
        pin.release()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(runs, args, len(store), (load_before, os.getloadavg()[0])), encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
