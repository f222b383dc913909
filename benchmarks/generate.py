"""Write a large, realistic reformkg dataset as N-Quads: seeded, reproducible, streamed to disk.

Reports are generated for provinces × departments × years until the triple target is reached, each in
the shape `graph/` gives a real one (ontology/MODEL.md): a report with its source text, ten reforms,
their measures (一是/二是 …), named programmes, cited documents, indicators with value, unit, period,
余/多 qualifier, agency, target group and place, and a span with the exact quote and offsets for every
fact (text[start:end] == exact, as in the real build). English labels go to the curation graph, the
ontology and schemes to the ontology graph, a VoID description to the metadata graph.

Each report is drawn from its own `random.Random(seed, report index)` and written before the next is
made, so memory stays flat at any size and a report's triples do not depend on how many come before.

    python benchmarks/generate.py --triples 1000000 --out /tmp/rkg-1m.nq
"""
from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize

from reformkg.ontology.vocab import (
    DCAT, DCTERMS, OA, ONTOLOGY, ORG, PROV, QB, RDF, RDFS, RKG, SCHEMA, SDMX_ATTRIBUTE, SDMX_DIMENSION,
    SDMX_MEASURE, SKOS, TIME, VOID, XSD, Iris, read_schemes,
)

ROOT = Path(__file__).resolve().parent.parent

PROVINCES = [
    ("beijing", "北京市", "Beijing"), ("tianjin", "天津市", "Tianjin"), ("hebei", "河北省", "Hebei"),
    ("shanxi", "山西省", "Shanxi"), ("nei-mongol", "内蒙古自治区", "Inner Mongolia"), ("liaoning", "辽宁省", "Liaoning"),
    ("jilin", "吉林省", "Jilin"), ("heilongjiang", "黑龙江省", "Heilongjiang"), ("shanghai", "上海市", "Shanghai"),
    ("jiangsu", "江苏省", "Jiangsu"), ("zhejiang", "浙江省", "Zhejiang"), ("anhui", "安徽省", "Anhui"),
    ("fujian", "福建省", "Fujian"), ("jiangxi", "江西省", "Jiangxi"), ("shandong", "山东省", "Shandong"),
    ("henan", "河南省", "Henan"), ("hubei", "湖北省", "Hubei"), ("hunan", "湖南省", "Hunan"),
    ("guangdong", "广东省", "Guangdong"), ("guangxi", "广西壮族自治区", "Guangxi"), ("hainan", "海南省", "Hainan"),
    ("chongqing", "重庆市", "Chongqing"), ("sichuan", "四川省", "Sichuan"), ("guizhou", "贵州省", "Guizhou"),
    ("yunnan", "云南省", "Yunnan"), ("xizang", "西藏自治区", "Tibet"), ("shaanxi", "陕西省", "Shaanxi"),
    ("gansu", "甘肃省", "Gansu"), ("qinghai", "青海省", "Qinghai"), ("ningxia", "宁夏回族自治区", "Ningxia"),
    ("xinjiang", "新疆维吾尔自治区", "Xinjiang"),
]
DEPARTMENTS = [
    ("civil-affairs", "民政厅", "Department of Civil Affairs"),
    ("human-resources", "人力资源和社会保障厅", "Department of Human Resources and Social Security"),
    ("health", "卫生健康委员会", "Health Commission"),
    ("education", "教育厅", "Department of Education"),
    ("housing", "住房和城乡建设厅", "Department of Housing and Urban-Rural Development"),
    ("agriculture", "农业农村厅", "Department of Agriculture and Rural Affairs"),
    ("finance", "财政厅", "Department of Finance"),
    ("emergency", "应急管理厅", "Department of Emergency Management"),
    ("veterans", "退役军人事务厅", "Department of Veterans Affairs"),
    ("disabled", "残疾人联合会", "Disabled Persons' Federation"),
]
CO_ISSUERS = [("finance-bureau", "财政局", "Finance Bureau"), ("medical-security", "医疗保障局", "Healthcare Security Administration"),
              ("public-security", "公安局", "Public Security Bureau")]
