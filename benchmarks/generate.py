"""Write a large reformkg dataset as N-Quads by replicating what the extractor really builds.

A generator that draws its own reforms, indicators and spans drifts from the model as the extractor
changes: the one here before this did, and at 1 M triples most named queries matched nothing, so the
scale figures timed empty answers. This one starts from `graph.build` on the bundled report(s) and
writes the real graphs once (ontology, entities, curation, metadata), then copies of each report graph
under other report IRIs until the target is reached: `report/cq-civil-affairs-2022/…` becomes
`report/beijing-civil-affairs-2022/…`, its named graph likewise, its curation (English labels and
summaries) with it, its blank nodes renamed apart. Every copy has the real shape, so every named
query and page finds what it finds on the report. Copies differ where aggregates would otherwise be
equal: each indicator's value is scaled by a factor drawn per copy, and the report's title names the
copy's province. Agencies, target groups, places and documents stay shared, as they are across real
reports, so the entities most linked to (older people, the civil-affairs bureau) are linked from every
copy, which is what a crawler or an incoming-links page meets at scale.

Each copy is drawn from `random.Random(f"{seed}:{index}")` and written before the next is made, so
memory stays flat at any size and a copy does not depend on how many come before.

    python benchmarks/generate.py --triples 1000000 --out /tmp/rkg-1m.nq
"""
from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse, serialize

from reformkg.graph.build import build
from reformkg.ontology.vocab import RDFS, SDMX_MEASURE, XSD

PROVINCES = [
    ("beijing", "北京市"), ("tianjin", "天津市"), ("hebei", "河北省"), ("shanxi", "山西省"),
    ("nei-mongol", "内蒙古自治区"), ("liaoning", "辽宁省"), ("jilin", "吉林省"), ("heilongjiang", "黑龙江省"),
    ("shanghai", "上海市"), ("jiangsu", "江苏省"), ("zhejiang", "浙江省"), ("anhui", "安徽省"), ("fujian", "福建省"),
    ("jiangxi", "江西省"), ("shandong", "山东省"), ("henan", "河南省"), ("hubei", "湖北省"), ("hunan", "湖南省"),
    ("guangdong", "广东省"), ("guangxi", "广西壮族自治区"), ("hainan", "海南省"), ("sichuan", "四川省"),
    ("guizhou", "贵州省"), ("yunnan", "云南省"), ("xizang", "西藏自治区"), ("shaanxi", "陕西省"), ("gansu", "甘肃省"),
    ("qinghai", "青海省"), ("ningxia", "宁夏回族自治区"), ("xinjiang", "新疆维吾尔自治区"),
]
DEPARTMENTS = ["civil-affairs", "human-resources", "health", "education", "housing", "agriculture", "finance",
               "emergency", "veterans", "disabled"]
YEARS = range(2022, 1900, -1)
NUMERIC = {XSD.decimal, XSD.integer, XSD.double}
OBS_VALUE = SDMX_MEASURE.obsValue


def copy_names() -> Iterator[tuple[str, str, str]]:
    """(slug, province in Chinese, in English) for each copy; the province varies fastest, the year slowest."""
    for year, department, (province, zh) in itertools.product(YEARS, DEPARTMENTS, PROVINCES):
        yield f"{province}-{department}-{year}", zh.rstrip("市省"), province.replace("-", " ").title()


