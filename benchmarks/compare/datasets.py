"""The data every system loads: the built report, or ~2 M triples in its shape.

`reform` is `reformkg build --data-dir DIR` (its N-Quads and the store it loaded, timed: target 6).
`2m` is `benchmarks/generate.py --triples N`: generated reports with the report's shape.
"""
from __future__ import annotations

import sys
from pathlib import Path

from pyoxigraph import NamedNode

from .systems import Data, Unavailable, bulk_loaded, timed

BASE = "https://w3id.org/reformkg/"
GENERATOR = Path(__file__).resolve().parent.parent / "generate.py"


def reform(work: Path) -> Data:
    data_dir = work / "reformkg-data"
    build_seconds = timed(["reformkg", "build", "--data-dir", str(data_dir)], work / "build.log", timeout=600)
    return describe(data_dir / "dataset" / "reformkg.nq", "`reformkg build`", reformkg_dir=data_dir,
                    build_seconds=build_seconds)


def two_million(work: Path, triples: int) -> Data:
    if not GENERATOR.exists():
        raise Unavailable(f"{GENERATOR} is missing: it writes the 2m dataset")
    out = work / "dataset-2m.nq"
    timed([sys.executable, str(GENERATOR), "--triples", str(triples), "--out", str(out)], work / "generate.log",
          timeout=1800)
    return describe(out, f"`python3 benchmarks/generate.py --triples {triples}`")


def describe(nquads: Path, source: str, **kw) -> Data:
    store = bulk_loaded(nquads, None)
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    if not graphs:
        raise Unavailable(f"{nquads} has no named graphs")
    return Data(nquads=nquads, graphs=graphs, quads=len(store), source=source, **kw)
