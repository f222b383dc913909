"""Extraction against hand-made gold: build every corpus report on its own and score its graph.

For every `<stem>.gold.toml` in tests/fixtures/corpus/ and its gold/ folder, the report's metadata
(`<stem>.toml` beside the gold, else the packaged graph/sources/*.toml whose id is the stem) and the
text it names are copied into an empty folder and built alone, with the packaged curation and
ontology. The N-Quads go into an in-memory pyoxigraph Store; the queries in QUERIES read one list of
facts per kind from it, and each list is matched against the gold's (format:
tests/fixtures/corpus/README.md). Precision, recall and F1 per kind, per report and micro-averaged over
the corpus, are printed and written to benchmarks/results/extraction.md with the misses and false
alarms of the worst kinds. A report that fails to build is listed with its error and scores zero
recall; the others go on.

    python benchmarks/extraction.py
    python benchmarks/extraction.py --corpus tests/fixtures/corpus --out /tmp/extraction.md --no-shapes
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pyoxigraph import Literal, RdfFormat, Store

from reformkg.graph.build import Paths, build

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
PACKAGED = ROOT / "graph" / "sources"
OUT = ROOT / "benchmarks" / "results" / "extraction.md"

PREFIXES = """\
PREFIX rkg: <https://w3id.org/reformkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""
# Shared patterns of the queries below: an indicator's key (reform, value, unit), the reform or any
# of its measures (?x), and an entity's Chinese name.
_INDICATOR = """?id a rkg:Indicator ; rkg:reform/rkg:number ?n ; sdmx-measure:obsValue ?value .
  OPTIONAL { ?id sdmx-attribute:unitMeasure/skos:notation ?unit }"""
_REFORM = "?r a rkg:Reform ; rkg:number ?n ; rkg:hasMeasure? ?x ."
_RELATIONS = "rkg:implements rkg:issues rkg:revises rkg:drafts"


def _zh(entity: str, name: str, via: str = "skos:prefLabel|rdfs:label") -> str:
    return f'{entity} {via} {name} . FILTER(lang({name}) = "zh")'