DISTRICTS = ["东城区", "西城区", "南岸区", "北辰区", "高新区", "开发区", "江北区", "沙坪坝区", "渝中区", "九龙坡区"]
TARGET_GROUPS = [  # slug, zh, en, broader slug
    ("people-in-difficulty", "困难群众", "people in difficulty", None),
    ("extremely-poor", "特困人员", "people in extreme poverty", "people-in-difficulty"),
    ("low-income", "低收入人口", "low-income population", "people-in-difficulty"),
    ("subsistence-allowance", "低保对象", "subsistence allowance recipients", "low-income"),
    ("older-people", "老年人", "older people", None),
    ("disabled-elderly", "失能老年人", "disabled older people", "older-people"),
    ("elderly-living-alone", "独居老人", "older people living alone", "older-people"),
    ("centenarians", "百岁老人", "centenarians", "older-people"),
    ("minors", "未成年人", "minors", None),
    ("left-behind-children", "留守儿童", "left-behind children", "minors"),
    ("orphans", "孤儿", "orphans", "minors"),
    ("persons-with-disabilities", "残疾人", "persons with disabilities", None),
    ("severely-disabled", "重度残疾人", "persons with severe disabilities", "persons-with-disabilities"),
    ("veterans", "退役军人", "veterans", None),
    ("rural-residents", "农村居民", "rural residents", None),
    ("migrant-workers", "农民工", "migrant workers", "rural-residents"),
    ("social-organisations", "社会组织", "social organisations", None),
    ("volunteers", "志愿者", "volunteers", None),
]
REFORM_TOPICS = [
    ("社会救助", "social assistance"), ("基本养老服务", "basic elderly care services"), ("未成年人保护", "protection of minors"),
    ("基层社会治理", "community-level social governance"), ("乡村振兴", "rural revitalisation"), ("慈善事业", "charity"),
    ("地名管理", "place-name administration"), ("残疾人福利", "welfare for persons with disabilities"),
    ("服务机构安全管理", "safety management at service institutions"), ("就业创业", "employment and entrepreneurship"),
    ("医养结合", "integrated medical and elderly care"), ("住房保障", "housing security"),
    ("应急救灾", "emergency relief"), ("退役军人服务", "services for veterans"), ("婚姻登记", "marriage registration"),
]
REFORM_VERBS = [("持续深化", "Continuing to deepen reform of"), ("深化", "Deepening reform of"),
                ("创新", "Innovating in"), ("推进", "Advancing"), ("完善", "Improving")]
MEASURE_PHRASES = [
    ("出台服务清单", "issuing a list of services"), ("建立协同机制", "setting up a coordination mechanism"),
    ("推行一门受理", "single-window intake"), ("开展专项行动", "a special campaign"),
    ("完善补贴制度", "improving the subsidy system"), ("建设信息平台", "building an information platform"),
    ("加强队伍建设", "strengthening the workforce"), ("实施示范项目", "pilot projects"),
    ("推动社会参与", "engaging society"), ("强化监督检查", "stronger supervision and inspection"),
]
INDICATORS = [  # label zh, label en, unit notation, typical magnitude
    ("救助困难群众", "people in difficulty assisted", "人次", 80000), ("发放救助资金", "assistance paid", "元", 300000000),
    ("新增养老床位", "new elderly care beds", "张", 5000), ("养老服务机构", "elderly care institutions", "家", 800),
    ("改造适老化家庭", "homes adapted for older people", "户", 3000), ("培训养老护理员", "elderly carers trained", "人", 4000),
    ("覆盖留守儿童", "left-behind children covered", "名", 20000), ("办理业务", "cases handled", "件次", 100000),
    ("建成服务站点", "service stations built", "个", 600), ("提高补贴标准", "subsidy standard", "元", 80),
    ("审核备案地名", "place names registered", "条", 2500), ("覆盖率", "coverage", "%", 95),
    ("投入资金", "funds invested", "元", 120000000), ("服务残疾人", "persons with disabilities served", "人次", 50000),
]
DOC_TYPES = ["意见", "通知", "办法", "条例", "清单", "方案", "规划"]
PROGRAMME_KINDS = ["mechanism", "programme", "model", "platform", "policy", "project", "campaign", "brand", "system"]
PROGRAMME_NAMES = ["时间银行", "老吾老", "渝快社区", "慈善周", "单人保", "一网通办", "暖心行动", "安心养老", "护苗", "幸福里"]


