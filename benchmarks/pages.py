"""Uncached pages and named-query JSON, timed inside the app, this install beside earlier source trees.

A page costs a dozen queries, the reading of their answers and a template; `compare.py` times it
through HTTP in one short wrk run per system, where this machine's noise (±20 % from run to run) hides
a change of a millisecond. Here each system's app (result_cache_bytes=0, so every request does all its
work) answers the same GETs through Flask's test client in a process of its own, on its own copy of
one built data directory; the per-path p50 of each round is kept, systems interleaved round by round,
and the median over rounds reported. No HTTP front is involved: it is the same for every tree.

Writes pages.json and pages.md to --results. Run it alone on the machine.

    git worktree add /tmp/base HEAD~1
    python benchmarks/pages.py --baseline /tmp/base --rounds 7
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

from build_time import baselines, command, tree_arguments


PATHS = [
    ("/report/cq-civil-affairs-2022/reform/1", "text/html"),
    ("/place/chongqing", "text/html"),
    ("/report/cq-civil-affairs-2022/reform/1/measure/1", "text/html"),
    ("/report/cq-civil-affairs-2022/reform/1/measure/1", "text/turtle"),
    ("/api/queries/reform-with-most-indicators", "application/json"),
    ("/api/queries/indicators-by-kind", "application/json"),
]

PROBE = """
import json, statistics, sys, time
from pathlib import Path
from reformkg.service.app import create_app
from reformkg.service.settings import load_settings
data_dir, requests, paths = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
client = create_app(load_settings({"data_dir": data_dir, "result_cache_bytes": 0})).test_client()
out = {}
for path, accept in paths:
    times = []
    for _ in range(requests + 10):  # the first ten warm the engines and the templates
        start = time.perf_counter()
        response = client.get(path, headers={"Accept": accept})
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
    out[f"{path} {accept}"] = statistics.median(times[10:])
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=150, help="GETs of each path per round and system")
    tree_arguments(parser, "/tmp/reformkg-pages")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    built = args.work / "built"
    reformkg, env = command(None, args.work / "head")
    subprocess.run([*reformkg, "build", "--data-dir", str(built)], env=env, check=True, capture_output=True)
    systems = {"reformkg": env, **{name: how[1] for name, how in baselines(args.baseline, args.work).items()}}
    data = {}
    for name in systems:
        data[name] = args.work / "data" / name.replace(" ", "-")
        shutil.copytree(built, data[name], symlinks=True)
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in systems}
    load = os.getloadavg()
    for i in range(args.rounds):
        names = list(systems)
        for name in names[i % len(names):] + names[:i % len(names)]:  # each round starts one system later
            done = subprocess.run([sys.executable, "-c", PROBE, str(data[name]), str(args.requests), json.dumps(PATHS)],
                                  env=systems[name], capture_output=True, text=True, timeout=600)
            if done.returncode:
                sys.exit(f"{name}: the probe failed:\n{done.stderr[-3000:]}")
            rounds[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {i + 1} {name}: " + ", ".join(f"{v:.2f}" for v in rounds[name][-1].values()), flush=True)
    medians = {name: {f"{path} {accept}": statistics.median(r[f"{path} {accept}"] for r in runs) for path, accept in PATHS}
               for name, runs in rounds.items()}
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_at_start": load},
               "command": " ".join(sys.argv), "note": args.note, "p50_ms": medians, "rounds": rounds}
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "pages.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    names = list(systems)
    lines = ["# Uncached pages and named-query JSON inside the app (result_cache_bytes=0)", "",
             f"`{results['command']}`; {os.cpu_count()} cores, Python {platform.python_version()}, load average at "
             f"start {', '.join(f'{x:.2f}' for x in load)}. p50 of {args.requests} GETs per path, each system in a "
             f"process of its own on its own copy of one build; median over {args.rounds} rounds, systems "
             "interleaved.", ""]
    if args.note:
        lines += [f"> {args.note}", ""]
    lines += ["| path | Accept | " + " | ".join(f"{n} p50 ms" for n in names) + " |",
              "| --- | --- | " + " | ".join("---:" for _ in names) + " |"]
    for path, accept in PATHS:
        lines.append(f"| `{path}` | {accept} | " + " | ".join(f"{medians[n][f'{path} {accept}']:.2f}" for n in names) + " |")
    (args.results / "pages.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
