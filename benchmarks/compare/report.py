"""What a run leaves in benchmarks/results/: compare-<dataset>.md, .json and .png."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

BASELINE = "oxigraph"


def machine() -> dict:
    """Facts about the machine the numbers came from."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    return {"cpu": model, "nproc": nproc, "memory_gib": round(mem_kb / 2**20, 1), "kernel": platform.release(),
            "python": platform.python_version(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def summary(rounds: list[dict]) -> dict:
    """Median over the rounds of each figure; errors added up."""
    def med(key: str) -> float | None:
        values = [r[key] for r in rounds if r.get(key) is not None]
        return statistics.median(values) if values else None

    return {"rps": med("rps"), "p50_ms": med("p50_ms"), "p99_ms": med("p99_ms"),
            "errors": sum(r["errors"] for r in rounds), "requests": sum(r["requests"] for r in rounds),
            "rounds": len(rounds)}


def table_rows(results: dict) -> list[dict]:
    """One row per (system, connections), with ratios to the Oxigraph server at the same connections."""
    rows = []
    by_key = {(m["system"], m["connections"]): summary(m["rounds"]) for m in results["mix"]}
    for (system, conns), s in by_key.items():
        base = by_key.get((BASELINE, conns))
        ratio_rps = s["rps"] / base["rps"] if base and base["rps"] and s["rps"] is not None else None
        ratio_p99 = (s["p99_ms"] / base["p99_ms"]
                     if base and base["p99_ms"] and s["p99_ms"] is not None else None)
        rows.append({"system": system, "connections": conns, **s, "rps_vs_oxigraph": ratio_rps,
                     "p99_vs_oxigraph": ratio_p99})
    order = {name: i for i, name in enumerate(results["system_order"])}
    rows.sort(key=lambda r: (r["connections"], order.get(r["system"], 99)))
    return rows


def brief(text: str, limit: int = 400) -> str:
    """One line of at most `limit` characters (reasons quote server logs)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + " …"


def _f(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


FEW = 100


def _count(requests: int) -> str:
    return f"{requests:,}" + (" †" if requests < FEW else "")


def _rps(x: float | None) -> str:
    return _f(x, 1 if x is not None and x < 100 else 0)


def markdown(results: dict) -> str:
    m = results["machine"]
    d = results["dataset"]
    out = [f"# reformkg beside other SPARQL systems: `{d['name']}` dataset", ""]
    out += [f"Run {results['started']} with `{results['command']}` ({results['seconds']:.0f} s in all).", ""]
    out += [f"**Machine:** {m['cpu']}, {m['nproc']} cores (nproc), {m['memory_gib']} GiB, Linux {m['kernel']}, "
            f"Python {m['python']}; load average at start {', '.join(map(str, m['load_average']))}."]
    out += [f"{results['wrk_version']}, {results['duration']:g} s per run, {results['rounds']} round(s), "
            "systems interleaved round-robin within each connection count, each round starting one system later; "
            "figures are the median over rounds.",
            "Benchmark-only dependencies, not reformkg's: Debian `wrk` and `virtuoso-opensource`; "
            "`pip install oxigraph rdflib-endpoint uvicorn granian matplotlib`.", ""]
    for note in results["notes"]:
        out.append(f"> {note}")
    if results["notes"]:
        out.append("")
    out += [f"**Data:** {d['quads']:,} quads in {len(d['graphs'])} named graphs ({d['source']}); every system "
            "uses the union of the named graphs as its default graph.", ""]

    out += ["## Results", "", "| system | connections | requests | req/s | p50 ms | p99 ms | errors "
            "| req/s ÷ Oxigraph | p99 ÷ Oxigraph |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in table_rows(results):
        out.append(f"| {r['system']} | {r['connections']} | {_count(r['requests'])} | {_rps(r['rps'])} | "
                   f"{_f(r['p50_ms'], 2)} | {_f(r['p99_ms'], 2)} | {r['errors']} | {_ratio(r['rps_vs_oxigraph'])} | "
                   f"{_ratio(r['p99_vs_oxigraph'])} |")
    out += ["", f"† fewer than {FEW} requests finished: wrk drops the requests still in flight when a run ends, "
            "so such figures lean towards the faster queries of the mix; give a longer --duration. After each "
            "wrk run the harness waits until the server is idle again before the next system runs.", "",
            f"![requests/s and p99 by system]({results['plot']})", ""]

    out += ["## Targets (issues 7, 15 and 18)", ""]
    for t in results["targets"]:
        out.append(f"- **{t['target']}** — {t['verdict']}")
    out.append("")

    if results["extras"]:
        out += ["## Single-query runs", "",
                "*lookup only*: the mix's lookup alone (target 2). */api/search*: GET, rotating 养老 and elderly. "
                "*named query*: GET /api/queries/reform-with-most-indicators, beside the same `.rq` text POSTed to "
                "/sparql. *resource page*: GET of the looked-up resource's path as text/html, beside the mix's "
                "CONSTRUCT neighbourhood on /sparql. *… alone*: one query of the mix alone (--each-query). Probes: "
                + "; ".join(f"{k}: {v}" for k, v in results["probes"].items()) + ".", "",
                "| what | system | connections | requests | req/s | p50 ms | p99 ms | errors |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for e in results["extras"]:
            r = e["run"]
            out.append(f"| {e['what']} | {e['system']} | {e['connections']} | {_count(r['requests'])} | "
                       f"{_rps(r['rps'])} | {_f(r['p50_ms'], 3)} | {_f(r['p99_ms'], 2)} | {r['errors']} |")
        out.append("")

    out += ["## Systems", "", "| system | version | load s | resident MB after the run | how it ran |",
            "| --- | --- | ---: | ---: | --- |"]
    for s in results["systems"]:
        rss = s.get("rss_bytes_after")
        out.append(f"| {s['name']} | {s['version']} | {_f(s['load_seconds'], 2)} | "
                   f"{_f(rss / 2**20 if rss else None, 0)} | {'; '.join(s['notes'])} |")
    out.append("")
    if results["unavailable"]:
        out += ["Systems that did not run here:", ""]
        for name, why in results["unavailable"].items():
            out.append(f"- **{name}**: {brief(why)}")
        out.append("")

    out += ["## Query mix", "", "Each connection sends these in turn (POST `application/sparql-query`, or a form "
            "where the system needs one), `Accept: application/sparql-results+json` (CONSTRUCT: `text/turtle`). "
            f"The lookup and CONSTRUCT name `<{results['focus']}>`.", ""]
    for q in results["queries"]:
        out += [f"**{q['name']}** — {q['what']}", "", "```sparql", q["text"], "```", ""]

    out += ["## Same answers before timing", "", "Each system's answer to each query against pyoxigraph's "
            "in memory (see benchmarks/compare/verify.py for what is normalised).", ""]
    names = [s["name"] for s in results["systems"]]
    out += ["| query | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for q in results["queries"]:
        cells = [results["verification"].get(n, {}).get(q["name"], "–") for n in names]
        out.append(f"| {q['name']} | " + " | ".join(cells) + " |")
    out.append("")
    return "\n".join(out)


def plot(results: dict, path: Path) -> str | None:
    """Requests/s and p99 per system, grouped by connections; None (with the reason) if matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install matplotlib: a benchmark-only dependency)"
    rows = table_rows(results)
    systems = [s for s in results["system_order"] if any(r["system"] == s for r in rows)]
    conns = sorted({r["connections"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / max(1, len(systems))
    for panel, key, label in ((axes[0], "rps", "requests/s (log)"), (axes[1], "p99_ms", "p99 latency, ms (log)")):
        for i, system in enumerate(systems):
            values = [next((r[key] for r in rows if r["system"] == system and r["connections"] == c), None)
                      for c in conns]
            xs = [j + i * width for j in range(len(conns))]
            panel.bar(xs, [v or 0 for v in values], width, label=system)
        panel.set_xticks([j + width * (len(systems) - 1) / 2 for j in range(len(conns))])
        panel.set_xticklabels([f"{c} conn." for c in conns])
        panel.set_yscale("log")
        panel.set_ylabel(label)
        panel.grid(axis="y", alpha=0.3)
    if systems:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(systems), fontsize=8, frameon=False)
    fig.suptitle(f"Query mix, {results['dataset']['name']} dataset ({results['dataset']['quads']:,} quads), "
                 f"{results['machine']['nproc']} cores")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def write(results: dict, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"compare-{results['dataset']['name']}"
    png = out_dir / f"{stem}.png"
    results["plot"] = png.name
    missing = plot(results, png)
    if missing:
        results["notes"].append(f"No plot: {missing}.")
    md = out_dir / f"{stem}.md"
    md.write_text(markdown(results), encoding="utf-8")
    js = out_dir / f"{stem}.json"
    js.write_text(json.dumps({**results, "table": table_rows(results)}, indent=2, ensure_ascii=False,
                             default=str) + "\n", encoding="utf-8")
    return [md, js] + ([] if missing else [png])
