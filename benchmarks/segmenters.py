"""Patterns against a field library: target groups and agencies found in the corpus by reformkg's own
patterns (graph/groups.py, graph/agencies.py) and by jieba's segmentation and part-of-speech tags, scored on the same
hand-made gold (tests/fixtures/corpus/, names only, whatever reform names them).

jieba is a benchmark-only dependency (`pip install jieba`; its dictionary ships in the package, nothing
is downloaded). Baidu's LAC was tried too: `pip download lac` fails to build its metadata here (it needs
paddlepaddle, whose model is not in the package), so it is not measured.

    python benchmarks/segmenters.py [--out benchmarks/results/segmenters.md]
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tomllib
from pathlib import Path

from reformkg.graph import agencies, curated, groups
from reformkg.graph.clean import clean_text
from reformkg.graph.extract import _seat
from reformkg.graph.reports import ReportSource
from reformkg.graph.segment import Span

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import CORPUS, PACKAGED, ROOT, discover, score  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "segmenters.md"
# jieba tags that can stand in a group's or a body's name: nouns, proper nouns, adjectives,
# distinguishing words, idioms, verbal nouns, abbreviations.
_NOUNISH = {"n", "nr", "ns", "nt", "nz", "nrt", "a", "an", "b", "l", "vn", "j", "ng"}


def _source(meta: Path) -> ReportSource:
    m = tomllib.loads(meta.read_text(encoding="utf-8"))
    return ReportSource(m["id"], meta.parent / m["file"], m["title"], m["publisher"], m["published"],
                        m.get("section", ""), int(m["period"]), m["place"], m.get("language", "zh"))


def _gold(path: Path) -> dict[str, list[tuple[str]]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    groups = sorted({g["name"] for g in data.get("target_group", [])})
    agencies = sorted({a["name"] for a in data.get("agency", []) if a.get("role") != "publisher"})
    return {"target-group": [(n,) for n in groups], "agency": [(n,) for n in agencies]}


def patterns(text: str, source: ReportSource, curation: curated.Curation) -> dict[str, set[str]]:
    whole = Span(0, len(text))
    found_groups = {m.name for m in groups.groups(text, whole, curation)}
    found_agencies = {m.name for m in agencies.agencies(text, whole, curation, source.place, _seat(source))
                if m.name != source.publisher}
    return {"target-group": found_groups, "agency": found_agencies}


def with_jieba(text: str) -> dict[str, set[str]]:
    """Groups: the longest run of noun-like tokens ending in a token that ends in a group head word.
    Agencies: jieba's organisation tag (nt), joined to the noun-like tokens right before it."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    found_groups: set[str] = set()
    found_agencies: set[str] = set()
    for line in text.splitlines():
        tokens = [(t.word, t.flag) for t in pseg.cut(line)]
        for i, (word, flag) in enumerate(tokens):
            run = i
            while run > 0 and tokens[run - 1][1] in _NOUNISH:
                run -= 1
            name = "".join(w for w, _ in tokens[run : i + 1])
            if word.endswith(groups._GROUP_HEADS) and flag in _NOUNISH:
                found_groups.add(name)
            if flag == "nt" or (flag in _NOUNISH and word.endswith(agencies._ORG_SUFFIX) and len(name) > 2):
                found_agencies.add(name)
    return {"target-group": found_groups, "agency": found_agencies}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    curation = curated.load(ROOT / "graph" / "curation")
    totals: dict[tuple[str, str], list[int]] = {}
    lines = []
    for report in discover(CORPUS, PACKAGED):
        source = _source(report.metadata)
        text = clean_text(source.raw(), source.title)
        gold = _gold(report.gold)
        for system, found in (("patterns", patterns(text, source, curation)), ("jieba", with_jieba(text))):
            for kind in ("target-group", "agency"):
                s = score(gold[kind], [(n,) for n in sorted(found[kind])])
                fp, fn = len(s.false_positives), len(s.false_negatives)
                t = totals.setdefault((kind, system), [0, 0, 0])
                t[0] += s.tp
                t[1] += fp
                t[2] += fn
                lines.append(f"| {report.id} | {kind} | {system} | {s.tp} | {fp} | {fn} |")
    table = ["| kind | system | P | R | F1 | tp | fp | fn |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for (kind, system), (tp, fp, fn) in sorted(totals.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        table.append(f"| {kind} | {system} | {p:.3f} | {r:.3f} | {f1:.3f} | {tp} | {fp} | {fn} |")
    out = "\n".join([
        "# Patterns against jieba on the corpus", "",
        f"Run {dt.date.today().isoformat()} with `python benchmarks/segmenters.py`; gold: tests/fixtures/corpus/.",
        "Names only (set per report), whatever reform names them; agencies without the report's publisher.", "",
        *table, "", "## Per report", "", "| report | kind | system | tp | fp | fn |", "| --- | --- | --- | ---: | ---: | ---: |",
        *lines, "",
    ])
    args.out.write_text(out, encoding="utf-8")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