def _lit(value: str, lang: str | None = None, datatype: NamedNode | None = None) -> Literal:
    if lang:
        return Literal(value, language=lang)
    return Literal(value, datatype=datatype) if datatype else Literal(value)


class _Report:
    """One report's quads, its text written as the facts are, so every span's offsets are exact."""

    def __init__(self, iris: Iris, rid: str, rng: random.Random) -> None:
        self.iris, self.rid, self.rng = iris, rid, rng
        self.graph = iris.graph(f"report/{rid}")
        self.curation = iris.graph("curation")
        self.entities = iris.graph("entities")
        self.text_parts: list[str] = []
        self.length = 0
        self.quads: list[Quad] = []

    def add(self, s, p, o, curation: bool = False, shared: bool = False) -> None:
        """Shared entities go to the entities graph, as the build writes them: once for all reports."""
        graph = self.curation if curation else self.entities if shared else self.graph
        self.quads.append(Quad(s, p, o, graph))

    def write(self, text: str) -> tuple[int, int]:
        start = self.length
        self.text_parts.append(text)
        self.length += len(text)
        return start, self.length

    def span(self, text: str) -> NamedNode:
        """Write `text` into the report and mint its span with quote and position selectors."""
        start, end = self.write(text)
        span = self.iris.span(self.rid, start, end)
        quote, position = NamedNode(span.value + "#quote"), NamedNode(span.value + "#position")
        source = self.iris.text(self.rid)
        before = "".join(self.text_parts[-3:-1])[-16:]
        self.add(span, RDF.type, OA.SpecificResource)
        self.add(span, OA.hasSource, source)
        self.add(span, OA.hasSelector, quote)
        self.add(span, OA.hasSelector, position)
        self.add(quote, RDF.type, OA.TextQuoteSelector)
        self.add(quote, OA.exact, _lit(text))
        self.add(quote, OA.prefix, _lit(before))
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, _lit(str(start), datatype=XSD.nonNegativeInteger))
        self.add(position, OA.end, _lit(str(end), datatype=XSD.nonNegativeInteger))
        return span

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