QUERIES: dict[str, str] = {
    # Each query answers one row per fact, its variables in the order of the fact's fields. A leading
    # ?id (the indicator) keeps two equal facts of two indicators apart under DISTINCT, so that they
    # count twice, as the gold's do; it is dropped from the fact. An indicator's rkg:programme may be
    # rkg:NoProgramme (the Data Cube's "not applicable"), which is no rkg:Programme and no fact.
    "reform": f"""SELECT DISTINCT ?n ?title WHERE {{
  ?r a rkg:Reform ; rkg:number ?n . {_zh("?r", "?title", "dcterms:title")} }}""",
    "measures": """SELECT ?n (COUNT(DISTINCT ?m) AS ?count) WHERE {
  ?r a rkg:Reform ; rkg:number ?n . OPTIONAL { ?r rkg:hasMeasure ?m } } GROUP BY ?n""",
    "indicator": f"SELECT DISTINCT ?id ?n ?value ?unit WHERE {{ {_INDICATOR} }}",
    "approx": f"""SELECT DISTINCT ?id ?n ?value ?unit WHERE {{ {_INDICATOR}
  ?id rkg:approximate ?approx . FILTER(?approx = true) }}""",
    "indicator-approx": f"""SELECT DISTINCT ?id ?n ?value ?unit ?approx WHERE {{ {_INDICATOR}
  OPTIONAL {{ ?id rkg:approximate ?approx }} }}""",
    "indicator-kind": f"""SELECT DISTINCT ?id ?n ?value ?unit ?kind WHERE {{ {_INDICATOR}
  ?id rkg:indicatorKind ?k . BIND(REPLACE(STR(?k), "^.*[/#]", "") AS ?kind) }}""",
    "indicator-group": f"""SELECT DISTINCT ?id ?n ?value ?unit ?group WHERE {{ {_INDICATOR}
  ?id rkg:targetGroup ?g . {_zh("?g", "?group")} }}""",
    "indicator-agency": f"""SELECT DISTINCT ?id ?n ?value ?unit ?agency WHERE {{ {_INDICATOR}
  ?id rkg:agency ?a . {_zh("?a", "?agency")} }}""",
    "indicator-programme": f"""SELECT DISTINCT ?id ?n ?value ?unit ?programme WHERE {{ {_INDICATOR}
  ?id rkg:programme ?p . ?p a rkg:Programme . {_zh("?p", "?programme", "rdfs:label")} }}""",
    "agency-role": f"""SELECT DISTINCT ?n ?agency ?role WHERE {{ {_REFORM}
  ?x prov:qualifiedAssociation ?q . ?q prov:agent ?a ; prov:hadRole ?roleIri . {_zh("?a", "?agency")}
  OPTIONAL {{ VALUES (?roleIri ?known) {{ (rkg:PublisherRole "publisher") (rkg:LeadRole "lead")
    (rkg:CoActorRole "co-actor") (rkg:ImplementerRole "implementer") }} }}
  BIND(COALESCE(?known, STR(?roleIri)) AS ?role) }}""",
    # Any agency associated with the reform or its measures, whatever its role, qualified or not.
    "agency": f"""SELECT DISTINCT ?n ?agency WHERE {{ {_REFORM}
  {{ ?x prov:qualifiedAssociation/prov:agent ?a }} UNION {{ ?x prov:wasAssociatedWith ?a }}
  {_zh("?a", "?agency")} }}""",
    "document": f"""SELECT DISTINCT ?n ?title WHERE {{ {_REFORM}
  VALUES ?p {{ {_RELATIONS} dcterms:references }} ?x ?p ?d .
  ?d a rkg:PolicyDocument . {_zh("?d", "?title", "dcterms:title")} }}""",
    # dcterms:references counts as "cites" only where no more precise relation links the two.
    "document-relation": f"""SELECT DISTINCT ?n ?title ?relation WHERE {{ {_REFORM}
  VALUES ?p {{ {_RELATIONS} dcterms:references }} ?x ?p ?d .
  ?d a rkg:PolicyDocument . {_zh("?d", "?title", "dcterms:title")}
  FILTER(?p != dcterms:references || NOT EXISTS {{
    VALUES ?q {{ {_RELATIONS} }} ?r rkg:hasMeasure? ?y . ?y ?q ?d }})
  BIND(IF(?p = dcterms:references, "cites", REPLACE(STR(?p), "^.*[/#]", "")) AS ?relation) }}""",
    "document-issuer": f"""SELECT DISTINCT ?title ?issuer WHERE {{
  ?d a rkg:PolicyDocument ; dcterms:creator ?a . {_zh("?d", "?title", "dcterms:title")}
  {_zh("?a", "?issuer")} }}""",
    "target-group": f"""SELECT DISTINCT ?n ?group WHERE {{ {_REFORM}
  ?x rkg:targetGroup ?g . {_zh("?g", "?group")} }}""",
    "place": f"""SELECT DISTINCT ?n ?place WHERE {{ {_REFORM}
  ?x dcterms:spatial ?p . {_zh("?p", "?place", "rdfs:label")}
  FILTER NOT EXISTS {{ ?report a rkg:Report ; dcterms:spatial ?p }} }}""",
    "programme": f"""SELECT DISTINCT ?n ?programme WHERE {{
  ?p a rkg:Programme ; rkg:reform ?r . ?r rkg:number ?n . {_zh("?p", "?programme", "rdfs:label")} }}""",
}

KINDS = tuple(kind for kind in QUERIES if kind != "indicator-approx")
"""The kinds scored by precision and recall; indicator-approx only gives the approx accuracy."""
MULTISETS = frozenset(kind for kind, query in QUERIES.items() if "?id" in query.split("WHERE")[0])
"""Kinds whose gold keeps repeats: two indicators 80元 in one reform are two facts."""

