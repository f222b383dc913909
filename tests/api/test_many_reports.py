"""Named queries and search over two reports: the packaged one (Chongqing, 2022) and Sichuan's (2023).

Each query that lists reforms, measures or indicators takes `report` (the report's IRI) and says in
a `report` column which report each row is from; reform numbers have no upper limit, since a report
may have any number of reforms. The one-report tests (test_named_queries.py) keep their own store.
"""
from __future__ import annotations

from collections import Counter

from pyoxigraph import QuerySolutions, RdfFormat, Store

from reformkg.graph.build import build
from reformkg.service.sparql.catalog import load_catalog
from reformkg.service.sparql.binding import bind

from ..pages.conftest import SICHUAN, two_report_paths
from .conftest import REPORT, answer, rows

SCOPED = {
    "agencies-by-reform", "co-issuing-agencies", "documents-by-reform", "documents-by-relation", "documents-by-type",
    "elderly-care-indicators", "indicators", "indicators-by-agency", "indicators-by-kind", "indicators-by-place",
    "indicators-by-programme", "indicators-by-target-group", "indicators-by-unit", "money-paid-by-reform",
    "money-totals", "named-programmes", "places-by-reform", "reform-with-most-indicators", "reforms-and-measures",
    "reforms-by-target-group", "rural-elderly-care-indicators", "target-groups-in-several-reforms",
}
"""The named queries that list reforms, measures or indicators, or figures totalled from them."""


def required(name: str) -> dict[str, str]:
    """The query's required parameters, bound to their examples."""
    return {p.name: p.example for p in load_catalog().get(name).parameters if p.required}


def test_every_query_that_lists_reforms_measures_or_indicators_takes_a_report_and_returns_it():
    catalog = load_catalog()
    assert {q.name for q in catalog if any(p.name == "report" for p in q.parameters)} == SCOPED
    for name in SCOPED:
        query = catalog.get(name)
        (report,) = [p for p in query.parameters if p.name == "report"]
        assert (report.type, report.required) == ("iri", False), name
        assert "report" in query.variables, name
        # Added last, after the columns clients already read.
        assert query.parameters[-1] is report, name


def test_no_query_limits_how_many_reforms_a_report_has():
    numbers = [(q.name, p) for q in load_catalog() for p in q.parameters if p.type == "integer"]
    assert {name for name, _ in numbers} >= {"indicators", "reforms-and-measures", "documents-by-reform",
                                             "named-programmes"}
    # 0 is the whole of a report without numbered sections; no upper bound.
    assert all((p.minimum, p.maximum) == ("0", None) for _, p in numbers)


def test_indicators_of_the_sichuan_report_are_its_rows_only(two_reports_client):
    sichuan = rows(two_reports_client, "indicators", report=SICHUAN)
    assert len(sichuan) == 13
    assert {r["report"] for r in sichuan} == {SICHUAN}
    assert all(r["indicator"].startswith(SICHUAN + "/indicator/") for r in sichuan)
    assert sorted({r["reform"] for r in sichuan}) == [1, 2, 3, 4]
    assert [r["quote"] for r in sichuan if r["reform"] == 1] == ["230余万人", "12.6万件次", "86.4亿元"]


def test_without_a_report_the_indicators_of_both_reports_say_which_report_they_are_from(two_reports_client):
    everything = rows(two_reports_client, "indicators")
    chongqing = rows(two_reports_client, "indicators", report=REPORT)
    assert chongqing and {r["report"] for r in chongqing} == {REPORT}
    assert Counter(r["report"] for r in everything) == {REPORT: len(chongqing), SICHUAN: 13}
    assert all(r["indicator"].startswith(r["report"] + "/indicator/") for r in everything)
    # Reform 1 of each report: the number alone does not say which.
    first = rows(two_reports_client, "indicators", reform=1)
    assert {r["report"] for r in first} == {REPORT, SICHUAN}
    assert [r["quote"] for r in first if r["report"] == SICHUAN] == ["230余万人", "12.6万件次", "86.4亿元"]


def test_a_reform_number_past_ten_is_accepted_and_has_no_rows(two_reports_client):
    assert rows(two_reports_client, "indicators", reform=11) == []
    assert rows(two_reports_client, "reforms-and-measures", reform=11) == []
    assert rows(two_reports_client, "documents-by-reform", number=11, report=SICHUAN) == []
    assert "below the minimum 0" in answer(two_reports_client, "/api/queries/indicators", 400, reform=-1)["message"]


