"""Loading one's own RDF: `reformkg load` beside `oxigraph load`, and a Graph Store PUT, with peak memory.

For each size: generate the dataset (generate.py, N-Quads) and write it as N-Triples too (the graphs
dropped), then, interleaved, --runs times each, into a fresh directory:

- `reformkg load --replace FILE` (store/embedded/load.py: pyoxigraph's bulk loader on a stage,
  published as a snapshot) and `oxigraph load --location DIR --file FILE` (the Oxigraph CLI loader),
  each run as a process under `/usr/bin/time`, whose peak resident memory is the process's, and whose
  CPU seconds (user + system) are counted too: on a machine shared with other work they vary less
  than wall seconds;
- with --gsp, one PUT of the first size's N-Triples file to a `reformkg serve` with default settings but an
  update token, its peak memory both the largest sum of the resident memory of all the server's
  processes, sampled every 0.1 s, and the sum of each one's own peak (VmHWM, an upper bound: the
  peaks need not coincide);
- with --reloads N (10 by default), `reformkg load FILE` of the first size's N-Triples file N times into
  one data directory, the file's graph replaced each time, then the data directory's size beside its
  one snapshot's (each hard-linked file counted once);
- with --profile SIZE, the Graph Store's old path taken apart on SIZE triples: parse and write as
  N-Triples, one `INSERT DATA` transaction, flush and snapshot (the path every write took before).

Writes load.json and load.md to --results.

    python benchmarks/load.py --sizes 2000000 10000000 --gsp --work /tmp/rkg-load
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TOKEN = "benchmark-token"


def ntriples(nquads: Path, out: Path) -> int:
    """The quads of `nquads` as triples (N-Quads lines without their graph); returns the line count."""
    graph = re.compile(rb"\s<[^<>]*>\s*\.\s*$")
    lines = 0
    with nquads.open("rb") as source, out.open("wb") as sink:
        for line in source:
            sink.write(graph.sub(b" .\n", line))
            lines += 1
    return lines


def timed(command: list[str]) -> dict:
    """Wall seconds, CPU seconds, peak resident bytes and the output of one command, run under /usr/bin/time."""
    started = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-f", "peak-kb %M cpu %U %S", *command], capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    peak, user, system = re.findall(r"peak-kb (\d+) cpu ([\d.]+) ([\d.]+)", done.stderr)[-1]
    return {"seconds": seconds, "cpu_seconds": float(user) + float(system), "peak_bytes": int(peak) * 1024,
            "output": done.stdout + done.stderr}


def quads_in(location: Path) -> int:
    """The quads in a store (read after the timed run)."""
    from pyoxigraph import Store

    return len(Store.read_only(str(location)))


def reformkg_load(data_dir: Path, file: Path, *options: str) -> dict:
    """One `reformkg load` process; `load_seconds` is the time it reports, from taking the write lock to
    the snapshot published (the rest of `seconds` is starting Python and importing)."""
    run = timed([sys.executable, "-m", "reformkg.service.cli", "load", "--data-dir", str(data_dir), *options, str(file)])
    run["load_seconds"] = float(re.findall(r"in ([\d.]+) s \(", run.pop("output"))[-1])
    return run


def run_reformkg(file: Path, work: Path) -> dict:
    data_dir = work / "reformkg-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    # Triples into the default graph, as `oxigraph load` puts them: a named graph has twice the indexes.
    graph = ["--graph", "default"] if file.suffix == ".nt" else []
    run = reformkg_load(data_dir, file, "--replace", *graph)
    return {**run, "quads": quads_in(data_dir / "store"), "disk_bytes": disk(data_dir)}


def run_oxigraph(file: Path, work: Path) -> dict:
    location = work / "oxigraph-data"
    shutil.rmtree(location, ignore_errors=True)
    run = timed(["oxigraph", "load", "--location", str(location), "--file", str(file)])
    del run["output"]
    return {**run, "quads": quads_in(location), "disk_bytes": disk(location)}


def run_reloads(file: Path, work: Path, times: int) -> dict:
    """`reformkg load FILE` `times` times into one data directory: the file's graph is replaced each time."""
    data_dir = work / "reload-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    runs = [reformkg_load(data_dir, file) for _ in range(times)]
    snapshot = data_dir / "snapshots" / os.readlink(data_dir / "snapshot").split("/")[-1]
    return {"times": times, "runs": runs, "quads": quads_in(data_dir / "store"), "disk_bytes": disk(data_dir),
            "snapshot_bytes": disk(snapshot), "snapshots": sorted(p.name for p in snapshot.parent.iterdir())}


