"""How evenly kept-alive connections land on the web workers, and what the split does to throughput.

With two workers, which one accepts a connection used to be chance, and one run of `compare.py` could
get 2,700 req/s on a cached page where the next got 7,800. This script runs the same short wrk run
many times, this tree and a `--baseline` tree alternating. During each run it reads which worker holds
each connection (`ss -tnp`) and records the split beside the requests/s. The spread of the figures is
the point here, so each run is short and there are many of them.

    python3 benchmarks/spread.py --baseline /tmp/before --runs 12 --out benchmarks/results/issue-15-spread-session11

Needs Debian `wrk` and `ss` (iproute2); reformkg installed (`pip install -e .`).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import datasets, mix, report, wrk  # noqa: E402
from compare.inprocess import InProcess  # noqa: E402
from compare.systems import ReformKG  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def split(port: int) -> list[int]:
    """Connections per process listening on `port`, largest first (from `ss -tnp`)."""
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    return sorted(Counter(re.findall(r"pid=(\d+)", out)).values(), reverse=True)


def one_run(system: ReformKG, surface: str, requests: list[wrk.Request], url: str, conns: int,
            duration: float, script: Path) -> dict:
    seen: list[list[int]] = []

    def sample() -> None:
        time.sleep(duration / 2)
        seen.append(split(urllib.parse.urlsplit(url).port))

    sampler = threading.Thread(target=sample)
    sampler.start()
    run = wrk.run(url, requests, conns, duration, 30, script)
    sampler.join()
    system.settle(10)
    return {"system": system.name, "surface": surface, "rps": run.rps, "p50_ms": run.p50_ms,
            "p99_ms": run.p99_ms, "errors": run.errors, "split": seen[0] if seen else []}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", type=Path, required=True, metavar="DIR", help="another source tree to run beside")
    p.add_argument("--runs", type=int, default=12, help="wrk runs per system and surface")
    p.add_argument("--duration", type=float, default=3, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--out", type=Path, default=RESULTS / "spread")
    p.add_argument("--note", action="append", default=[])
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="reformkg-spread-"))
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    systems = [ReformKG("reformkg", work / "this", []), ReformKG("reformkg-baseline", work / "base", [],
                                                                 source=args.baseline)]
    runs: list[dict] = []
    try:
        data = datasets.reform(work)
        reference = InProcess("reference", work / "reference", on_disk=False)
        reference.start(data, 600)
        focus = mix.focus_resource(reference.store)
        reference.stop()
        for system in systems:
            system.work.mkdir(parents=True, exist_ok=True)
            system.start(data, 600)
        for round_ in range(args.runs):
            for system in systems if round_ % 2 == 0 else systems[::-1]:
                surfaces = {
                    "mix": (system.endpoint.url, wrk.sparql_requests(system.endpoint, mix.queries(focus))),
                    "resource page": (f"{system.base}/{focus[len(datasets.BASE):]}",
                                      [wrk.Request("GET", {"Accept": "text/html"})]),
                }
                for surface, (url, requests) in surfaces.items():
                    runs.append(one_run(system, surface, requests, url, args.connections, args.duration,
                                        work / "spread.lua"))
                    print(f"{round_ + 1}/{args.runs} {system.name} {surface}: {runs[-1]['rps']:,.0f} req/s "
                          f"split {runs[-1]['split']}", flush=True)
    finally:
        for system in systems:
            system.stop()
        shutil.rmtree(work, ignore_errors=True)
    write(args, started, runs)
    return 0


def write(args: argparse.Namespace, started: str, runs: list[dict]) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "spread.json").write_text(json.dumps({"started": started, "argv": sys.argv[1:], "runs": runs},
                                                     indent=1), encoding="utf-8")
    m = report.machine()
    lines = [f"# Connections over the workers: {args.runs} runs of {args.duration:g} s at {args.connections} "
             "connections", "",
             f"Run {started} with `python3 benchmarks/spread.py {' '.join(sys.argv[1:])}`, on "
             f"{m['cpu']}, {m['nproc']} cores, load average at the end {m['load_average']}. The two trees alternate run by run, each run starting the "
             "other tree first. *Split* is the number of connections each worker held halfway through the run.",
             "", *[f"> {n}" for n in args.note], "",
             "| system | surface | req/s median | min | max | p99 ms median | runs split evenly (±1) | splits seen |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for surface in ("mix", "resource page"):
        for system in ("reformkg", "reformkg-baseline"):
            mine = [r for r in runs if r["system"] == system and r["surface"] == surface]
            if not mine:
                continue
            rps = [r["rps"] for r in mine]
            even = sum(1 for r in mine if r["split"] and max(r["split"]) - min(r["split"]) <= 1
                       and len(r["split"]) > 1)
            splits = Counter("/".join(map(str, r["split"])) for r in mine)
            lines.append(f"| {system} | {surface} | {statistics.median(rps):,.0f} | {min(rps):,.0f} | {max(rps):,.0f} "
                         f"| {statistics.median(r['p99_ms'] or 0 for r in mine):.2f} | {even} of {len(mine)} | "
                         + ", ".join(f"{k} ×{v}" for k, v in splits.most_common()) + " |")
    (args.out / "spread.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'spread.md'}")


if __name__ == "__main__":
    sys.exit(main())
