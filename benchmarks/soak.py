"""Soak: many connections of good, bad and runaway requests against `reformkg serve` for a long while.

32 client threads on 127.0.0.1, each with its own keep-alive connection, send a random mix:

    good      queries with known answers (checked against pyoxigraph in this process, or README's
              table of indicators per reform), half of them new to the result cache, the named-query
              API, /healthz, a Graph Store read
    bad       syntax errors, wrong media types, nothing acceptable, nesting and length past the limits,
              a Content-Encoding, SERVICE, a write to a read-only server, a body shorter than announced
    runaway   a four-way cross join with the request's timeout lowered to 1 s, at most one every 2 s:
              stopped at its deadline, or refused with Retry-After when every engine is busy

Every few seconds the server's process tree is sampled: resident memory, open file descriptors,
processes. The run passes when every good request was answered right, every bad one got its status,
no answer was a 5xx but the runaways' 503, the peak memory of the last tenth is within 10 % of the
peak just after warm-up, and once the load stops the server has the processes and file descriptors it
started with. Results go to
benchmarks/results/soak.md and soak.json; the exit status is 1 when an invariant failed.

    python benchmarks/soak.py [--seconds 600] [--connections 32] [--out benchmarks/results]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import requests
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, Store, parse, parse_query_results

from sparql_endpoint import free_port, prepare, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work" / "soak"
PREFIXES = """PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# README's example and its answer: indicators per reform.
PER_REFORM = PREFIXES + """SELECT ?n ?reform (COUNT(?i) AS ?indicators) WHERE {
  ?r a rkg:Reform ; rkg:number ?n ; rdfs:label ?reform FILTER(lang(?reform) = "en")
  OPTIONAL { ?i rkg:reform ?r ; a rkg:Indicator }
} GROUP BY ?n ?reform ORDER BY ?n"""
README_COUNTS = {1: 7, 2: 7, 3: 5, 4: 0, 5: 3, 6: 0, 7: 0, 8: 7, 9: 10, 10: 17}
SELECTS = {
    "indicators per reform": PER_REFORM,
    "quads": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }",
    "labels": PREFIXES + 'SELECT ?s ?l { ?s rdfs:label ?l FILTER(lang(?l) = "zh") } ORDER BY ?s ?l LIMIT 50',
}
CONSTRUCT = "CONSTRUCT WHERE { <https://w3id.org/reformkg/report/cq-civil-affairs-2022/reform/1> ?p ?o }"
ONTOLOGY = "https://w3id.org/reformkg/graph/ontology"
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# The result cache is bounded (result_cache_bytes, 64 MB by default); at 4 MB it is full within the
# warm-up, so that what the web process grows by after that is not the cache filling up.
LIMITS = {"REFORMKG_QUERY_TIMEOUT": "5", "REFORMKG_MAX_QUERY_LENGTH": "5000", "REFORMKG_MAX_NESTING": "40",
          "REFORMKG_RESULT_CACHE_BYTES": str(4 * 1024 * 1024), "REFORMKG_UPDATE_TOKEN": ""}
RUNAWAY_EVERY = 2.0
GOOD_SHARE = 0.75  # of the requests that are not runaways; the rest are bad


@dataclass
class Outcome:
    kind: str
    """good, bad or runaway"""
    name: str
    status: int | str
    right: bool
    seconds: float


@dataclass
class Sample:
    at: float
    rss_mb: float
    worker_rss_mb: float
    fds: int
    processes: int


@dataclass
class Oracle:
    """The answers the good requests must get, computed here by pyoxigraph from the dataset file."""

    rows: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    construct: set[str] = field(default_factory=set)
    ontology: tuple[int, set[str]] = (0, set())

    @classmethod
    def of(cls, nquads: Path) -> "Oracle":
        store = Store()
        store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
        oracle = cls()
        for name, query in SELECTS.items():
            oracle.rows[name] = _rows(store.query(query, use_default_graph_as_union=True))
        oracle.construct = {str(t) for t in store.query(CONSTRUCT, use_default_graph_as_union=True)}
        oracle.ontology = _comparable(q.triple for q in store.quads_for_pattern(None, None, None, NamedNode(ONTOLOGY)))
        return oracle


