"""Issues 7, 15 and 18's targets, judged from one run's results: met, missed by how much, or not measured and why.

Issue 15 is judged with the caches as shipped (on), issue 18 with the result cache off
(`--reformkg-args '--set result_cache_bytes=0'`): a run judges the one its settings allow and says so
for the other, so that nobody reads a cache-on figure as an uncached one."""
from __future__ import annotations

from .report import brief, table_rows
from .systems import FLOORS


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
        name = f"1. mix at {conns} connections: req/s ≥ 1.0× Oxigraph, p99 ≤ 1.5× Oxigraph, 0 errors"
        judged = _mix_verdict(_row(rows, "reformkg", conns), 1.0, 1.5)
        if judged is None:
            add(name, "not measured in this run (reformkg or the Oxigraph server did not run at this count)")
            continue
        ok, text = judged
        add(name, f"{'met' if ok else 'missed'}: {text}")

    add("2. service overhead over in-process pyoxigraph, one-resource lookup, p50 ≤ 0.5 ms", _overhead(results, 0.5))

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
    out += issue_15(results, rows) + issue_18(results, rows)
    return out + floors(results, rows)


def floors(results: dict, rows: list[dict]) -> list[dict]:
    """The same targets judged for the floor systems (compare/floor_app.py, the least Python a service can
    run per request): where a floor misses a target, no Python service on that front can meet it here.
    A floor has no cache, so issue 18's uncached targets apply to it in any run."""
    out = []
    for floor in FLOORS:
        if not _row(rows, floor, 8) and not _row(rows, floor, 1):
            continue
        judged = (_over_virtuoso(results, rows, floor) if floor.endswith("virtuoso")
                  else issue_18(results, rows, system=floor, off=True))
        for line in (judged if isinstance(judged, list) else [judged]):
            out.append({"target": f"bound: {line['target']}, for {floor}", "verdict": line["verdict"]})
    return out


def caches_off(results: dict) -> bool:
    """Whether reformkg ran with its result cache off: the only setting issue 18 is judged under."""
    return "result_cache_bytes=0" in results.get("reformkg_args", "")


def _overhead(results: dict, limit_ms: float) -> str:
    """The lookup alone at one connection, served over HTTP, less the same lookup in process."""
    served = _extra(results, "lookup only", "reformkg", 1)
    disk = _extra(results, "lookup only", "pyoxigraph-disk", 1)
    mem = _extra(results, "lookup only", "pyoxigraph-memory", 1)
    if not (served and (disk or mem) and served["p50_ms"] is not None):
        return "not measured (needs reformkg and pyoxigraph in the run, --extra-connections with 1)"
    ref = disk or mem
    overhead = served["p50_ms"] - ref["p50_ms"]
    against = "pyoxigraph on disk (reformkg's own kind of store)" if disk else "pyoxigraph in memory"
    extra = f"; against pyoxigraph in memory {served['p50_ms'] - mem['p50_ms']:.3f} ms" if disk and mem else ""
    return (f"{'met' if overhead <= limit_ms else 'missed'}: reformkg /sparql p50 {served['p50_ms']:.3f} ms at "
            f"1 connection − {against} {ref['p50_ms']:.3f} ms = {overhead:.3f} ms{extra}")


def _mix_verdict(r: dict | None, rps_at_least: float, p99_at_most: float | None) -> tuple[bool, str] | None:
    """Whether reformkg's mix row meets the bounds (requests/s and p99 against the Oxigraph server's,
    no errors), and the figures; None when the row or the Oxigraph server's is missing."""
    if not r or r["rps_vs_oxigraph"] is None or r["p99_vs_oxigraph"] is None:
        return None
    ok = r["rps_vs_oxigraph"] >= rps_at_least and r["errors"] == 0
    text = f"{r['rps_vs_oxigraph']:.2f}× the requests/s"
    if p99_at_most is not None:
        ok = ok and r["p99_vs_oxigraph"] <= p99_at_most
        text += f", {r['p99_vs_oxigraph']:.2f}× the p99"
    return ok, f"{text}, {r['errors']} errors"