def disk(path: Path) -> int:
    """Bytes on disk, each hard-linked file once."""
    seen, total = set(), 0
    for file in path.rglob("*"):
        stat = file.lstat()
        if file.is_file() and stat.st_ino not in seen:
            seen.add(stat.st_ino)
            total += stat.st_blocks * 512
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    """The process and its descendants."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [p for child in children for p in tree(int(child))]


def status(pid: int, field: str) -> int:
    """A memory figure of a process (VmHWM: its peak resident memory; VmRSS: its resident memory now),
    in bytes; 0 when it has gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    found = re.search(rf"{field}:\s+(\d+) kB", text)
    return int(found.group(1)) * 1024 if found else 0


class Sampler(threading.Thread):
    """The largest sum of the resident memory of a process and its descendants, sampled until stopped,
    and each process's own peak (VmHWM) as last seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.hwm = pid, 0, {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            pids = tree(self.pid)
            self.peak = max(self.peak, sum(status(p, "VmRSS") for p in pids))
            self.hwm.update({p: status(p, "VmHWM") or self.hwm.get(p, 0) for p in pids})

    def stop(self) -> None:
        self.done.set()
        self.join()


def run_gsp(file: Path, work: Path) -> dict:
    """One PUT of the whole file to a server with default settings (an update token aside)."""
    data_dir = work / "gsp-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    port = free_port()
    env = {**os.environ, "REFORMKG_UPDATE_TOKEN": TOKEN}
    log = (work / "gsp-server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "reformkg.service.cli", "serve", "--no-report",
                               "--data-dir", str(data_dir), "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        sampler = Sampler(server.pid)
        sampler.start()
        started = time.monotonic()
        with file.open("rb") as body:
            response = requests.put(url + "/store", params={"graph": "http://example.org/put"}, data=body,
                                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/n-triples"},
                                    timeout=3600)
        seconds = time.monotonic() - started
        sampler.stop()
        count = requests.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
                             headers={"Accept": "text/csv"}, timeout=600).text.split()[-1]
        return {"status": response.status_code, "answer": response.text[:500], "seconds": seconds, "quads": int(count),
                "processes": len(sampler.hwm), "peak_bytes": sampler.peak, "hwm_sum_bytes": sum(sampler.hwm.values()),
                "largest_process_peak_bytes": max(sampler.hwm.values()), "disk_bytes": disk(data_dir)}
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        log.close()


def profile_old_path(nquads: Path, size: int, work: Path) -> dict:
    """Where the time of a Graph Store write went before bulk loading: each step of the old path timed."""
    from pyoxigraph import RdfFormat, Store, parse, serialize

    sample = work / f"profile-{size}.nt"
    with nquads.open("rb") as source, sample.open("wb") as sink:
        graph = re.compile(rb"\s<[^<>]*>\s*\.\s*$")
        for n, line in enumerate(source):
            if n >= size:
                break
            sink.write(graph.sub(b" .\n", line))
    body = sample.read_bytes()
    steps = {}
    path = work / "profile-store"
    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(work / "profile-snapshot", ignore_errors=True)
    store = Store(str(path))
    started = time.monotonic()
    text = serialize((q.triple for q in parse(body, format=RdfFormat.N_TRIPLES, rename_blank_nodes=True)),
                     format=RdfFormat.N_TRIPLES).decode()
    steps["parse and write as N-Triples"] = time.monotonic() - started
    started = time.monotonic()
    store.update("INSERT DATA { GRAPH <http://example.org/g> {\n" + text + "} }")
    steps["INSERT DATA (one transaction)"] = time.monotonic() - started
    started = time.monotonic()
    store.flush()
    store.backup(str(work / "profile-snapshot"))
    steps["flush and snapshot"] = time.monotonic() - started
    del store
    shutil.rmtree(path, ignore_errors=True)
    store = Store(str(path))
    started = time.monotonic()
    store.bulk_load(path=str(sample), format=RdfFormat.N_TRIPLES)
    store.flush()
    steps["bulk_load of the same file"] = time.monotonic() - started
    del store
    return {"triples": size, "steps": steps}


def rate(quads: int, seconds: float) -> float:
    return quads / seconds if seconds else 0.0


def report(results: dict) -> str:
    lines = ["# Loading: `reformkg load` beside `oxigraph load`", "",
             f"Run {results['when']} on {results['machine']}; {results['note']}", "",
             "Generated reformkg data (benchmarks/generate.py), as N-Triples (`nt`, loaded into the default graph by "
             "both: `reformkg load --replace --graph default FILE`, `oxigraph load --location DIR --file FILE`) and as "
             "N-Quads (`nq`, a named graph per report); each run into a fresh directory, systems interleaved; peak memory is "
             "the loading process's maximum resident set (`/usr/bin/time`), reformkg's including Python and its "
             "imports; its time includes the snapshot it publishes. Triples/s counts the distinct triples in the store "
             "afterwards; CPU s is user + system time, which other work on the machine disturbs less than wall time; "
             "reformkg's own s is what it reports, from the write lock to the snapshot published (the rest of its "
             "time is starting Python).", "",
             "| triples | file | system | runs | median s | triples/s | ÷ oxigraph | best s | best ÷ oxigraph's best | "
             "median CPU s | CPU ÷ oxigraph's | reformkg's own s | peak memory MiB | disk MiB |",
             "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in results["sizes"]:
        for kind, systems in size["runs"].items():
            medians = {system: statistics.median(r["seconds"] for r in runs) for system, runs in systems.items()}
            best = {system: min(r["seconds"] for r in runs) for system, runs in systems.items()}
            cpu = {system: statistics.median(r["cpu_seconds"] for r in runs) for system, runs in systems.items()}
            rates = {system: rate(systems[system][0]["quads"], seconds) for system, seconds in medians.items()}
            for system, runs in systems.items():
                own = (f"{statistics.median(r['load_seconds'] for r in runs):.1f}" if "load_seconds" in runs[0] else "")
                lines.append(f"| {size['triples']:,} | {kind} | {system} | {len(runs)} | {medians[system]:.1f} | "
                             f"{rates[system]:,.0f} | {rates[system] / rates['oxigraph']:.2f}× | {best[system]:.1f} | "
                             f"{best['oxigraph'] / best[system]:.2f}× | {cpu[system]:.1f} | "
                             f"{cpu[system] / cpu['oxigraph']:.2f}× | {own} | "
                             f"{max(r['peak_bytes'] for r in runs) / 2**20:,.0f} | {runs[-1]['disk_bytes'] / 2**20:,.0f} |")
    gsp = [s for s in results["sizes"] if s.get("gsp")]
    if gsp:
        lines += ["", "## One Graph Store PUT of the whole N-Triples file (default settings, an update token)", "",
                  "Into a new graph of a server started with `--no-report` on an empty data directory. Peak memory: the "
                  "largest sum of the resident memory of all the server's processes (web workers, query engines, "
                  "writer), sampled every 0.1 s; beside it the sum of each process's own peak, an upper bound.", "",
                  "| triples | status | seconds | triples/s | processes | peak memory MiB (all processes, sampled) | "
                  "sum of each one's peak MiB | largest process MiB |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for size in gsp:
            g = size["gsp"]
            lines.append(f"| {g['quads']:,} | {g['status']} | {g['seconds']:.1f} | {rate(g['quads'], g['seconds']):,.0f} | "
                         f"{g.get('processes', '')} | {g['peak_bytes'] / 2**20:,.0f} | "
                         f"{g.get('hwm_sum_bytes', g['peak_bytes']) / 2**20:,.0f} | "
                         f"{g['largest_process_peak_bytes'] / 2**20:,.0f} |")
    reloads = results.get("reloads")
    if reloads:
        runs = reloads["runs"]
        lines += ["", f"## The same N-Triples file loaded {reloads['times']} times into one data directory", "",
                  "`reformkg load FILE`, without --replace: the file's graph is replaced each time. The data directory's "
                  "size beside its current snapshot's counts each hard-linked file once.", "",
                  "| triples | loads | median s | slowest s | peak memory MiB | snapshots left | data directory MiB | "
                  "snapshot MiB | ÷ snapshot |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                  f"| {reloads['quads']:,} | {len(runs)} | {statistics.median(r['seconds'] for r in runs):.1f} | "
                  f"{max(r['seconds'] for r in runs):.1f} | {max(r['peak_bytes'] for r in runs) / 2**20:,.0f} | "
                  f"{len([n for n in reloads['snapshots'] if n.isdigit()])} | {reloads['disk_bytes'] / 2**20:,.0f} | "
                  f"{reloads['snapshot_bytes'] / 2**20:,.0f} | {reloads['disk_bytes'] / reloads['snapshot_bytes']:.2f}× |"]
    if results.get("profile"):
        p = results["profile"]
        lines += ["", f"## Where a Graph Store write's time went before ({p['triples']:,} triples, in process)", "",
                  "| step | seconds | triples/s |", "| --- | ---: | ---: |"]
        for step, seconds in p["steps"].items():
            lines.append(f"| {step} | {seconds:.2f} | {rate(p['triples'], seconds):,.0f} |")
        steps = p["steps"]
        lines += ["", "Why Graph Store writes ran at 21–33 k triples/s (issue 15): each one was a SPARQL `INSERT DATA`. "
                  "The body was parsed, written back as N-Triples, parsed again as SPARQL and applied as one "
                  "transaction, which holds every change in memory and writes it twice, to the log and then to the "
                  f"tables: that step alone ran at {rate(p['triples'], steps['INSERT DATA (one transaction)']):,.0f} "
                  f"triples/s here, where `bulk_load` of the same file ran at "
                  f"{rate(p['triples'], steps['bulk_load of the same file']):,.0f}. In the service each write then "
                  "published a snapshot, which copies the store's write-ahead log rather than linking it (after a PUT "
                  "and a DELETE of 88,000 triples a snapshot held a 62 MB log and the data directory had grown from 1 "
                  "to 185 MB; 11 MB now, tests/service/test_snapshots.py), and a snapshot past "
                  "`memory_replica_bytes` was read from disk. Now a "
                  "body past 1 MiB is spooled to disk and bulk-loaded into a stage that replaces the store whole "
                  "(store/embedded/load.py), and the writer compacts and drops its logs after large writes "
                  "(compaction.py)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=3, help="loads of each file by each system (0: none)")
    parser.add_argument("--files", nargs="+", choices=["nt", "nq"], default=["nt", "nq"],
                        help="which files to load: N-Triples, N-Quads")
    parser.add_argument("--gsp", action="store_true", help="also PUT the first size's N-Triples file to a server")
    parser.add_argument("--reloads", type=int, default=10, metavar="N",
                        help="load the first size's N-Triples file N times into one data directory (0: not)")
    parser.add_argument("--profile", type=int, default=0, metavar="TRIPLES", help="take the old write path apart")
    parser.add_argument("--work", type=Path, default=HERE / "work" / "load")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--note", default="a quiet machine.")
    parser.add_argument("--rewrite", action="store_true", help="only write load.md again from load.json")
    args = parser.parse_args(argv)
    if args.rewrite:
        (args.results / "load.md").write_text(report(json.loads((args.results / "load.json").read_text())))
        return
    if shutil.which("oxigraph") is None:
        sys.exit("the oxigraph binary is missing: pip install oxigraph")
    args.work.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    from generate import generate

    results = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "note": args.note,
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "sizes": []}
    for size in args.sizes:
        nquads, nt = args.work / f"{size}.nq", args.work / f"{size}.nt"
        if not nt.exists():
            generate(size, nquads)
            ntriples(nquads, nt)
        runs: dict[str, dict[str, list[dict]]] = {}
        for file in (f for f in (nt, nquads) if f.suffix.lstrip(".") in args.files and args.runs):
            kind = runs.setdefault(file.suffix.lstrip("."), {"reformkg": [], "oxigraph": []})
            for n in range(args.runs):
                for system, run in (("reformkg", run_reformkg), ("oxigraph", run_oxigraph))[:: 1 if n % 2 == 0 else -1]:
                    kind[system].append(run(file, args.work))
                    print(size, file.name, system, kind[system][-1], flush=True)
        entry = {"triples": size, "runs": runs}
        if args.gsp and size == args.sizes[0]:
            entry["gsp"] = run_gsp(nt, args.work)
            print(size, "gsp", entry["gsp"], flush=True)
        results["sizes"].append(entry)
    if args.reloads:
        results["reloads"] = run_reloads(args.work / f"{args.sizes[0]}.nt", args.work, args.reloads)
        print("reloads", results["reloads"], flush=True)
    if args.profile:
        results["profile"] = profile_old_path(args.work / f"{args.sizes[0]}.nq", args.profile, args.work)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "load.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "load.md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