def _comparable(triples) -> tuple[int, set[str]]:
    """How many triples, and those without blank nodes (whose labels differ from one parse to another)."""
    triples = list(triples)
    return len(triples), {str(t) for t in triples if "_:" not in str(t)}


def _rows(solutions) -> list[tuple[str, ...]]:
    names = [v.value for v in solutions.variables]
    return [tuple(str(row[n]) for n in names) for row in solutions]


class Client:
    """One connection's worth of requests; each call returns an Outcome."""

    def __init__(self, url: str, oracle: Oracle, rng: random.Random, gate: "Gate") -> None:
        self.url, self.oracle, self.rng, self.gate = url, oracle, rng, gate
        self.session = requests.Session()
        self.good: list[tuple[str, Callable[[], tuple[int | str, bool]]]] = [
            *[(f"select {n}", lambda n=n: self._select(n)) for n in SELECTS],
            ("construct", self._construct),
            ("named query", self._named),
            ("healthz", lambda: self._expect("GET", "/healthz", 200, b'"ok"')),
            ("graph store", self._graph_store),
        ]
        self.bad: list[tuple[str, Callable[[], tuple[int | str, bool]]]] = [
            ("syntax error", lambda: self._expect("GET", "/sparql", 400, b"syntax", params={"query": "SELEC * {}"})),
            ("wrong media type", lambda: self._expect("POST", "/sparql", 415, b"Content-Type", data=b"ASK {}",
                                                      headers={"Content-Type": "text/plain"})),
            ("nothing acceptable", lambda: self._expect("GET", "/sparql", 406, b"offers", params={"query": "ASK {}"},
                                                        headers={"Accept": "image/png"})),
            ("too deep", lambda: self._expect("GET", "/sparql", 400, b"max_nesting",
                                              params={"query": "ASK " + "{" * 41 + "}" * 41})),
            ("too long", lambda: self._expect("POST", "/sparql", 413, b"max_query_length", data=b"ASK {}" + b" " * 5000,
                                              headers={"Content-Type": "application/sparql-query"})),
            ("gzip body", lambda: self._expect("POST", "/sparql", 415, b"Content-Encoding", data=b"ASK {}",
                                               headers={"Content-Type": "application/sparql-query",
                                                        "Content-Encoding": "gzip"})),
            ("SERVICE", lambda: self._expect("GET", "/sparql", 403, b"federation_allow",
                                             params={"query": "ASK { SERVICE <http://127.0.0.1:9/> {} }"})),
            ("write to a read-only server", lambda: self._expect("POST", "/sparql", 403, b"read-only",
                                                                 data={"update": "DROP ALL"})),
            ("unknown named query", lambda: self._expect("GET", "/api/queries/nope", 404, b"nope")),
            ("bad parameter", lambda: self._expect("GET", "/api/queries/indicators", 400, b"reform",
                                                   params={"reform": "ten"})),
            ("short body", self._short_body),
        ]

    def next(self) -> Outcome:
        if self.gate.take():
            kind, name, call = "runaway", "cross join", self._runaway
        elif self.rng.random() < GOOD_SHARE:
            kind, (name, call) = "good", self.rng.choice(self.good)
        else:
            kind, (name, call) = "bad", self.rng.choice(self.bad)
        started = time.monotonic()
        try:
            status, right = call()
        except (requests.RequestException, OSError, ValueError) as exc:
            status, right = type(exc).__name__, False
        return Outcome(kind, name, status, right, time.monotonic() - started)

    def _get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url + path, timeout=60, **kwargs)

    def _uncached(self, query: str) -> str:
        """Half the time a text the result cache has not seen, so that the engines answer too."""
        return query if self.rng.random() < 0.5 else f"{query}\n# {self.rng.random()}"

    def _select(self, name: str) -> tuple[int, bool]:
        accept = self.rng.choice(["application/sparql-results+json", "application/sparql-results+xml",
                                  "text/tab-separated-values"])
        response = self._get("/sparql", params={"query": self._uncached(SELECTS[name])}, headers={"Accept": accept})
        fmt = {"application/sparql-results+json": QueryResultsFormat.JSON,
               "application/sparql-results+xml": QueryResultsFormat.XML,
               "text/tab-separated-values": QueryResultsFormat.TSV}[accept]
        right = response.status_code == 200 and _rows(parse_query_results(response.content, format=fmt)) == \
            self.oracle.rows[name]
        if name == "indicators per reform" and right:
            right = {int(row[0].split('"')[1]): int(row[2].split('"')[1]) for row in self.oracle.rows[name]} == \
                README_COUNTS
        return response.status_code, right

    def _construct(self) -> tuple[int, bool]:
        response = self._get("/sparql", params={"query": self._uncached(CONSTRUCT)}, headers={"Accept": "text/turtle"})
        triples = {str(t.triple) for t in parse(response.content, format=RdfFormat.TURTLE)}
        return response.status_code, response.status_code == 200 and triples == self.oracle.construct

    def _named(self) -> tuple[int, bool]:
        reform = self.rng.randint(1, 10)
        response = self._get("/api/queries/indicators", params={"reform": str(reform)})
        right = response.status_code == 200 and len(response.json()["rows"]) == README_COUNTS[reform]
        return response.status_code, right

    def _graph_store(self) -> tuple[int, bool]:
        response = self._get("/store", params={"graph": ONTOLOGY}, headers={"Accept": "application/n-triples"})
        triples = _comparable(t.triple for t in parse(response.content, format=RdfFormat.N_TRIPLES))
        return response.status_code, response.status_code == 200 and triples == self.oracle.ontology

    def _expect(self, method: str, path: str, status: int, text: bytes, **kwargs) -> tuple[int, bool]:
        response = self.session.request(method, self.url + path, timeout=60, **kwargs)
        return response.status_code, response.status_code == status and text in response.content

    def _short_body(self) -> tuple[int | str, bool]:
        host, port = self.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as raw:
            raw.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                        b"Content-Length: 100\r\n\r\nASK {}")
            raw.shutdown(socket.SHUT_WR)
            answer = b""
            while part := raw.recv(65536):
                answer += part
        status = int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else "no answer"
        return status, status == 400 and b"the body ended after 6 of the 100 bytes" in answer

    def _runaway(self) -> tuple[int, bool]:
        # Its deadline passes while it runs (503 naming the 1 s limit), or every engine is busy when it
        # arrives (503 with Retry-After: admission, issue 15): both are the answer a runaway must get.
        response = self._get("/sparql", params={"query": RUNAWAY, "timeout": "1"})
        stopped = b"query exceeded the 1 s limit" in response.content
        refused = b"query engines are busy" in response.content and "Retry-After" in response.headers
        right = response.status_code == 503 and (stopped or refused)
        if not right:
            print(f"a runaway was answered {response.status_code}: {response.text[:300]!r}", file=sys.stderr, flush=True)
        return response.status_code, right


