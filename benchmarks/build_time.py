"""How long `reformkg build` of the packaged report takes, from the command to its exit (issue 15: ≤ 2 s).

Runs `reformkg build --data-dir DIR` into a fresh directory --runs times, and with --baseline CHECKOUT
the same command of an earlier source tree (its packages first on the path, as compare.py does),
interleaved run by run so that both see the same machine. Each run is a process of its own, timed
wall-clock, with the CPU seconds (user + system) of it and its children. SOURCE_DATE_EPOCH is set, so
every run builds the same bytes. Run it alone on the machine: the build uses both cores.

Writes build_time.json and build_time.md to --results.

    python benchmarks/build_time.py --runs 15 --baseline /tmp/base
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
EPOCH = "1714564800"


def command(source: Path | None, work: Path) -> tuple[list[str], dict[str, str]]:
    """`reformkg` of this install, or of the checkout `source` (its packages linked under `work`)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    if source is None:
        return [shutil.which("reformkg") or sys.exit("reformkg is not installed (pip install -e .)")], env
    packages = work / "python" / "reformkg"
    packages.mkdir(parents=True, exist_ok=True)
    for folder in ("graph", "ontology", "queries", "service"):
        if not (packages / folder).is_symlink():
            (packages / folder).symlink_to(source.resolve() / folder)
    return [sys.executable, "-m", "reformkg.service"], {**env, "PYTHONPATH": str(packages.parent)}


def tree_arguments(parser: argparse.ArgumentParser, work: str) -> None:
    """--baseline, --work, --results and --note: what every benchmark that times this tree beside
    earlier checkouts takes."""
    parser.add_argument("--baseline", type=Path, action="append", default=[],
                        help="a checkout of an earlier commit to time beside this install (repeatable)")
    parser.add_argument("--work", type=Path, default=Path(work))
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--note", default="")


def baselines(sources: list[Path], work: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """"baseline <commit>" → how to run each checkout's `reformkg` (command)."""
    systems = {}
    for source in sources:
        commit = subprocess.run(["git", "-C", str(source), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or source.name
        systems[f"baseline {commit}"] = command(source, work / commit)
    return systems


def one_build(cmd: list[str], env: dict[str, str], data_dir: Path) -> dict:
    shutil.rmtree(data_dir, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*cmd, "build", "--data-dir", str(data_dir)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} build failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def summary(runs: list[dict]) -> dict:
    walls = sorted(r["wall"] for r in runs)
    return {"runs": len(runs), "min": walls[0], "median": statistics.median(walls), "max": walls[-1],
            "cpu_median": statistics.median(r["cpu"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    tree_arguments(parser, "/tmp/reformkg-build-time")
    args = parser.parse_args()
    systems = {"reformkg": command(None, args.work / "head"), **baselines(args.baseline, args.work)}
    runs: dict[str, list[dict]] = {name: [] for name in systems}
    load = os.getloadavg()
    for i in range(args.runs):
        names = list(systems)
        for name in names[i % len(names):] + names[:i % len(names)]:  # each round starts one system later
            cmd, env = systems[name]
            runs[name].append(one_build(cmd, env, args.work / "data"))
            print(f"{name}: {runs[name][-1]['wall']:.3f} s", flush=True)
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_at_start": load},
        "command": " ".join(sys.argv), "note": args.note,
        "systems": {name: {**summary(r), "walls": [x["wall"] for x in r]} for name, r in runs.items()},
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "build_time.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# `reformkg build` of the packaged report, wall-clock (issue 15: ≤ 2 s)", "",
        f"`{results['command']}`; {os.cpu_count()} cores, Python {platform.python_version()}, load average at "
        f"start {', '.join(f'{x:.2f}' for x in load)}. Each run: a fresh data directory, SOURCE_DATE_EPOCH set, "
        "one process from the command to its exit; systems interleaved run by run.", "",
    ]
    if args.note:
        lines += [f"> {args.note}", ""]
    lines += ["| system | runs | min s | median s | max s | CPU s (median) |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in results["systems"].items():
        lines.append(f"| {name} | {s['runs']} | {s['min']:.2f} | {s['median']:.2f} | {s['max']:.2f} | "
                     f"{s['cpu_median']:.2f} |")
    (args.results / "build_time.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
