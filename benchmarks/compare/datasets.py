"""The data every system loads: the built report, or ~2 M triples grown from it.

`reform` is `reformkg build --data-dir DIR` (its N-Quads and the store it loaded, timed: target 6).
`2m` comes from `benchmarks/generate.py` when that exists; until then from `replicate` below, which
copies the report's extracted and curated graphs with every data IRI rewritten per copy
(`{base}c17/report/…`), keeping one ontology and one metadata graph, so each copy is a new report with
the same shape and the same labels.
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

from .systems import Data, Unavailable, timed

BASE = "https://w3id.org/reformkg/"
GENERATOR = Path(__file__).resolve().parent.parent / "generate.py"


def reform(work: Path) -> Data:
    data_dir = work / "reformkg-data"
    exe = "reformkg"
    start = time.perf_counter()
    timed([exe, "build", "--data-dir", str(data_dir)], work / "build.log", timeout=600)
    build_seconds = time.perf_counter() - start
    return describe(data_dir / "dataset" / "reformkg.nq", "`reformkg build`", reformkg_dir=data_dir,
                    build_seconds=build_seconds)


def two_million(work: Path, triples: int) -> Data:
    out = work / "dataset-2m.nq"
    if GENERATOR.exists():
        timed([sys.executable, str(GENERATOR), "--triples", str(triples), "--out", str(out)],
              work / "generate.log", timeout=1800)
        return describe(out, f"`python3 benchmarks/generate.py --triples {triples}`")
    built = reform(work)
    copies = replicate(built.nquads, out, triples)
    return describe(out, f"benchmarks/generate.py did not exist yet, so the harness's stub "
                         f"(benchmarks/compare/datasets.py) copied the report's extracted and curated graphs "
                         f"{copies} times with rewritten IRIs", build_seconds=built.build_seconds)


def describe(nquads: Path, source: str, **kw) -> Data:
    store = Store()
    store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    if not graphs:
        raise Unavailable(f"{nquads} has no named graphs")
    return Data(nquads=nquads, graphs=graphs, quads=len(store), source=source, **kw)


_IRI = re.compile(r"<(" + re.escape(BASE) + r"[^>]*)>")


def replicate(source: Path, out: Path, triples: int) -> int:
    """Write about `triples` quads to `out`; returns the number of copies of the report.

    IRIs declared in the ontology graph (units, schemes, the ontology itself) and graph names stay as
    they are, so every copy shares them, as reports share units.
    """
    lines = source.read_text(encoding="utf-8").splitlines()
    ontology_graph = f"<{BASE}graph/ontology> ."
    shared_graphs = (ontology_graph, f"<{BASE}graph/metadata> .")
    fixed = [line for line in lines if line.endswith(shared_graphs)]
    varying = [line for line in lines if not line.endswith(shared_graphs)]
    shared = {m.group(1) for line in lines if line.endswith(ontology_graph) for m in _IRI.finditer(line)}

    def keep(iri: str) -> bool:
        return iri in shared or iri.startswith((BASE + "graph/", BASE + "ontology"))

    copies = max(1, -(-(triples - len(fixed)) // len(varying)))
    with out.open("w", encoding="utf-8") as f:
        for line in fixed:
            f.write(line + "\n")
        for k in range(copies):
            if k == 0:
                f.write("\n".join(varying) + "\n")
                continue
            prefix = f"{BASE}c{k}/"

            def rewrite(m: re.Match) -> str:
                iri = m.group(1)
                return m.group(0) if keep(iri) else f"<{prefix}{iri[len(BASE):]}>"

            f.write("\n".join(_IRI.sub(rewrite, line) for line in varying) + "\n")
    return copies