class Report:
    """One built report: its graph's quads and its curation quads, and the IRIs they are under."""

    def __init__(self, base: str, report_id: str, quads: list[Quad], curation: list[Quad],
                 place: tuple[str, str]) -> None:
        self.id, self.quads, self.curation, self.place = report_id, quads, curation, place
        self.prefixes = (f"{base}report/{report_id}", f"{base}graph/report/{report_id}")
        self.iri = f"{base}report/{report_id}"

    def copy(self, base: str, slug: str, province: tuple[str, str], index: int, rng: random.Random) -> list[Quad]:
        """This report's quads under `slug`, values scaled by one factor, blank nodes renamed apart."""
        targets = (f"{base}report/{slug}", f"{base}graph/report/{slug}")
        factor = Decimal(str(round(rng.uniform(0.5, 2.0), 2)))
        renamed: dict[str, BlankNode] = {}

        def term(t):
            if isinstance(t, NamedNode):
                for old, new in zip(self.prefixes, targets):
                    if t.value == old or t.value.startswith(old + "/"):
                        return NamedNode(new + t.value[len(old):])
                return t
            if isinstance(t, BlankNode):
                return renamed.setdefault(t.value, BlankNode(f"{t.value}c{index}"))
            return t

        out = []
        for q in (*self.quads, *self.curation):
            obj = term(q.object)
            if q.predicate == OBS_VALUE and isinstance(obj, Literal) and obj.datatype in NUMERIC:
                obj = _scaled(obj, factor)
            elif q.predicate == RDFS.label and q.subject.value == self.iri and isinstance(obj, Literal):
                place, name = (self.place[1], province[1]) if obj.language == "en" else (self.place[0], province[0])
                obj = Literal(obj.value.replace(place, name), language=obj.language) if obj.language \
                    else Literal(obj.value.replace(place, name), datatype=obj.datatype)
            out.append(Quad(term(q.subject), q.predicate, obj, term(q.graph_name)))
        return out


def _scaled(value: Literal, factor: Decimal) -> Literal:
    scaled = Decimal(value.value) * factor
    if value.datatype == XSD.integer:
        return Literal(str(int(scaled.to_integral_value())), datatype=XSD.integer)
    return Literal(str(scaled.normalize() if scaled == scaled.to_integral_value() else scaled), datatype=value.datatype)


def split(quads: list[Quad], base: str, report_ids: list[str]) -> tuple[list[Quad], list[Report]]:
    """The shared quads (ontology, entities, curation of shared things, metadata), and each report."""
    graphs = {f"{base}graph/report/{r}": r for r in report_ids}
    scoped = {r: (f"{base}report/{r}", f"{base}graph/report/{r}") for r in report_ids}
    own: dict[str, list[Quad]] = {r: [] for r in report_ids}
    curation: dict[str, list[Quad]] = {r: [] for r in report_ids}
    shared: list[Quad] = []
    for q in quads:
        graph = q.graph_name.value if isinstance(q.graph_name, NamedNode) else ""
        if graph in graphs:
            own[graphs[graph]].append(q)
            continue
        about = q.subject.value if isinstance(q.subject, NamedNode) else ""
        owner = next((r for r, (iri, _) in scoped.items() if about == iri or about.startswith(iri + "/")), None)
        if owner is not None and graph == f"{base}graph/curation":
            curation[owner].append(q)
        else:
            shared.append(q)
    return shared, [Report(base, r, own[r], curation[r], ("重庆", "Chongqing") if r.startswith("cq-") else ("", "")) for r in report_ids]


def generate(target: int, out: Path, seed: int = 20230206, base: str = "https://w3id.org/reformkg/") -> dict:
    """Write about `target` quads to `out`: the real build once, then copies of its reports."""
    result = build(base=base, validate_shapes=False)
    quads = list(parse(result.nquads, format=RdfFormat.N_QUADS))
    shared, reports = split(quads, base, result.reports)
    count, copies = len(quads), 0
    out.parent.mkdir(parents=True, exist_ok=True)
    names = copy_names()
    with out.open("wb") as sink:
        serialize(quads, sink, format=RdfFormat.N_QUADS)
        while count < target:
            for report in reports:
                slug, *province = next(names)
                copy = report.copy(base, slug, tuple(province), copies + 1, random.Random(f"{seed}:{copies + 1}"))
                serialize(copy, sink, format=RdfFormat.N_QUADS)
                count += len(copy)
                copies += 1
                if count >= target:
                    break
    return {"quads": count, "reports": len(reports) + copies, "graphs": len({q.graph_name for q in quads}) + copies,
            "shared_quads": len(shared)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="how many quads to write (about)")
    parser.add_argument("--out", type=Path, required=True, help="the N-Quads file to write")
    parser.add_argument("--seed", type=int, default=20230206)
    args = parser.parse_args(argv)
    summary = generate(args.triples, args.out, args.seed)
    print(f"{args.out}: {summary['quads']} quads, {summary['reports']} reports, {summary['graphs']} graphs")


if __name__ == "__main__":
    main()