def report_quads(iris: Iris, units: dict[str, str], seed: int, index: int,
                 province: tuple[str, str, str], department: tuple[str, str, str], year: int) -> list[Quad]:
    """Every quad of one generated report, and the shared entities it names in the entities graph (as the build)."""
    rng = random.Random(f"{seed}:{index}")
    pslug, pzh, pen = province
    dslug, dzh, den = department
    rid = f"{pslug}-{dslug}-{year}"
    r = _Report(iris, rid, rng)
    report, source = iris.report(rid), iris.text(rid)
    publisher = iris.entity("agency", f"{pslug}-{dslug}")
    place = iris.entity("place", pslug)
    period = iris.period(year)
    # shared entities: the publisher, co-issuers, the province and its districts, the period, target groups
    for agency, zh, en in [(publisher, pzh + dzh, f"{pen} {den}")] + [
            (iris.entity("agency", f"{pslug}-{s}"), pzh + z, f"{pen} {e}") for s, z, e in CO_ISSUERS]:
        r.add(agency, RDF.type, ORG.Organization, shared=True)
        for p in (SKOS.prefLabel, RDFS.label):
            r.add(agency, p, _lit(zh, "zh"), shared=True)
            r.add(agency, p, _lit(en, "en"), curation=True)
    r.add(place, RDF.type, DCTERMS.Location, shared=True)
    r.add(place, RDF.type, SCHEMA.AdministrativeArea, shared=True)
    r.add(place, RDFS.label, _lit(pzh, "zh"), shared=True)
    r.add(place, RDFS.label, _lit(pen, "en"), curation=True)
    districts = []
    for k, name in enumerate(DISTRICTS[: rng.randint(3, 8)]):
        district = iris.entity("place", f"{pslug}-district-{k}")
        districts.append((district, name))
        r.add(district, RDF.type, DCTERMS.Location, shared=True)
        r.add(district, RDF.type, SCHEMA.Place, shared=True)
        r.add(district, RDFS.label, _lit(pzh + name, "zh"), shared=True)
        r.add(district, SCHEMA.containedInPlace, place, shared=True)
    r.add(period, RDF.type, TIME.ProperInterval, shared=True)
    r.add(period, RDF.type, SKOS.Concept, shared=True)
    r.add(period, SKOS.inScheme, iris.scheme("periods"), shared=True)
    r.add(period, SKOS.prefLabel, _lit(f"{year}年", "zh"), shared=True)
    r.add(period, SKOS.prefLabel, _lit(str(year), "en"), shared=True)
    groups = rng.sample(TARGET_GROUPS, 8)
    for slug, zh, en, broader in groups:
        group = iris.entity("target-group", slug)
        r.add(group, RDF.type, SKOS.Concept, shared=True)
        r.add(group, SKOS.inScheme, iris.scheme("target-groups"), shared=True)
        r.add(group, SKOS.prefLabel, _lit(zh, "zh"), shared=True)
        r.add(group, SKOS.prefLabel, _lit(en, "en"), shared=True)
        if broader:
            r.add(group, SKOS.broader, iris.entity("target-group", broader), shared=True)
            parent = next(t for t in TARGET_GROUPS if t[0] == broader)
            r.add(iris.entity("target-group", broader), SKOS.prefLabel, _lit(parent[1], "zh"), shared=True)
    # the report
    title = f"{year}年{pzh}{dzh}十大改革"
    r.add(report, RDF.type, RKG.Report)
    r.add(report, DCTERMS.title, _lit(title, "zh"))
    r.add(report, RDFS.label, _lit(title, "zh"))
    r.add(report, RDFS.label, _lit(f"Ten reforms of the {pen} {den} in {year}", "en"), curation=True)
    r.add(report, DCTERMS.publisher, publisher)
    r.add(report, DCTERMS.issued, _lit(f"{year + 1}-02-{rng.randint(1, 28):02d}", datatype=XSD.date))
    r.add(report, RKG.section, _lit("动态/省级动态", "zh"))
    r.add(report, DCTERMS.temporal, period)
    r.add(report, DCTERMS.spatial, place)
    r.add(report, RKG.sourceText, source)
    r.write(f"{title}\n{year}年，{pzh}{dzh}坚持以人民为中心，推出十项改革举措。\n")
    topics = rng.sample(REFORM_TOPICS, 10)
    indicator_k = 0
    for n, (topic_zh, topic_en) in enumerate(topics, start=1):
        verb_zh, verb_en = rng.choice(REFORM_VERBS)
        reform = iris.reform(rid, n)
        heading = f"{verb_zh}{topic_zh}改革"
        r.write(f"\n{n}. ")
        r.add(reform, RDF.type, RKG.Reform)
        r.add(reform, RKG.number, _lit(str(n), datatype=XSD.integer))
        for p in (DCTERMS.title, RDFS.label):
            r.add(reform, p, _lit(heading, "zh"))
            r.add(reform, p, _lit(f"{verb_en} {topic_en}", "en"), curation=True)
        r.add(reform, DCTERMS.abstract, _lit(f"The {pen} {den} reformed {topic_en} in {year}.", "en"), curation=True)
        r.add(reform, DCTERMS.isPartOf, report)
        r.add(report, RKG.hasReform, reform)
        r.add(reform, PROV.wasAssociatedWith, publisher)
        r.add(reform, RKG.targetGroup, iris.entity("target-group", rng.choice(groups)[0]))
        district, district_zh = rng.choice(districts)
        r.add(reform, DCTERMS.spatial, district)
        r.add(reform, RKG.evidence, r.span(heading))
        r.write("\n")
        measures = []
        for m in range(1, rng.randint(2, 6) + 1):
            phrase_zh, phrase_en = rng.choice(MEASURE_PHRASES)
            measure = iris.measure(rid, n, m)
            measures.append(measure)
            r.write("一二三四五六"[m - 1] + "是")
            item = f"{phrase_zh}，在{district_zh}率先试点，惠及{rng.choice(groups)[1]}。"
            r.add(measure, RDF.type, RKG.Measure)
            r.add(measure, RKG.number, _lit(str(m), datatype=XSD.integer))
            for p in (DCTERMS.title, RDFS.label):
                r.add(measure, p, _lit(phrase_zh, "zh"))
                r.add(measure, p, _lit(phrase_en, "en"), curation=True)
            r.add(measure, RKG.reform, reform)
            r.add(reform, RKG.hasMeasure, measure)
            r.add(measure, PROV.wasAssociatedWith, publisher)
            r.add(measure, RKG.targetGroup, iris.entity("target-group", rng.choice(groups)[0]))
            r.add(measure, DCTERMS.spatial, district)
            r.add(measure, RKG.evidence, r.span(item))
        for k in range(rng.randint(0, 2)):
            name = rng.choice(PROGRAMME_NAMES)
            programme = iris.entity("programme", f"{rid}-{n}-{k}")
            kind = rng.choice(PROGRAMME_KINDS)
            r.add(programme, RDF.type, RKG.Programme)
            r.add(programme, RDFS.label, _lit(name, "zh"))
            r.add(programme, RDFS.label, _lit(name, "en"), curation=True)
            r.add(programme, RKG.programmeKind, iris.entity("programme-kind", kind))
            r.add(programme, RKG.reform, reform)
            r.add(programme, RKG.withinMeasure, rng.choice(measures))
            r.write("打造")
            r.add(programme, RKG.evidence, r.span(f"“{name}”"))
            r.write("品牌。")
        for k in range(rng.randint(1, 3)):
            doc_type = rng.choice(DOC_TYPES)
            document = iris.entity("document", f"{rid}-{n}-{k}")
            doc_title = f"关于{verb_zh}{topic_zh}工作的{doc_type}"
            r.add(document, RDF.type, RKG.PolicyDocument)
            r.add(document, DCTERMS.title, _lit(doc_title, "zh"))
            r.add(document, RDFS.label, _lit(doc_title, "zh"))
            r.add(document, DCTERMS.creator, publisher)
            if rng.random() < 0.4:
                r.add(document, DCTERMS.creator, iris.entity("agency", f"{pslug}-{rng.choice(CO_ISSUERS)[0]}"))
            r.add(document, RKG.documentType, _lit(doc_type, "zh"))
            r.add(reform, DCTERMS.references, document)
            r.write("出台")
            r.add(document, RKG.evidence, r.span(f"《{doc_title}》"))
            r.write("。")
        for _ in range(rng.randint(3, 12)):
            indicator_k += 1
            label_zh, label_en, notation, magnitude = rng.choice(INDICATORS)
            indicator = iris.indicator(rid, indicator_k)
            value = round(magnitude * rng.uniform(0.2, 3.0), 2 if notation in ("元", "%") else 0)
            approximate = rng.random() < 0.3
            qualifier = rng.choice("余多") if approximate else ""
            written = _written(value, notation)
            r.write(f"{label_zh}")
            r.add(indicator, RDF.type, RKG.Indicator)
            r.add(indicator, QB.dataSet, iris.dataset(rid))
            r.add(indicator, SDMX_MEASURE.obsValue, _lit(_decimal(value), datatype=XSD.decimal))
            r.add(indicator, RKG.valueAsWritten, _lit(written))
            r.add(indicator, SDMX_ATTRIBUTE.unitMeasure, NamedNode(iris.rebase(units[notation])))
            r.add(indicator, RKG.approximate, _lit("true" if approximate else "false", datatype=XSD.boolean))
            if approximate:
                r.add(indicator, RKG.qualifier, _lit(qualifier))
            r.add(indicator, SDMX_DIMENSION.refPeriod, period)
            r.add(indicator, RDFS.label, _lit(label_zh, "zh"))
            r.add(indicator, RDFS.label, _lit(label_en, "en"), curation=True)
            r.add(indicator, RKG.reform, reform)
            r.add(indicator, RKG.measure, rng.choice(measures))
            r.add(indicator, RKG.agency, publisher)
            r.add(indicator, RKG.targetGroup, iris.entity("target-group", rng.choice(groups)[0]))
            r.add(indicator, DCTERMS.spatial, rng.choice(districts)[0])
            r.add(indicator, RKG.evidence, r.span(f"{written}{qualifier}{notation}" if notation != "%" else f"{written}%"))
            r.write("，")
        r.write("。\n")
    dataset = iris.dataset(rid)
    r.add(dataset, RDF.type, QB.DataSet)
    r.add(dataset, QB.structure, RKG.IndicatorStructure)
    text = r.text
    r.add(source, RDF.type, RKG.SourceText)
    r.add(source, RDF.value, _lit(text))
    r.add(source, DCTERMS["format"], _lit("text/plain"))
    r.add(source, RKG.charCount, _lit(str(len(text)), datatype=XSD.integer))
    r.add(source, PROV.wasDerivedFrom, report)
    return r.quads


