"""Measure reformkg at 100 k, 1 M and 10 M triples: the embedded store against an Oxigraph server.

For each size: generate the dataset (generate.py), bulk-load it into an on-disk pyoxigraph store and
into an Oxigraph server's store (`oxigraph load`), recording load rate, size on disk and peak memory;
then time every named query (queries/*.rq, parameters bound to their examples) and the two queries of
a resource page (service/describe.py) on both: in process on the embedded store, over HTTP through
RemoteStore on the server. Every measurement is bounded: at most --runs runs and --budget seconds per
query, and one run is stopped at --cap seconds (the embedded run in a process that is killed, the
remote one by the backend's deadline). Writes scale.json, scale.md and scale.png to --results.

    python benchmarks/scale.py --sizes 100000 1000000 --work /tmp/rkg-scale
    python benchmarks/scale.py --sizes 10000000 --work /tmp/rkg-scale   # merges into scale.json
    python benchmarks/scale.py --sizes 10000000 --sides embedded        # re-measures one side only

Extra dependency: matplotlib (for the plot).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import time
from pathlib import Path

import requests

from reformkg.service.sparql.catalog import load_catalog
from reformkg.service.describe import INCOMING, OWN
from reformkg.service.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BASE = "https://w3id.org/reformkg/"
# Resource pages: a reform, an indicator, an agency and a target group (the last two much linked to:
# generate.py copies the report, and every copy names the same bureau and older people).
RESOURCES = {
    "page:reform": f"{BASE}report/beijing-civil-affairs-2022/reform/1",
    "page:indicator": f"{BASE}report/beijing-civil-affairs-2022/indicator/1",
    "page:agency": f"{BASE}agency/cq-civil-affairs",
    "page:target-group": f"{BASE}target-group/elderly-people",
}


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def workload() -> dict[str, tuple[str, dict[str, str], dict[str, str] | None]]:
    """Name → (query, substitutions, index arguments): every named query with its examples, and the
    resource pages. A query the API answers from an index (`#+ index:`) is measured twice: as the
    embedded service answers it (index arguments set: from the label index) and as `NAME:scan`, its
    text on the engine, which is also how the service answers it over a remote store."""
    jobs = {}
    for named in load_catalog():
        examples = {p.name: [p.example] for p in named.parameters if p.example is not None}
        if named.index is not None:
            given = {name: values[0] for name, values in examples.items()}
            jobs[named.name] = (named.text, named.bind(examples), given)
            jobs[named.name + ":scan"] = (named.text, named.bind(examples), None)
        else:
            jobs[named.name] = (named.text, named.bind(examples), None)
    for name, iri in RESOURCES.items():
        jobs[name + ":own"] = (OWN, {"doc": f"<{iri}>"}, None)
        jobs[name + ":incoming"] = (INCOMING, {"doc": f"<{iri}>"}, None)
    return jobs


def _load_embedded(nquads: str, store_dir: str, out) -> None:
    from pyoxigraph import RdfFormat, Store

    started = time.monotonic()
    store = Store(store_dir)
    store.bulk_load(path=nquads, format=RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    out.put({"seconds": time.monotonic() - started, "triples": len(store)})


def _embedded_runs(store_dir: str, query: str, substitutions: dict, indexed: dict | None, labels: str,
                   runs: int, budget: float, out) -> None:
    """In a child process: run the query until `runs` or `budget`, sending each run's seconds; a query
    with index arguments is answered from the label index file `labels`, as views/api.py answers it."""
    from pyoxigraph import QueryResultsFormat, QueryTriples, Store

    import sqlite3

    from reformkg.service.search import index
    from reformkg.service.search import named as from_index
    from reformkg.service.sparql.binding import bind

    store = Store.read_only(store_dir)
    text = bind(query, substitutions)  # parameters bound as the service binds them
    catalogued = next((q for q in load_catalog() if q.text == query), None)
    spent = 0.0
    for _ in range(runs):
        started = time.monotonic()
        if indexed is not None:
            db = sqlite3.connect(f"file:{labels}?mode=ro&immutable=1", uri=True)
            # The API's first page when the client names no limit (page_rows rows).
            found = index.every(db, indexed["q"], indexed.get("lang"), Settings(data_dir=Path(store_dir)).page_rows, 0)
            from_index.body(from_index.answer(catalogued, found, indexed["q"], indexed.get("lang")),
                            "application/sparql-results+json")
            db.close()
        else:
            result = store.query(text, use_default_graph_as_union=True)
            if isinstance(result, QueryTriples):
                from pyoxigraph import RdfFormat

                result.serialize(format=RdfFormat.N_TRIPLES)
            else:
                result.serialize(format=QueryResultsFormat.JSON)
        seconds = time.monotonic() - started
        out.put(seconds)
        spent += seconds
        if spent > budget:
            break
    out.put(None)


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure_embedded(store_dir: Path, labels: Path, jobs: dict, runs: int, budget: float, cap: float) -> dict:
    context = multiprocessing.get_context("spawn")
    results = {}
    for name, (query, substitutions, indexed) in jobs.items():
        out = context.Queue()
        process = context.Process(target=_embedded_runs, args=(str(store_dir), query, substitutions, indexed,
                                                               str(labels), runs, budget, out))
        process.start()
        times: list[float] = []
        status = "ok"
        while True:
            try:
                item = out.get(timeout=cap)
            except Exception:  # queue.Empty: one run went past the cap
                process.kill()
                status = f"> {cap:g} s"
                break
            if item is None:
                break
            times.append(item)
        process.join()
        results[name] = summary(times, status)
        print(f"    embedded {name}: {results[name]}", flush=True)
    return results


def measure_remote(url: str, data_dir: Path, jobs: dict, runs: int, budget: float, cap: float) -> dict:
    from reformkg.service.errors import ServiceError
    from reformkg.service.store.base import QueryRequest
    from reformkg.service.store.remote import RemoteStore

    settings = Settings(data_dir=data_dir, store=url, query_timeout=cap, max_result_rows=10**9,
                        max_result_bytes=10**11, max_query_length=10**6)
    backend = RemoteStore(settings)
    results = {}
    for name, (query, substitutions, _) in jobs.items():
        times: list[float] = []
        status = "ok"
        spent = 0.0
        for _ in range(runs):
            started = time.monotonic()
            try:
                response = backend.query(QueryRequest(query, accept="application/sparql-results+json, application/n-triples",
                                                      substitutions=substitutions, timeout=cap, max_rows=10**9))
                for _ in response.body:
                    pass
            except ServiceError as exc:
                status = f"> {cap:g} s" if exc.status == 504 else f"error {exc.status}: {exc.message[:80]}"
                break
            seconds = time.monotonic() - started
            times.append(seconds)
            spent += seconds
            if spent > budget:
                break
        results[name] = summary(times, status)
        print(f"    remote   {name}: {results[name]}", flush=True)
    backend.close()
    return results


def summary(times: list[float], status: str) -> dict:
    if not times:
        return {"status": status, "runs": 0}
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"status": status, "runs": len(times), "p50": statistics.median(ordered), "p99": p99}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_size(size: int, work: Path, runs: int, budget: float, cap: float,
             sides: tuple[str, ...] = ("embedded", "server"), previous: dict | None = None,
             only: list[str] | None = None) -> dict:
    from generate import generate

    work.mkdir(parents=True, exist_ok=True)
    nquads = work / f"rkg-{size}.nq"
    if not nquads.exists():
        started = time.monotonic()
        info = generate(size, nquads)
        print(f"  generated {info} in {time.monotonic() - started:.0f} s", flush=True)
    record: dict = {**(previous or {}), "size": size, "file_bytes": nquads.stat().st_size}
    jobs = {name: job for name, job in workload().items() if only is None or name in only}
    if "embedded" in sides:
        _measure_embedded_side(record, size, nquads, work, jobs, runs, budget, cap)
    if "server" in sides:
        _measure_server_side(record, size, nquads, work, jobs, runs, budget, cap)
    return record


def _measure_embedded_side(record: dict, size: int, nquads: Path, work: Path, jobs: dict, runs: int,
                           budget: float, cap: float) -> None:
    # Bulk load in a child process, so its peak memory is its own.
    store_dir = work / f"embedded-{size}"
    shutil.rmtree(store_dir, ignore_errors=True)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_load_embedded, args=(str(nquads), str(store_dir), out))
    process.start()
    loaded = out.get()
    _, status, usage = os.wait4(process.pid, 0)
    triples = loaded["triples"]
    record["triples"] = triples
    record["embedded"] = {"load_seconds": loaded["seconds"], "triples_per_second": triples / loaded["seconds"],
                          "disk_bytes": du(store_dir), "load_peak_rss_kib": usage.ru_maxrss}
    print(f"  embedded load: {record['embedded']}", flush=True)
    # The label index the service builds beside each snapshot (service/search/index.py).
    from reformkg.service.search import index

    labels = work / f"labels-{size}.sqlite"
    labels.unlink(missing_ok=True)
    started = time.monotonic()
    index.write(store_dir, labels)
    record["embedded"]["label_index_seconds"] = time.monotonic() - started
    record["embedded"]["label_index_bytes"] = labels.stat().st_size
    print(f"  label index: {record['embedded']['label_index_seconds']:.1f} s, {labels.stat().st_size:,} bytes", flush=True)
    record["embedded"]["queries"] = measure_embedded(store_dir, labels, jobs, runs, budget, cap)
    shutil.rmtree(store_dir, ignore_errors=True)
    labels.unlink(missing_ok=True)


def _measure_server_side(record: dict, size: int, nquads: Path, work: Path, jobs: dict, runs: int,
                         budget: float, cap: float) -> None:
    triples = record["triples"]
    # Oxigraph server: its bulk loader, then the server on the same directory.
    server_dir = work / f"server-{size}"
    shutil.rmtree(server_dir, ignore_errors=True)
    started = time.monotonic()
    loader = subprocess.Popen(["oxigraph", "load", "--location", str(server_dir), "--file", str(nquads)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(loader.pid, 0)
    seconds = time.monotonic() - started
    record["server"] = {"load_seconds": seconds, "triples_per_second": triples / seconds,
                        "disk_bytes": du(server_dir), "load_peak_rss_kib": usage.ru_maxrss}
    print(f"  server load: {record['server']}", flush=True)
    port = free_port()
    server = subprocess.Popen(["oxigraph", "serve", "--location", str(server_dir), "--bind", f"127.0.0.1:{port}",
                               "--timeout-s", str(int(cap))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                requests.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        record["server"]["queries"] = measure_remote(url, work, jobs, runs, budget, cap)
        record["server"]["serve_peak_rss_kib"] = peak_rss_kib(server.pid)
    finally:
        server.kill()
        server.wait()
    shutil.rmtree(server_dir, ignore_errors=True)


def write_results(records: dict[str, dict], results: Path) -> None:
    results.mkdir(parents=True, exist_ok=True)
    (results / "scale.json").write_text(json.dumps(records, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sizes = sorted(records.values(), key=lambda r: r["size"])
    lines = ["# reformkg at scale", "", "Generated by `python benchmarks/scale.py` (see its docstring); "
             "2 cores, 24 GB. Latencies in milliseconds, p50 / p99 over the runs made "
             "(a `>` entry is a run stopped at the cap).", "", "## Loading", "",
             "| triples | store | load s | triples/s | size on disk MB | peak RSS MB | label index s / MB |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in sizes:
        for side in ("embedded", "server"):
            if side not in r:
                continue  # a run of one side (--sides) into a results folder of its own
            s = r[side]
            index = (f"{s['label_index_seconds']:.1f} / {s['label_index_bytes'] / 1e6:.0f}"
                     if "label_index_seconds" in s else "–")
            lines.append(f"| {r['triples']:,} | {side} | {s['load_seconds']:.1f} | {s['triples_per_second']:,.0f} | "
                         f"{s['disk_bytes'] / 1e6:.0f} | {s['load_peak_rss_kib'] / 1024:.0f} | {index} |")
    lines += ["", "## Latency", ""]
    header = "| query | " + " | ".join(f"{r['size'] // 1000:,} k {side}" for r in sizes for side in ("emb.", "server")) + " |"
    lines += [header, "| --- |" + " --- |" * (2 * len(sizes))]
    names = sorted({n for r in sizes for side in ("embedded", "server") for n in r.get(side, {}).get("queries", {})})
    for name in names:
        cells = []
        for r in sizes:
            for side in ("embedded", "server"):
                q = r.get(side, {}).get("queries", {}).get(name, {})
                if q.get("runs"):
                    cell = f"{q['p50'] * 1000:.0f} / {q['p99'] * 1000:.0f}"
                    cell += "" if q["status"] == "ok" else f" ({q['status']})"
                else:
                    cell = q.get("status", "–")
                cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    (results / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plot(sizes, results / "scale.png")


def plot(sizes: list[dict], path: Path) -> None:
    try:
        import matplotlib
    except ModuleNotFoundError:
        print("  no plot: matplotlib is not installed (pip install matplotlib, a benchmark-only dependency)")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(14, 7), sharey=True)
    for ax, side in zip(axes, ("embedded", "server")):
        names = sorted({n for r in sizes for n in r.get(side, {}).get("queries", {})})
        for name in names:
            xs, ys = [], []
            for r in sizes:
                q = r.get(side, {}).get("queries", {}).get(name, {})
                if q.get("runs"):
                    xs.append(r["triples"])
                    ys.append(q["p50"] * 1000)
            if xs:
                ax.plot(xs, ys, marker="o", linewidth=1, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("triples")
        ax.set_title(f"p50 latency, {'embedded pyoxigraph' if side == 'embedded' else 'Oxigraph server over HTTP'}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms")
    axes[1].legend(fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/reformkg-scale"))
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--runs", type=int, default=10, help="most runs per query")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of runs per query, after which it stops")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds one run may take before it is stopped")
    parser.add_argument("--sides", nargs="+", choices=["embedded", "server"], default=["embedded", "server"],
                        help="measure only these; the other side's figures for the size are kept from scale.json")
    parser.add_argument("--queries", nargs="+", default=None, metavar="NAME",
                        help="time only these jobs (e.g. label-search); the others' figures are kept from scale.json")
    args = parser.parse_args()
    path = args.results / "scale.json"
    records = json.loads(path.read_text()) if path.exists() else {}
    for size in args.sizes:
        print(f"size {size}", flush=True)
        previous = records.get(str(size))
        records[str(size)] = run_size(size, args.work, args.runs, args.budget, args.cap, tuple(args.sides),
                                      previous, args.queries)
        for side in args.sides if args.queries and previous else ():
            kept = previous.get(side, {}).get("queries", {})
            records[str(size)][side]["queries"] = {**kept, **records[str(size)][side]["queries"]}
        write_results(records, args.results)


if __name__ == "__main__":
    main()
