"""The side-by-side benchmark's judging (benchmarks/compare.py and compare/targets.py) on hand-made figures.

The floor systems' `bound:` verdicts are what issues 15 and 18 were said blocked on, so they must come
from the floor's own figures, never from reformkg's. No speed is measured here.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture()
def targets(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # benchmarks/ is a folder of scripts beside their package
    from compare import targets

    return targets


def _row(system: str, conns: int, ratio: float) -> dict:
    return {"system": system, "connections": conns, "rps": 1000 * ratio, "rps_vs_oxigraph": ratio,
            "p99_vs_oxigraph": 1.0, "errors": 0}


def _alone(what: str, system: str, rps: float, p50: float) -> dict:
    return {"what": f"{what} alone", "system": system, "connections": 8, "run": {"rps": rps, "p50_ms": p50}}


def test_a_floor_is_judged_on_its_own_figures_not_on_reformkg_s(targets):
    rows = [_row("oxigraph", c, 1.0) for c in (1, 8)] + [_row("reformkg", c, 1.3) for c in (1, 8)] \
        + [_row("floor-granian", c, 0.9) for c in (1, 8)]
    extras = [_alone(q, s, rps, p50) for q in ("ask", "lookup")
              for s, rps, p50 in (("oxigraph", 1000, 1.0), ("reformkg", 2000, 1.0), ("floor-granian", 600, 1.5))]
    results = {"dataset": {"name": "reform"}, "extras": extras}
    lines = {line["target"]: line["verdict"] for line in targets.floors(results, rows)}
    assert all(target.startswith("bound: ") and target.endswith(", for floor-granian") for target in lines)
    verdicts = " | ".join(lines.values())
    assert "1 conn. 0.90× the requests/s, 0 errors (missed)" in verdicts
    assert "ask at 8 conn. 1.50× (missed)" in verdicts
    assert "ask 0.60× (missed); lookup 0.60× (missed)" in verdicts
    assert "1.30×" not in verdicts and "2.00×" not in verdicts, "reformkg's figures were judged as the floor's"


def test_a_proxy_floor_is_judged_against_virtuoso_direct_and_a_floor_that_did_not_run_says_nothing(targets):
    rows = [_row("virtuoso", 8, 1.0), _row("reformkg-virtuoso", 8, 0.4), _row("floor-gunicorn-virtuoso", 8, 0.59)]
    lines = targets.floors({"dataset": {"name": "reform"}, "extras": []}, rows)
    assert lines == [{"target": "bound: 15. over Virtuoso ≥ 0.8× Virtuoso direct's requests/s at 8 connections "
                                "(reform), for floor-gunicorn-virtuoso", "verdict": "missed: 0.59×"}]


@pytest.mark.parametrize("given, runs", [("0", []), ("", []), ("1,8", [1, 8]), ("0,8", [8])])
def test_extra_connections_of_zero_or_none_run_no_surface(monkeypatch, given, runs):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    # compare.py is a script beside its package of the same name: loaded from its path, under another name.
    spec = importlib.util.spec_from_file_location("compare_script", BENCHMARKS / "compare.py")
    script = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, script)
    spec.loader.exec_module(script)
    assert script.parse_args(["--extra-connections", given]).extra_connections == runs
