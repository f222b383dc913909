"""Issues 7 and 18's targets, judged from one run's results: met, missed by how much, or not measured and why."""
from __future__ import annotations

from .report import brief, table_rows


def _row(rows: list[dict], system: str, conns: int) -> dict | None:
    return next((r for r in rows if r["system"] == system and r["connections"] == conns), None)


def _extra(results: dict, what: str, system: str, conns: int) -> dict | None:
    return next((e["run"] for e in results["extras"]
                 if e["what"] == what and e["system"] == system and e["connections"] == conns), None)


def judge(results: dict) -> list[dict]:
    rows = table_rows(results)
    is_2m = results["dataset"]["name"] == "2m"
    out = []

    def add(target: str, verdict: str) -> None:
        out.append({"target": target, "verdict": verdict})

    for conns in (8, 32):
        r, o = _row(rows, "reformkg", conns), _row(rows, "oxigraph", conns)
        name = f"1. mix at {conns} connections: req/s ≥ 1.0× Oxigraph, p99 ≤ 1.5× Oxigraph, 0 errors"
        if not r or not o or r["rps_vs_oxigraph"] is None or r["p99_vs_oxigraph"] is None:
            add(name, "not measured in this run (reformkg or the Oxigraph server did not run at this count)")
            continue
        ok = r["rps_vs_oxigraph"] >= 1.0 and r["p99_vs_oxigraph"] <= 1.5 and r["errors"] == 0
        add(name, f"{'met' if ok else 'missed'}: {r['rps_vs_oxigraph']:.2f}× the requests/s, "
                  f"{r['p99_vs_oxigraph']:.2f}× the p99, {r['errors']} errors")

    name = "2. service overhead over in-process pyoxigraph, one-resource lookup, p50 ≤ 0.5 ms"
    served = _extra(results, "lookup only", "reformkg", 1)
    disk = _extra(results, "lookup only", "pyoxigraph-disk", 1)
    mem = _extra(results, "lookup only", "pyoxigraph-memory", 1)
    if served and (disk or mem) and served["p50_ms"] is not None:
        ref = disk or mem
        overhead = served["p50_ms"] - ref["p50_ms"]
        against = "pyoxigraph on disk (reformkg's own kind of store)" if disk else "pyoxigraph in memory"
        extra = (f"; against pyoxigraph in memory {served['p50_ms'] - mem['p50_ms']:.3f} ms"
                 if disk and mem else "")
        add(name, f"{'met' if overhead <= 0.5 else 'missed'}: reformkg /sparql p50 {served['p50_ms']:.3f} ms at "
                  f"1 connection − {against} {ref['p50_ms']:.3f} ms = {overhead:.3f} ms{extra}")
    else:
        add(name, "not measured (needs reformkg and pyoxigraph in the run)")

    name = "3. 2 M triples: embedded mix ≥ 1.0× Oxigraph; over Virtuoso ≥ 0.8× Virtuoso direct"
    if not is_2m:
        add(name, "not measured on this dataset (run with --dataset 2m)")
    else:
        parts = []
        for conns in sorted({r["connections"] for r in rows}):
            r = _row(rows, "reformkg", conns)
            if r and r["rps_vs_oxigraph"] is not None:
                parts.append(f"{conns} conn. {r['rps_vs_oxigraph']:.2f}× Oxigraph "
                             f"({'met' if r['rps_vs_oxigraph'] >= 1.0 else 'missed'})")
            rv, v = _row(rows, "reformkg-virtuoso", conns), _row(rows, "virtuoso", conns)
            if rv and v and v["rps"]:
                ratio = rv["rps"] / v["rps"]
                verdict = "met" if ratio >= 0.8 else "missed"
                parts.append(f"{conns} conn. over Virtuoso {ratio:.2f}× Virtuoso ({verdict})")
        why = results["unavailable"].get("reformkg-virtuoso")
        if why:
            parts.append(f"reformkg over Virtuoso not measured: {brief(why, 200)}")
        add(name, "; ".join(parts) or "not measured (reformkg or the Oxigraph server did not run)")

    name = "4. /api/search p99 ≤ 20 ms at 2 M triples"
    searches = [e for e in results["extras"] if e["what"] == "/api/search" and e["system"] == "reformkg"]
    if searches:
        worst = max(searches, key=lambda e: e["run"]["p99_ms"] or 0)
        p99 = worst["run"]["p99_ms"]
        verdict = f"p99 {p99:.2f} ms at {worst['connections']} connections (worst)"
        add(name, (f"{'met' if p99 <= 20 else 'missed'}: {verdict}" if is_2m
                   else f"{verdict} on this dataset; the target is judged at 2 M triples"))
    else:
        add(name, f"not measured: {results['probes'].get('/api/search', 'reformkg did not run')}")

    name = "5. named-query API and resource pages: p99 ≤ 2× the /sparql p99 of the same query"
    parts = []
    for surface in ("named query", "resource page"):
        pairs = [(e, _extra(results, f"{surface} via /sparql", "reformkg", e["connections"]))
                 for e in results["extras"] if e["what"] == surface and e["system"] == "reformkg"]
        for e, base in pairs:
            if base and base["p99_ms"] and e["run"]["p99_ms"] is not None:
                ratio = e["run"]["p99_ms"] / base["p99_ms"]
                verdict = "met" if ratio <= 2 else "missed"
                parts.append(f"{surface} at {e['connections']} conn. {ratio:.2f}× ({verdict})")
        if not pairs:
            parts.append(f"{surface} not measured: {results['probes'].get(surface, 'reformkg did not run')}")
        elif not any(base and base["p99_ms"] and e["run"]["p99_ms"] is not None for e, base in pairs):
            parts.append(f"{surface}: no request finished within a run")
    add(name, "; ".join(parts))

    alone = [e for e in results["extras"] if e["what"].endswith(" alone") and e["system"] == "reformkg"]
    if alone:
        name = "issue 18: each query alone, p50 ≤ 1.2× the Oxigraph server's"
        parts = []
        for e in alone:
            theirs = _extra(results, e["what"], "oxigraph", e["connections"])
            if theirs and theirs["p50_ms"] and e["run"]["p50_ms"] is not None:
                ratio = e["run"]["p50_ms"] / theirs["p50_ms"]
                parts.append(f"{e['what'][:-len(' alone')]} at {e['connections']} conn. {ratio:.2f}× "
                             f"({'met' if ratio <= 1.2 else 'missed'})")
        add(name, "; ".join(parts) or "not measured: the Oxigraph server did not run")

    name = "6. build ≤ 2 s; bulk load ≥ 250 k triples/s at 2 M; 2 M served in ≤ 1.5 GB resident"
    parts = []
    build = results["dataset"].get("build_seconds")
    if build is not None:
        parts.append(f"`reformkg build` {build:.2f} s ({'met' if build <= 2 else 'missed'})")
    reformkg = next((s for s in results["systems"] if s["name"] == "reformkg"), None)
    if reformkg and is_2m and reformkg["load_seconds"]:
        rate = results["dataset"]["quads"] / reformkg["load_seconds"]
        parts.append(f"load {rate / 1000:,.0f} k quads/s ({'met' if rate >= 250_000 else 'missed'})")
    if reformkg and reformkg.get("rss_bytes_after"):
        gb = reformkg["rss_bytes_after"] / 2**30
        parts.append(f"resident {gb:.2f} GiB after the run"
                     + (f" ({'met' if gb <= 1.5 else 'missed'})" if is_2m else " (judged at 2 M)"))
    add(name, "; ".join(parts) or "not measured")
    return out