INDICATOR_KINDS = frozenset(("achievement", "cumulative", "standard", "rate", "target", "change"))
ROLES = frozenset(("publisher", "lead", "co-actor", "implementer"))
RELATIONS = frozenset(("implements", "issues", "revises", "drafts", "cites"))
_FIELDS = {
    "reform": {"number", "title", "measures"},
    "indicator": {"reform", "value", "unit", "approx", "kind", "target_groups", "agencies", "programme"},
    "agency": {"reform", "name", "role"},
    "document": {"reform", "title", "relation", "issuers"},
    "target_group": {"reform", "name"},
    "place": {"reform", "name"},
    "programme": {"reform", "name"},
}
_NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in (
    "integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger", "positiveInteger")}

Fact = tuple
"""A fact's fields: reform numbers and counts (int), values (Decimal), flags (bool) and names (str;
in gold, alternatives joined by `|`)."""


# --- Gold -----------------------------------------------------------------------------------------


def load_gold(path: Path) -> dict[str, list[Fact]]:
    """The gold facts of one report, per kind.

    Raises ValueError naming the file and the entry when the gold is malformed: a typo in a gold file
    would otherwise be scored, silently, as a miss of the extractor.
    """
    try:
        return gold_facts(tomllib.loads(path.read_text(encoding="utf-8")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


def gold_facts(data: dict) -> dict[str, list[Fact]]:
    """Turn the tables of a gold file (README format) into the facts the queries answer."""
    for table, rows in data.items():
        if table not in _FIELDS:
            raise ValueError(f"unknown table [[{table}]]; expected one of {sorted(_FIELDS)}")
        if not isinstance(rows, list):
            raise ValueError(f"[{table}] must be an array of tables: write [[{table}]]")
        for row in rows:
            if unknown := set(row) - _FIELDS[table]:
                raise ValueError(f"[[{table}]] {row}: unknown field(s) {sorted(unknown)}")
    numbers = {r["number"] for r in data.get("reform", [])}
    facts: dict[str, list[Fact]] = {kind: [] for kind in QUERIES}
    for r in data.get("reform", []):
        facts["reform"].append((r["number"], r["title"]))
        facts["measures"].append((r["number"], r["measures"]))
    for i in data.get("indicator", []):
        key = (_reform(i, numbers), _decimal(i["value"]), i["unit"])
        if not isinstance(i["approx"], bool):
            raise ValueError(f"[[indicator]] {i}: approx must be true or false")
        facts["indicator"].append(key)
        facts["indicator-approx"].append((*key, i["approx"]))
        if i["approx"]:
            facts["approx"].append(key)
        facts["indicator-kind"].append((*key, _one_of(i["kind"], INDICATOR_KINDS, i)))
        facts["indicator-group"] += [(*key, g) for g in i["target_groups"]]
        facts["indicator-agency"] += [(*key, a) for a in i["agencies"]]
        if i["programme"]:
            facts["indicator-programme"].append((*key, i["programme"]))
    for a in data.get("agency", []):
        facts["agency-role"].append((_reform(a, numbers), a["name"], _one_of(a["role"], ROLES, a)))
        facts["agency"].append((a["reform"], a["name"]))
    for d in data.get("document", []):
        facts["document"].append((_reform(d, numbers), d["title"]))
        facts["document-relation"].append((d["reform"], d["title"], _one_of(d["relation"], RELATIONS, d)))
        facts["document-issuer"] += [(d["title"], issuer) for issuer in d["issuers"]]
    for table, kind in (("target_group", "target-group"), ("place", "place"), ("programme", "programme")):
        facts[kind] = [(_reform(e, numbers), e["name"]) for e in data.get(table, [])]
    # The graph answers sets for these kinds (DISTINCT), so the gold must not count a fact twice.
    return {k: v if k in MULTISETS else list(dict.fromkeys(v)) for k, v in facts.items()}


def _decimal(value: str) -> Decimal:
    """A quoted decimal: a TOML float would already have lost digits (0.1 + 0.2)."""
    if not isinstance(value, str):
        raise ValueError(f"value {value!r} must be a quoted decimal, e.g. \"82300\"")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"value {value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"value {value!r} is not a finite number")
    return number


def _reform(entry: dict, numbers: set[int]) -> int:
    """The entry's reform, which must be a [[reform]] of the file (or 0 in a report with none)."""
    n = entry["reform"]
    if n not in numbers and not (n == 0 and not numbers):
        raise ValueError(f"{entry}: reform {n} is not a [[reform]] of this file")
    return n


def _one_of(value: str, allowed: frozenset[str], entry: dict) -> str:
    if not set(value.split("|")) <= allowed:
        raise ValueError(f"{entry}: {value!r} is not one of {sorted(allowed)}")
    return value


# --- Graph ----------------------------------------------------------------------------------------


def build_store(metadata: Path, validate_shapes: bool = True) -> Store:
    """Build the one report `metadata` describes, alone, with the packaged curation and ontology.

    Raises whatever the build raises (BuildError for invalid input or shapes, OSError, …).
    """
    meta = tomllib.loads(metadata.read_text(encoding="utf-8"))
    packaged = Paths.default()
    with tempfile.TemporaryDirectory(prefix="rkg-extraction-") as tmp:
        shutil.copyfile(metadata, Path(tmp) / metadata.name)
        shutil.copyfile(metadata.parent / meta["file"], Path(tmp) / meta["file"])
        paths = Paths(sources=Path(tmp), curation=packaged.curation, ontology=packaged.ontology)
        result = build(paths, validate_shapes=validate_shapes)
    store = Store()
    store.load(result.nquads, format=RdfFormat.N_QUADS)
    return store


def graph_facts(store: Store) -> dict[str, list[Fact]]:
    """The facts of every kind in QUERIES, over the union of the store's graphs (as the service)."""
    facts = {}
    for kind, query in QUERIES.items():
        solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
        keep = [i for i, v in enumerate(solutions.variables) if v.value != "id"]
        facts[kind] = [tuple(_python(row[i]) for i in keep) for row in solutions]
    return facts


def _python(term) -> object:
    """Numbers as Decimal (equal to the gold's whatever their lexical form), booleans as bool."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype.value in _NUMERIC:
            return Decimal(term.value)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#boolean":
            return term.value in ("true", "1")
    return term.value


# --- Scoring --------------------------------------------------------------------------------------


@dataclass
class Score:
    """Matches of one kind: true positives, and the unmatched facts on each side."""

    tp: int = 0
    false_positives: list[Fact] = field(default_factory=list)
    false_negatives: list[Fact] = field(default_factory=list)

    @property
    def fp(self) -> int:
        return len(self.false_positives)

    @property
    def fn(self) -> int:
        return len(self.false_negatives)

    @property
    def precision(self) -> float | None:
        """None when nothing was found: no claim, so no precision to speak of."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when the gold has nothing of this kind."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.false_positives + other.false_positives,
                     self.false_negatives + other.false_negatives)


def fact_matches(gold: Fact, found: Fact) -> bool:
    """Every field equal; a gold name matches when any of its `|` alternatives equals the found one."""
    return len(gold) == len(found) and all(
        found_field in gold_field.split("|") if isinstance(gold_field, str) else gold_field == found_field
        for gold_field, found_field in zip(gold, found)
    )


def match(gold: list[Fact], found: list[Fact]) -> dict[int, int]:
    """A largest one-to-one matching, as {found index: gold index}.

    Each fact counts once on each side, so repeats match as multisets. With `|` alternatives one gold
    fact may fit several found ones and a greedy pairing can take the only partner of another gold
    fact, so this grows the matching by augmenting paths (Kuhn's algorithm) instead.
    """
    fits = [[j for j, f in enumerate(found) if fact_matches(g, f)] for g in gold]
    partner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j not in seen:
                seen.add(j)
                if j not in partner or augment(partner[j], seen):
                    partner[j] = i
                    return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return partner


def score(gold: list[Fact], found: list[Fact]) -> Score:
    partner = match(gold, found)
    matched = set(partner.values())
    return Score(
        tp=len(partner),
        false_positives=[f for j, f in enumerate(found) if j not in partner],
        false_negatives=[g for i, g in enumerate(gold) if i not in matched],
    )


# --- Corpus ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusReport:
    id: str
    """The gold file's stem, which is the report id."""
    gold: Path
    metadata: Path | None
    """The report's metadata file (naming its text), or None when none was found."""


@dataclass
class ReportResult:
    id: str
    scores: dict[str, Score]
    """Per kind; empty when the gold itself could not be read."""
    error: str | None = None

    @property
    def approx_accuracy(self) -> tuple[int, int]:
        """(indicators matched with the gold's approx, indicators matched)."""
        return self.scores["indicator-approx"].tp, self.scores["indicator"].tp


def discover(corpus: Path, packaged: Path = PACKAGED) -> list[CorpusReport]:
    """Every gold file in the corpus folder and its gold/ folder, with the metadata it is scored on."""
    by_id = {}
    for meta in sorted(packaged.glob("*.toml")):
        by_id.setdefault(tomllib.loads(meta.read_text(encoding="utf-8")).get("id"), meta)
    reports = []
    for gold in sorted(corpus.glob("*.gold.toml")) + sorted((corpus / "gold").glob("*.gold.toml")):
        stem = gold.name.removesuffix(".gold.toml")
        beside = gold.with_name(f"{stem}.toml")
        reports.append(CorpusReport(stem, gold, beside if beside.exists() else by_id.get(stem)))
    return reports


def evaluate(report: CorpusReport, build_graph: Callable[[Path], Store]) -> ReportResult:
    """Score one report; a failed build scores every gold fact as missed. Raises ValueError on bad gold."""
    gold = load_gold(report.gold)
    try:
        if report.metadata is None:
            raise FileNotFoundError(f"no {report.id}.toml beside the gold and no packaged source with id {report.id}")
        found, error = graph_facts(build_graph(report.metadata)), None
    except Exception as exc:  # noqa: BLE001 - one broken report must not hide the others' scores
        found, error = {}, f"{type(exc).__name__}: {exc}"
    return ReportResult(report.id, {kind: score(gold[kind], found.get(kind, [])) for kind in QUERIES}, error)


def run(reports: Iterable[CorpusReport], build_graph: Callable[[Path], Store] = build_store) -> list[ReportResult]:
    results = []
    for report in reports:
        try:
            results.append(evaluate(report, build_graph))
        except ValueError as exc:
            results.append(ReportResult(report.id, {}, f"gold not read: {exc}"))
    return results


def total(results: list[ReportResult]) -> dict[str, Score]:
    """Micro-averaged: the matches of every scored report added up per kind."""
    sums = {kind: Score() for kind in QUERIES}
    for result in results:
        for kind, s in result.scores.items():
            sums[kind] = sums[kind] + s
    return sums


# --- Output ---------------------------------------------------------------------------------------


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _fact(fact: Fact) -> str:
    return " · ".join(format(f.normalize(), "f") if isinstance(f, Decimal) else str(f) for f in fact)


def _brief(error: str, lines: int = 3) -> str:
    """The first lines of an error (a shapes report can run to hundreds), on one line."""
    all_lines = error.splitlines()
    more = f" (… {len(all_lines) - lines} more lines)" if len(all_lines) > lines else ""
    return " ".join(all_lines[:lines]) + more


def _table(scores: dict[str, Score]) -> list[str]:
    lines = ["| kind | P | R | F1 | tp | fp | fn |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind in KINDS:
        s = scores[kind]
        lines.append(f"| {kind} | {_num(s.precision)} | {_num(s.recall)} | {_num(s.f1)} | {s.tp} | {s.fp} | {s.fn} |")
    agree, matched = scores["indicator-approx"].tp, scores["indicator"].tp
    lines += ["", f"approx accuracy on matched indicators: {_num(agree / matched if matched else None)} ({agree}/{matched})"]
    return lines


def tables(results: list[ReportResult]) -> str:
    """Per report and in total, as markdown (printed as is, and the body of the results file)."""
    lines = []
    for r in results:
        lines += [f"### {r.id}", ""]
        if r.error:
            lines += [f"**Failed**: {_brief(r.error)}", ""]
        if r.scores:
            lines += _table(r.scores) + [""]
    scored = [r for r in results if r.scores]
    lines += [f"### Total (micro-averaged over {len(scored)} report{'s' * (len(scored) != 1)})", ""]
    lines += _table(total(scored))
    return "\n".join(lines) + "\n"


def worst(results: list[ReportResult], kinds: int = 6, facts: int = 8) -> str:
    """The misses and false alarms of each report's worst kinds, so a developer sees what to fix."""
    lines = []
    for r in results:
        if r.error:
            lines += [f"### {r.id}", "", "Not built or not scored: fix the error under Scores first.", ""]
            continue
        bad = sorted((k for k in KINDS if r.scores[k].fp or r.scores[k].fn),
                     key=lambda k: (r.scores[k].f1 or 0, -(r.scores[k].fp + r.scores[k].fn)))
        if not bad:
            continue
        lines += [f"### {r.id}", ""]
        for kind in bad[:kinds]:
            s = r.scores[kind]
            lines.append(f"- **{kind}** (F1 {_num(s.f1)})")
            for label, items in (("missed", s.false_negatives), ("false", s.false_positives)):
                if items:
                    shown = "; ".join(_fact(f) for f in items[:facts])
                    more = f"; … {len(items) - facts} more" if len(items) > facts else ""
                    lines.append(f"  - {label} ({len(items)}): {shown}{more}")
        lines.append("")
    return "\n".join(lines)


def markdown(results: list[ReportResult], date: dt.date, validate_shapes: bool) -> str:
    shapes = "with" if validate_shapes else "without"
    failed = [r for r in results if r.error]
    return "\n".join([
        "# Extraction against hand-made gold",
        "",
        f"Generated by `python benchmarks/extraction.py` on {date.isoformat()}: each report with a gold "
        f"file built on its own ({shapes} SHACL validation) and its graph matched "
        "against its gold (format and fact kinds: tests/fixtures/corpus/README.md; queries: QUERIES in "
        "the script). P = tp / (tp + fp), R = tp / (tp + fn), F1 = 2tp / (2tp + fp + fn); – where "
        "undefined. Indicator kinds match repeats as multisets; approx accuracy is the share of "
        "matched indicators whose approximate flag agrees with the gold.",
        "",
        f"{len(results)} report(s), {len(failed)} failed: " + (", ".join(r.id for r in failed) or "none") + ".",
        "",
        "## Scores",
        "",
        tables(results),
        "## What to fix: the worst kinds",
        "",
        worst(results) or "Nothing: every kind matches its gold.\n",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of <stem>.gold.toml (and gold/)")
    parser.add_argument("--out", type=Path, default=OUT, help="markdown results file to write")
    parser.add_argument("--no-shapes", action="store_true",
                        help="skip SHACL validation, to score extraction while the shapes are being changed")
    args = parser.parse_args(argv)
    reports = discover(args.corpus)
    if not reports:
        print(f"no *.gold.toml in {args.corpus} or {args.corpus / 'gold'}", file=sys.stderr)
        return 2
    results = run(reports, lambda meta: build_store(meta, validate_shapes=not args.no_shapes))
    print(tables(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(results, dt.date.today(), not args.no_shapes), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