def test_every_report_scoped_query_keeps_to_the_report_it_is_given(two_reports_client):
    answered = set()
    for name in sorted(SCOPED):
        given = required(name)
        by_report = {report: rows(two_reports_client, name, report=report, **given) for report in (REPORT, SICHUAN)}
        for report, found in by_report.items():
            assert {r["report"] for r in found} <= {report}, (name, report)
        everything = rows(two_reports_client, name, **given)
        assert Counter(r["report"] for r in everything) == {
            report: len(found) for report, found in by_report.items() if found}, name
        answered |= {name} if by_report[SICHUAN] else set()
    # The Sichuan report's text has reforms, measures, figures, documents, places and programmes of its own.
    assert answered >= {"agencies-by-reform", "documents-by-reform", "documents-by-type", "indicators",
                        "indicators-by-unit", "indicators-by-target-group", "named-programmes", "places-by-reform",
                        "reform-with-most-indicators", "reforms-and-measures", "money-totals"}


def test_the_measures_of_one_reform_of_one_report(two_reports_client):
    second = rows(two_reports_client, "reforms-and-measures", reform=2, report=SICHUAN)
    assert [(r["measure_number"], r["measure_zh"]) for r in second] == [
        (1, "扩大服务供给"), (2, "推进医养结合"), (3, "加强人才培养")]
    assert {(r["reform_zh"], r["reform_en"], r["report"]) for r in second} == {("加快发展普惠型养老服务", None, SICHUAN)}


def test_the_reforms_of_each_report_for_the_explorer(two_reports_client):
    reforms = rows(two_reports_client, "reform-with-most-indicators")
    assert Counter(r["report"] for r in reforms) == {REPORT: 10, SICHUAN: 4}
    assert [r["number"] for r in rows(two_reports_client, "reform-with-most-indicators", report=SICHUAN)] == [2, 1, 3, 4]
    reports = rows(two_reports_client, "reports")
    assert [(r["report"], r["title_zh"], r["reforms"]) for r in reports] == [
        (SICHUAN, "2023年四川民政重点改革举措", 4), (REPORT, "2022年重庆民政十大改革", 10)]


def test_search_hits_name_the_report_of_each_reform_measure_and_indicator(two_reports_client):
    hits = answer(two_reports_client, "/api/search", q="养老", limit=100)["results"]
    scoped = [h for h in hits if h["class"] in ("Reform", "Measure", "Indicator")]
    assert {h["report"] for h in scoped} == {REPORT, SICHUAN}
    assert all(h["page"].startswith("/" + h["report"].rsplit("/", 2)[-2] + "/") for h in scoped)
    assert {h["report_label"] for h in scoped if h["report"] == SICHUAN} == {"2023年四川民政重点改革举措"}
    assert {h["report_label"] for h in scoped if h["report"] == REPORT} == {"2022年重庆民政十大改革"}
    # Shared entities are in no one report.
    assert all(h["report"] is None for h in hits if h["class"] in ("TargetGroup", "Place", "Agency"))


def test_the_report_parameter_works_under_another_base(tmp_path):
    """No scoped query names an IRI under the base: built under another one, each keeps to the report given."""
    base = "https://example.org/kg/"
    store = Store()
    store.load(build(two_report_paths(tmp_path), base=base).nquads, format=RdfFormat.N_QUADS)
    catalog = load_catalog()
    answered = set()
    for name in sorted(SCOPED):
        query = catalog.get(name)
        given = {p.name: [p.example.replace("https://w3id.org/reformkg/", base)] for p in query.parameters if p.required}
        sichuan = base + "report/sc-civil-affairs-2023"
        text = bind(query.text, query.bind({**given, "report": [sichuan]}))
        result = store.query(text, use_default_graph_as_union=True)
        assert isinstance(result, QuerySolutions)
        reports = {s["report"].value for s in result}
        assert reports <= {sichuan}, name
        answered |= {name} if reports else set()
    assert {"indicators", "reforms-and-measures", "reform-with-most-indicators", "places-by-reform"} <= answered
