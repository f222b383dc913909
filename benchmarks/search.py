"""Label search (/api/search) at 2 M triples: from the label index (service/search/index.py) against the
SPARQL scan (queries/label-search.rq) it replaces.

Generates the dataset with generate.py (unless --nquads names one), installs it into a data directory
(store/install.py, which builds the snapshot's label index), then builds the index once more on its
own to time it and records its size. Then it starts `reformkg serve` on the data directory and times
GET /api/search for QUERIES, Chinese and English, one to many characters, one request at a time:

- index: as served, --rounds rounds over every query after one warm-up round, then --clients
  clients at once for --concurrent-seconds;
- scan: with the index files removed and the build lock held by this process, so that the service
  finds no index and no builder can make one, and every search scans, as it does just after a write.
  A scan takes seconds at this size, so it runs --scan-rounds rounds over SCANNED only.

The result cache is off (REFORMKG_RESULT_CACHE_BYTES=0): repeating a query must cost what the first
one costs, on both paths. Each answer of the scan is checked to be the index's. The time the index
lookup itself takes (in process, no HTTP, no describe) is recorded beside. Writes search.json and
search.md to --results.

    python benchmarks/search.py --work /tmp/rkg-search
    python benchmarks/search.py --nquads /tmp/rkg-search/rkg-2m.nq --data-dir /tmp/rkg-search/d2m   # reuse
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import requests

from reformkg.service.search import index as textindex
from reformkg.service.store.embedded import snapshots
from reformkg.service.store.install import install
from sparql_endpoint import free_port, start_server, stop_server

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
QUERIES: list[tuple[str, str | None]] = [
    ("养", None), ("老", None), ("养老", None), ("养老", "zh"), ("服务", None), ("养老服务", None),
    ("社会救助", None), ("重庆", None), ("重庆市", None), ("困难群众", None), ("办理业务", None),
    ("信息平台", None), ("关于创新社会救助工作的条例", None), ("不存在的词", None),
    ("care", None), ("care", "en"), ("elderly care", None), ("service", None), ("Chongqing", None),
    ("social assistance", None), ("subsidy", None), ("a special campaign", None), ("pilot projects", None),
    ("minors", None), ("zzz", None), ("e", None), ("in", None),
]
"""(q, lang) pairs: Chinese one to thirteen characters, English words and phrases, no hits, and the two
most common English strings, one letter and two (the costliest for the index)."""
SCANNED = [("养老", None), ("重庆", None), ("care", "en"), ("elderly care", None), ("zzz", None), ("e", None)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": statistics.median(ms), "p99_ms": percentile(ms, 99), "max_ms": max(ms)}


def dataset(args) -> Path:
    if args.nquads is not None:
        return args.nquads
    nquads = args.work / f"rkg-{args.triples}.nq"
    if not nquads.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--triples", str(args.triples),
                        "--out", str(nquads)], check=True)
    return nquads


def build_index(data_dir: Path) -> dict:
    """Build the current snapshot's index again, in this process, and describe it."""
    folder = data_dir / "textindex"
    for old in folder.glob("*.sqlite"):
        old.unlink()
    started = time.monotonic()
    textindex.build(data_dir)
    seconds = time.monotonic() - started
    file = textindex.path(data_dir, snapshots.generation(data_dir))
    with closing(sqlite3.connect(file)) as db:
        counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("labels", "texts", "kinds", "resources", "bigrams")}
    return {"seconds": seconds, "bytes": file.stat().st_size, **counts}


def lookup_ms(data_dir: Path, rounds: int) -> dict[str, dict]:
    """The index lookup alone (textindex.query), in process."""
    index = textindex.LabelIndex(data_dir)
    times: dict[str, list[float]] = {}
    for _ in range(rounds):
        for q, lang in QUERIES:
            started = time.perf_counter()
            assert index.lookup(q, lang, 20) is not None
            times.setdefault(key(q, lang), []).append((time.perf_counter() - started) * 1000)
    return {name: summary(ms) for name, ms in times.items()}