class Gate:
    """Lets one runaway through every RUNAWAY_EVERY seconds, whichever connection asks."""

    def __init__(self) -> None:
        self._next = time.monotonic() + RUNAWAY_EVERY
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if time.monotonic() < self._next:
                return False
            self._next = time.monotonic() + RUNAWAY_EVERY
            return True


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children[int(stat.read_text().rsplit(")", 1)[1].split()[1])].append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def sample(server: subprocess.Popen, started: float) -> Sample:
    tree = process_tree(server.pid)
    worker = tree[1] if len(tree) > 1 else tree[0]  # the master's one gunicorn worker
    return Sample(round(time.monotonic() - started, 1), round(sum(_rss_mb(p) for p in tree), 1),
                  round(_rss_mb(worker), 1), sum(_fds(p) for p in tree), len(tree))


def settle(server: subprocess.Popen, seconds: float = 20) -> None:
    """Wait for the server to go idle (engines started, kept-alive connections closed)."""
    deadline = time.monotonic() + seconds
    previous = None
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = (sample(server, 0).fds, sample(server, 0).processes)
        if now == previous:
            return
        previous = now


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000 if ordered else 0.0


def verdict(outcomes: list[Outcome], samples: list[Sample], before: Sample, after: Sample,
            seconds: float) -> dict[str, object]:
    warm = min(max(seconds * 0.2, 5.0), 60.0)
    # Peaks of the first and the last tenth after warm-up (five samples at least). An engine killed for a
    # runaway is replaced by one that starts small and grows back, so the total swings by tens of MB
    # (medians of a 20 s run failed CI at +11 % with no leak). A leak raises the peak every window; an
    # engine refilling its replica only returns to the same peak.
    window = max((seconds - warm) * 0.1, 5 * (samples[1].at - samples[0].at if len(samples) > 1 else 2.0))
    early = [s.rss_mb for s in samples if warm <= s.at <= warm + window]
    late = [s.rss_mb for s in samples if s.at >= seconds - window]
    baseline, final = max(early or [before.rss_mb]), max(late or [before.rss_mb])
    wrong = [o for o in outcomes if not o.right]
    server_errors = [o for o in outcomes if isinstance(o.status, int) and o.status >= 500
                     and not (o.kind == "runaway" and o.status == 503)]
    checks = {
        "every good request answered right": not [o for o in wrong if o.kind == "good"],
        "every bad request got its status": not [o for o in wrong if o.kind == "bad"],
        "every runaway got 503": not [o for o in wrong if o.kind == "runaway"],
        "no 5xx but the runaways' 503": not server_errors,
        "memory grew less than 10 % after warm-up": final < baseline * 1.10,
        "no process leaked": after.processes == before.processes,
        "no file descriptor leaked": after.fds <= before.fds,
    }
    return {"checks": checks, "passed": all(checks.values()), "warm_up_s": warm, "rss_baseline_mb": baseline,
            "rss_final_mb": final, "rss_growth_pct": round((final / baseline - 1) * 100, 2),
            "wrong": [o.__dict__ for o in wrong[:20]], "server_errors": [o.__dict__ for o in server_errors[:20]]}