def _decimal(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _written(value: float, notation: str) -> str:
    if notation == "元" and value >= 100_000_000:
        return f"{value / 100_000_000:.2f}亿"
    if value >= 10_000 and notation != "%":
        return f"{value / 10_000:.2f}万"
    return _decimal(value)


def reports() -> Iterator[tuple[int, tuple, tuple, int]]:
    """(index, province, department, year) in a fixed order: provinces first, then departments, then years."""
    index = 0
    for year in range(2022, 1900, -1):
        for department in DEPARTMENTS:
            for province in PROVINCES:
                yield index, province, department, year
                index += 1


def generate(target: int, out: Path, seed: int = 20230206, base: str = "https://w3id.org/reformkg/") -> dict:
    """Write about `target` quads (whole reports, so a little more) to `out`; returns counts per kind."""
    iris = Iris(base)
    ontology_dir = ROOT / "ontology"
    units = read_schemes(ontology_dir / "schemes.ttl").units
    count = 0
    graphs: dict[str, int] = {}
    with out.open("wb") as sink:
        for name in ("reformkg.ttl", "schemes.ttl"):
            quads = [Quad(t.subject, t.predicate, t.object, iris.graph("ontology"))
                     for t in parse(path=str(ontology_dir / name), format=RdfFormat.TURTLE)]
            serialize(quads, sink, format=RdfFormat.N_QUADS)
            count += len(quads)
        n_reports = 0
        for index, province, department, year in reports():
            if count >= target:
                break
            quads = report_quads(iris, units, seed, index, province, department, year)
            serialize(quads, sink, format=RdfFormat.N_QUADS)
            count += len(quads)
            for quad in quads:
                graphs[quad.graph_name.value] = graphs.get(quad.graph_name.value, 0) + 1
            n_reports += 1
        meta = iris.graph("metadata")
        dataset = NamedNode(iris.base + "dataset")
        meta_quads = [Quad(dataset, RDF.type, VOID.Dataset, meta), Quad(dataset, RDF.type, DCAT.Dataset, meta),
                      Quad(dataset, VOID.triples, _lit(str(count), datatype=XSD.integer), meta),
                      Quad(dataset, VOID.vocabulary, NamedNode(ONTOLOGY + "#"), meta)]
        serialize(meta_quads, sink, format=RdfFormat.N_QUADS)
        count += len(meta_quads)
    return {"quads": count, "reports": n_reports, "graphs": len(graphs) + 2}


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