def _mix_verdicts(rows: list[dict], counts: tuple[int, ...], rps_at_least: float,
                  p99_at_most: float | None, system: str = "reformkg") -> str:
    parts = []
    for conns in counts:
        judged = _mix_verdict(_row(rows, system, conns), rps_at_least, p99_at_most)
        if judged is None:
            parts.append(f"{conns} conn. not measured")
            continue
        ok, text = judged
        parts.append(f"{conns} conn. {text} ({'met' if ok else 'missed'})")
    return "; ".join(parts)


def issue_15(results: dict, rows: list[dict]) -> list[dict]:
    """Issue 15's speed targets on the report, with the caches on as the service ships."""
    out = [_over_virtuoso(results, rows)] if _row(rows, "reformkg-virtuoso", 8) else []
    names = ("15. report mix ≥ 1.2× the Oxigraph server's requests/s at 1, 8 and 32 connections, p99 ≤ 1.0×",
             "15. lookup overhead over in-process pyoxigraph on disk ≤ 0.3 ms p50")
    if not _row(rows, "reformkg", 8):
        return out
    if results["dataset"]["name"] != "reform":
        return out + [{"target": n, "verdict": "judged on the report (--dataset reform)"} for n in names]
    if caches_off(results):
        return out + [{"target": n, "verdict": "judged with the caches on, as shipped; this run turned the result "
                                               "cache off"} for n in names]
    return out + [{"target": names[0], "verdict": _mix_verdicts(rows, (1, 8, 32), 1.2, 1.0)},
                  {"target": names[1], "verdict": _overhead(results, 0.3)}]


def _over_virtuoso(results: dict, rows: list[dict], system: str = "reformkg-virtuoso") -> dict:
    ours, theirs = _row(rows, system, 8), _row(rows, "virtuoso", 8)
    name = f"15. over Virtuoso ≥ 0.8× Virtuoso direct's requests/s at 8 connections ({results['dataset']['name']})"
    if not theirs or not theirs["rps"] or not ours:
        return {"target": name, "verdict": f"not measured: {system} or Virtuoso direct did not run at 8 connections"}
    ratio = ours["rps"] / theirs["rps"]
    return {"target": name, "verdict": f"{'met' if ratio >= 0.8 else 'missed'}: {ratio:.2f}×"}


def issue_18(results: dict, rows: list[dict], system: str = "reformkg", off: bool | None = None) -> list[dict]:
    """Issue 18's targets: the mix and each query alone with the result cache off; ASK and lookup at 8
    connections with the cache on or off. `off`: whether `system` ran uncached (default: reformkg's args)."""
    out = []
    off = caches_off(results) if off is None else off
    name = f"18. mix ≥ 1.0× the Oxigraph server's requests/s at 1 and 8 connections, cache off ({results['dataset']['name']})"
    out.append({"target": name, "verdict": _mix_verdicts(rows, (1, 8), 1.0, None, system) if off
                else "not judged: this run kept the result cache on"})
    alone = [e for e in results["extras"] if e["what"].endswith(" alone") and e["system"] == system]
    name = "18. each query alone, p50 ≤ 1.2× the Oxigraph server's, cache off"
    if not alone:
        out.append({"target": name, "verdict": "not measured (run with --each-query)"})
        return out
    parts = []
    for e in alone:
        theirs = _extra(results, e["what"], "oxigraph", e["connections"])
        if theirs and theirs["p50_ms"] and e["run"]["p50_ms"] is not None:
            ratio = e["run"]["p50_ms"] / theirs["p50_ms"]
            parts.append(f"{e['what'][:-len(' alone')]} at {e['connections']} conn. {ratio:.2f}× "
                         f"({'met' if ratio <= 1.2 else 'missed'})")
    out.append({"target": name, "verdict": ("; ".join(parts) or "not measured: the Oxigraph server did not run")
                if off else "not judged: this run kept the result cache on"})
    parts = []
    for query in ("ask", "lookup"):
        ours, theirs = _extra(results, f"{query} alone", system, 8), _extra(results, f"{query} alone", "oxigraph", 8)
        if ours and theirs and theirs["rps"]:
            ratio = ours["rps"] / theirs["rps"]
            parts.append(f"{query} {ratio:.2f}× ({'met' if ratio >= 1.0 else 'missed'})")
    out.append({"target": f"18. ASK and one-resource lookup ≥ 1.0× the Oxigraph server's requests/s at 8 connections, "
                          f"cache {'off' if off else 'on'}",
                "verdict": "; ".join(parts) or "not measured (run with --each-query 8)"})
    return out