def report(args: argparse.Namespace, outcomes: list[Outcome], samples: list[Sample], before: Sample, after: Sample,
           result: dict, elapsed: float, load: tuple[float, float]) -> str:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.kind].append(o)
    limits = ", ".join(f"{name.removeprefix('REFORMKG_').lower()}={value}" for name, value in LIMITS.items() if value)
    limits += ", query_workers=2, threads=8"
    lines = [
        "# Soak",
        "",
        f"`python benchmarks/soak.py --seconds {args.seconds:g} --connections {args.connections}` on "
        f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
        f"the reformkg dataset; the server runs with {limits}, read-only. Clients and server share the "
        f"machine; its load average was {load[0]:.1f} before and {load[1]:.1f} after.",
        "",
        f"**{'PASSED' if result['passed'] else 'FAILED'}** after {elapsed:.0f} s and {len(outcomes)} requests "
        f"({len(outcomes) / elapsed:.0f}/s).",
        "",
        "| invariant | held |",
        "| --- | --- |",
        *[f"| {name} | {'yes' if held else '**no**'} |" for name, held in result["checks"].items()],
        "",
        "| kind | requests | right | statuses | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for kind in ("good", "bad", "runaway"):
        done = by_kind.get(kind, [])
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(Counter(str(o.status) for o in done).items()))
        times = " | ".join(f"{percentile([o.seconds for o in done], p):.0f}" for p in (50, 99, 100))
        lines.append(f"| {kind} | {len(done)} | {sum(o.right for o in done)} | {statuses} | {times} |")
    lines += [
        "",
        f"Resident memory of the server's processes (web process and engines): {before.rss_mb:.0f} MB before the "
        f"load, {result['rss_baseline_mb']:.0f} MB at peak just after {result['warm_up_s']:.0f} s of warm-up, "
        f"{result['rss_final_mb']:.0f} MB at peak near the end ({result['rss_growth_pct']:+.1f} %), "
        f"{max(s.rss_mb for s in samples):.0f} MB at most; the web process alone {samples[0].worker_rss_mb:.0f} → "
        f"{samples[-1].worker_rss_mb:.0f} MB. Processes {before.processes} before, {after.processes} after; "
        f"open file descriptors {before.fds} before, {after.fds} after.",
        "",
        "| s | RSS MB | web process MB | fds | processes |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    step = max(1, len(samples) // 20)
    lines += [f"| {s.at:.0f} | {s.rss_mb:.0f} | {s.worker_rss_mb:.0f} | {s.fds} | {s.processes} |"
              for s in samples[::step]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="how long the load lasts")
    parser.add_argument("--connections", type=int, default=32, help="client threads, one connection each")
    parser.add_argument("--sample-every", type=float, default=2.0, help="seconds between samples of the server")
    parser.add_argument("--data-dir", type=Path, default=WORK / "data", help="where the dataset is installed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="where soak.md/json go")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()

    prepare(args.data_dir)
    oracle = Oracle.of(args.data_dir / "dataset" / "reformkg.nq")
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    WORK.mkdir(parents=True, exist_ok=True)
    server = start_server(args.data_dir, port, query_workers=2, threads=8, settings=LIMITS, log=WORK / "server.log")
    outcomes: list[Outcome] = []
    samples: list[Sample] = []
    lock = threading.Lock()
    load_before = os.getloadavg()[0]
    try:
        settle(server)
        before = sample(server, 0)
        gate, stop = Gate(), threading.Event()
        started = time.monotonic()
        deadline = started + args.seconds

        def connection(seed: int) -> None:
            client = Client(f"http://127.0.0.1:{port}", oracle, random.Random(seed), gate)
            with client.session:
                while time.monotonic() < deadline and not stop.is_set():
                    outcome = client.next()
                    with lock:
                        outcomes.append(outcome)

        threads = [threading.Thread(target=connection, args=(args.seed * 1000 + i,), daemon=True)
                   for i in range(args.connections)]
        for thread in threads:
            thread.start()
        while time.monotonic() < deadline:
            samples.append(sample(server, started))
            time.sleep(min(args.sample_every, max(deadline - time.monotonic(), 0)))
        for thread in threads:
            thread.join(timeout=90)
        stop.set()
        elapsed = time.monotonic() - started
        settle(server)
        after = sample(server, started)
    finally:
        stop_server(server)
    result = verdict(outcomes, samples, before, after, args.seconds)
    (args.out / "soak.json").write_text(json.dumps({
        "seconds": args.seconds, "connections": args.connections, "requests": len(outcomes), "elapsed": elapsed,
        "verdict": result, "before": before.__dict__, "after": after.__dict__,
        "samples": [s.__dict__ for s in samples],
        "counts": Counter(f"{o.kind} {o.name} {o.status}" for o in outcomes),
    }, indent=1, ensure_ascii=False), encoding="utf-8")
    (args.out / "soak.md").write_text(report(args, outcomes, samples, before, after, result, elapsed,
                                             (load_before, os.getloadavg()[0])), encoding="utf-8")
    print(("PASSED" if result["passed"] else "FAILED") + f": {len(outcomes)} requests in {elapsed:.0f} s; "
          + ", ".join(f"{name}: {held}" for name, held in result["checks"].items()))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