def key(q: str, lang: str | None) -> str:
    return q if lang is None else f"{q} (lang={lang})"


def timed(session: requests.Session, url: str, q: str, lang: str | None) -> tuple[float, int, list | None]:
    params = {"q": q, **({"lang": lang} if lang else {})}
    started = time.perf_counter()
    response = session.get(url + "/api/search", params=params, timeout=60)
    ms = (time.perf_counter() - started) * 1000
    return ms, response.status_code, response.json()["results"] if response.ok else None


def concurrent(url: str, clients: int, seconds: float) -> dict:
    """`clients` threads, each with its own connection, going round QUERIES for `seconds`."""
    times: list[float] = []
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        n = offset
        while time.monotonic() < deadline:
            ms, status, _ = timed(session, url, *QUERIES[n % len(QUERIES)])
            assert status == 200
            times.append(ms)
            n += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**summary(times), "clients": clients, "per_second": len(times) / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=2_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/rkg-search"))
    parser.add_argument("--nquads", type=Path, help="an N-Quads file to use instead of generating one")
    parser.add_argument("--data-dir", type=Path, help="a data directory the dataset is installed in already")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--rounds", type=int, default=20, help="rounds over QUERIES with the index")
    parser.add_argument("--scan-rounds", type=int, default=2, help="rounds over SCANNED without it")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the last index run")
    parser.add_argument("--concurrent-seconds", type=float, default=20.0, help="how long that run lasts")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    record: dict = {"load_before": os.getloadavg(), "cpus": os.cpu_count(),
                    "concurrent_seconds": args.concurrent_seconds}

    nquads = dataset(args)
    data_dir = args.data_dir or args.work / "data"
    if args.data_dir is None:
        started = time.monotonic()
        install(nquads, data_dir)
        record["install_seconds"] = time.monotonic() - started
    record["triples"] = sum(1 for _ in nquads.open("rb"))
    record["index"] = build_index(data_dir)
    print(f"index: {record['index']}", flush=True)
    record["lookup"] = lookup_ms(data_dir, args.rounds)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port, query_workers=2, threads=8, log=args.work / "search-server.log",
                          settings={"REFORMKG_WORKERS": "1", "REFORMKG_RESULT_CACHE_BYTES": "0",
                                    "REFORMKG_QUERY_TIMEOUT": "30"})
    try:
        session = requests.Session()
        answers: dict[str, list] = {}
        for q, lang in QUERIES:  # warm-up, and the answers to check the scan against
            _, status, answers[key(q, lang)] = timed(session, url, q, lang)
            assert status == 200, (q, status)
        index_ms: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for q, lang in QUERIES:
                ms, status, found = timed(session, url, q, lang)
                assert status == 200 and found == answers[key(q, lang)], (q, lang, status)
                index_ms.setdefault(key(q, lang), []).append(ms)
        record["index_http"] = {name: summary(ms) for name, ms in index_ms.items()}
        record["index_http_all"] = summary([ms for values in index_ms.values() for ms in values])
        print(f"index over HTTP: {record['index_http_all']}", flush=True)
        record["index_http_concurrent"] = concurrent(url, args.clients, args.concurrent_seconds)
        print(f"index over HTTP, {args.clients} clients: {record['index_http_concurrent']}", flush=True)

        folder = data_dir / "textindex"
        lock = os.open(folder / "build.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for file in folder.glob("*.sqlite"):
                file.unlink()
            scan_ms: dict[str, list[float]] = {}
            statuses: dict[str, list[int]] = {}
            for _ in range(args.scan_rounds):
                for q, lang in SCANNED:
                    ms, status, found = timed(session, url, q, lang)
                    if status == 200:
                        assert found == answers[key(q, lang)], (q, lang, "the scan answered differently")
                    scan_ms.setdefault(key(q, lang), []).append(ms)
                    statuses.setdefault(key(q, lang), []).append(status)
                    print(f"  scan {key(q, lang)!r}: {ms:.0f} ms, {status}", flush=True)
            record["scan_http"] = {name: {**summary(ms), "statuses": statuses[name]} for name, ms in scan_ms.items()}
        finally:
            os.close(lock)
        record["scan_http_all"] = summary([ms for values in scan_ms.values() for ms in values])
    finally:
        stop_server(server)
    textindex.build(data_dir)  # leave the data directory as it was
    record["load_after"] = os.getloadavg()
    write_results(record, args.results)


def write_results(record: dict, results: Path) -> None:
    (results / "search.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    index, lookup, http, scan = record["index"], record["lookup"], record["index_http"], record.get("scan_http", {})
    installed = f"{record['install_seconds']:.0f}" if "install_seconds" in record else "–"
    busy = record["index_http_concurrent"]
    lines = [
        "# Label search at 2 M triples: label index against SPARQL scan",
        "",
        (f"Generated by `python benchmarks/search.py` (see its docstring): {record['triples']:,} quads, "
         f"{record['cpus']} cores shared with other benchmarks and test runs (load average "
         f"{record['load_before'][0]:.1f} before, {record['load_after'][0]:.1f} after), so the numbers are noisy. "
         "One request at a time to a real `reformkg serve` (1 web worker, 2 query engines), result cache off."),
        "",
        "## The index",
        "",
        "| build s | size MB | labels | distinct texts | kinds | resources | bigrams | install s (store + index) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        (f"| {index['seconds']:.1f} | {index['bytes'] / 1e6:.1f} | {index['labels']:,} | {index['texts']:,} | "
         f"{index['kinds']:,} | {index['resources']:,} | {index['bigrams']:,} | {installed} |"),
        "",
        ("build: reading the snapshot's labels, and the types and schemes that decide how a hit is shown, "
         "then writing SQLite; the builder runs at nice 10 beside the server. A kind is a set of resources "
         "with the same labels, ranked as one."),
        "",
        "## /api/search, milliseconds",
        "",
        (f"Over every query with the index: p50 {record['index_http_all']['p50_ms']:.1f}, "
         f"p99 {record['index_http_all']['p99_ms']:.1f}, max {record['index_http_all']['max_ms']:.1f} "
         f"({record['index_http_all']['n']} requests). Scanning: p50 {record['scan_http_all']['p50_ms']:.0f}, "
         f"p99 {record['scan_http_all']['p99_ms']:.0f} ({record['scan_http_all']['n']} requests)."),
        "",
        (f"With the index and {busy['clients']} concurrent clients (keep-alive connections, going round the "
         f"queries for {record['concurrent_seconds']:.0f} s): {busy['per_second']:.0f} searches/s, p50 "
         f"{busy['p50_ms']:.1f}, p99 {busy['p99_ms']:.1f}, max {busy['max_ms']:.1f} ({busy['n']} requests). "
         "The one web worker serves them one core's worth at a time and the clients run on the same two "
         "cores, so they queue: this is the throughput of one worker, not the latency of a search."),
        "",
        "| q | lookup p50 | lookup p99 | index p50 | index p99 | scan p50 | scan max | scan status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, found in http.items():
        scanned = scan.get(name)
        statuses = ", ".join(str(s) for s in sorted(set(scanned["statuses"]))) if scanned else ""
        scan_cells = f"{scanned['p50_ms']:.0f} | {scanned['max_ms']:.0f} | {statuses}" if scanned else "– | – | –"
        lines.append(f"| {name} | {lookup[name]['p50_ms']:.2f} | {lookup[name]['p99_ms']:.2f} | "
                     f"{found['p50_ms']:.1f} | {found['p99_ms']:.1f} | {scan_cells} |")
    lines += [
        "",
        ("lookup: the index query alone, in process (textindex.query: SQLite, no HTTP). index: the whole "
         "request; the index also says how to show each hit, so it asks the store nothing (a search with no "
         "hit, 6-7 ms, is about the cost of HTTP, Flask and gunicorn here). scan: the same request while "
         "the snapshot has no index (as just after a write): label-search.rq, then one describe query per "
         "ten hits; a 503 would be a scan stopped at query_timeout (30 s)."),
    ]
    (results / "search.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
