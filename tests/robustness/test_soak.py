"""The soak (benchmarks/soak.py) in its quick mode: 20 s of 32 connections of good, bad and runaway
requests, with the same invariants as the 10-minute run (results in benchmarks/results/soak.md).

Embedded only: its runaway requests are stopped by killing engine processes.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import ROOT

pytestmark = pytest.mark.embedded_only


def test_twenty_seconds_of_mixed_load_keep_every_invariant(data_dir, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--seconds", "20",
                           "--data-dir", str(data_dir), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=180)
    result = json.loads((tmp_path / "soak.json").read_text(encoding="utf-8"))
    assert result["verdict"]["checks"] == {name: True for name in result["verdict"]["checks"]}, (
        (tmp_path / "soak.md").read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["requests"] > 500
