"""Charts as data: what static/js/charts.js draws with the vendored ECharts, decided here.

A chart is a list of bars, each a category with one value per series (a series per report when a
page compares reports). The server decides what is drawn — which column is the number, which the
name, whether the axis is logarithmic — so that every page draws through the same few lines of
script, and a test can count the bars it should see from the same data.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode

from .describe import Indicator
from .readable import number, quantity

MAX_BARS = 100
"""Most rows a chart of an answer draws (the first ones, in the answer's order); the table has them all."""
_XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {_XSD + t for t in ("integer", "decimal", "double", "float", "long", "int", "short", "byte",
                              "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger")}


@dataclass
class Series:
    name: str
    values: list[float | None]
    """One value per category; None where the series has no bar for it."""
    labels: list[str | None]
    """The value as people read it (82,300 件次), shown on the bar and in its tooltip."""


@dataclass
class Chart:
    title: str
    categories: list[str]
    series: list[Series]
    links: list[str | None] = field(default_factory=list)
    """Where clicking a category's bar leads (a page of this server), one per category."""
    log: bool = False
    """A logarithmic value axis: for figures of different units and sizes (5% beside ¥113,000,000)."""

    @property
    def marks(self) -> int:
        """How many bars the chart draws."""
        return sum(v is not None for s in self.series for v in s.values)

    def to_json(self) -> str:
        """The chart as the script reads it, safe inside <script>: "</" is written "<\\/"."""
        return json.dumps(asdict(self), ensure_ascii=False).replace("</", "<\\/")


def indicators(title: str, found: list[Indicator], lang: str, href) -> Chart:
    """One bar per indicator, its value as written; logarithmic, since units differ within a reform."""
    other = "en" if lang == "zh" else "zh"
    names = [i.label.get(lang) or i.label.get(other) or i.iri.rsplit("/", 1)[-1] for i in found]
    values = [float(i.value) for i in found]
    series = Series(title, values, [quantity(i, lang) for i in found])
    return Chart(title, names, [series], [href(i.iri) for i in found], log=all(v > 0 for v in values))


def counts(title: str, categories: list[str], by_series: dict[str, dict[str, int]], links: list[str | None]) -> Chart:
    """Counts per category, one series per key of `by_series` (e.g. per report); no bar where a count is 0."""
    series = []
    for name, found in by_series.items():
        values = [found.get(c) for c in categories]
        series.append(Series(name, [float(v) if v else None for v in values],
                             [f"{v:,}" if v else None for v in values]))
    return Chart(title, categories, series, links)


def numeric(term: object) -> Decimal | None:
    """A result term's number, if it is a numeric literal."""
    if isinstance(term, Literal) and term.datatype.value in NUMERIC:
        try:
            number_ = Decimal(term.value)
        except InvalidOperation:
            return None
        return number_ if number_.is_finite() else None
    return None


def from_rows(title: str, variables: list[str], rows: list[dict], name_of, href) -> Chart | None:
    """A chart of a SELECT answer, or None when no column is numbers in every row that has one.

    The bars measure the numeric column with the largest value (a total or a figure rather than a reform's
    number or a count beside it); each is named by the first column of text, else of IRIs (by `name_of`,
    linked by `href`), else by its row number; a bar links to its row's first IRI. `rows` map variable names to terms.
    """
    numbers = [v for v in variables if any(v in r for r in rows) and all(numeric(r[v]) is not None
                                                                        for r in rows if v in r)]
    if not numbers or not rows:
        return None
    measure = max(numbers, key=lambda v: max(numeric(r[v]) for r in rows if v in r))
    if len(rows) > MAX_BARS:
        title, rows = f"{title} (1–{MAX_BARS} / {len(rows)})", rows[:MAX_BARS]
    others = [v for v in variables if v not in numbers]
    texts = [v for v in others if all(isinstance(r[v], Literal) for r in rows if v in r)]
    iris = [v for v in others if all(isinstance(r[v], NamedNode) for r in rows if v in r)]
    key = (texts or iris or [None])[0]
    categories, links, values, labels = [], [], [], []
    for index, row in enumerate(rows):
        term = row.get(key) if key else None
        if isinstance(term, NamedNode):
            categories.append(name_of(term.value))
            links.append(href(term.value))
        else:
            categories.append(term.value if term is not None else str(index + 1))
            linked = next((row[v] for v in iris if v in row), None)
            links.append(href(linked.value) if linked is not None else None)
        value = numeric(row.get(measure))
        values.append(float(value) if value is not None else None)
        labels.append(number(value) if value is not None else None)
    return Chart(title, categories, [Series(measure, values, labels)], links)
