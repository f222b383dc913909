"""Check a built dataset against ontology/shapes.ttl.

Core SHACL runs in pyshacl. The shapes' SHACL-SPARQL constraints (span offsets, char counts) run
in pyoxigraph instead, each as one query over all focus nodes: pyshacl evaluates them once per focus
node through rdflib's SPARQL engine, which took 77 s of an 80 s build for this report. The results
are the same: `$this` becomes a variable bound to every instance of the shape's target class.
Violations fail the build; warnings (missing English labels in a new report) are reported only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyshacl
import rdflib
from pyoxigraph import Literal, NamedNode, RdfFormat, Store

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Finding:
    severity: str
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.focus} {self.path}: {self.message}"


@dataclass(frozen=True)
class Validation:
    findings: tuple[Finding, ...]

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "Violation")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity != "Violation")

    @property
    def conforms(self) -> bool:
        return not self.violations

    def report(self, limit: int = 50) -> str:
        lines = [str(f) for f in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"… and {len(self.violations) - limit} more violations")
        return "\n".join(lines)


@dataclass(frozen=True)
class _SparqlConstraint:
    targets: tuple[str, ...]
    select: str
    message: str
    severity: str


def validate_ntriples(data: str, shapes: Path) -> Validation:
    """Validate N-Triples: the union of the dataset's graphs, which holds the ontology too, so a
    rkg:Programme is also checked as the rkg:Measure it is (rdfs:subClassOf is in the data)."""
    data_graph = rdflib.Graph()
    data_graph.parse(data=data, format="nt")
    shapes_graph = rdflib.Graph().parse(str(shapes.resolve()), format="turtle")
    constraints = _take_sparql_constraints(shapes_graph)
    _, report_graph, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        allow_warnings=True,
        inplace=True,
    )
    findings = []
    for result in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult):
        severity = report_graph.value(result, SH.resultSeverity)
        findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1],
                focus=str(report_graph.value(result, SH.focusNode)),
                path=str(report_graph.value(result, SH.resultPath) or ""),
                message=str(report_graph.value(result, SH.resultMessage) or ""),
            )
        )
    findings += _run_sparql_constraints(constraints, data)
    findings.sort(key=lambda f: (f.severity, f.focus, f.path, f.message))
    return Validation(tuple(findings))


def _take_sparql_constraints(shapes: rdflib.Graph) -> list[_SparqlConstraint]:
    """Remove the sh:sparql constraints from the shapes graph and return them with their targets."""
    found = []
    for shape, _, constraint in list(shapes.triples((None, SH.sparql, None))):
        if (constraint, SH.deactivated, rdflib.Literal(True)) in shapes:
            shapes.remove((shape, SH.sparql, constraint))
            continue
        prefixes = "".join(
            f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
            for decl_owner in shapes.objects(constraint, SH.prefixes)
            for d in shapes.objects(decl_owner, SH.declare)
        )
        severity = shapes.value(shape, SH.severity) or SH.Violation
        found.append(
            _SparqlConstraint(
                targets=tuple(str(t) for t in shapes.objects(shape, SH.targetClass)),
                select=prefixes + str(shapes.value(constraint, SH.select)),
                message=str(shapes.value(constraint, SH.message) or "SPARQL constraint failed"),
                severity=str(severity).rsplit("#", 1)[-1],
            )
        )
        shapes.remove((shape, SH.sparql, constraint))
    return found


def _run_sparql_constraints(constraints: list[_SparqlConstraint], data: str) -> list[Finding]:
    if not constraints:
        return []
    store = Store()
    store.load(data.encode("utf-8"), format=RdfFormat.N_TRIPLES)
    findings = []
    for c in constraints:
        query = re.sub(r"\$this\b", "?this", c.select)
        # Bind ?this to every instance of a target class (subclasses included), as SHACL does.
        values = " ".join(f"<{t}>" for t in c.targets)
        query = re.sub(
            r"WHERE\s*{",
            "WHERE { VALUES ?rkgTarget { " + values + " } ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?rkgTarget . ",
            query,
            count=1,
        )
        for row in store.query(query):
            findings.append(Finding(c.severity, row["this"].value, "", _fill(c.message, row)))
    return findings


def _fill(message: str, row) -> str:
    def value(match: re.Match[str]) -> str:
        try:
            term = row[match.group(1)]
        except KeyError:
            return match.group(0)
        return _term(term)

    return re.sub(r"\{\?(\w+)\}", value, message)


def _term(term) -> str:
    if term is None:
        return ""
    return term.value if isinstance(term, (NamedNode, Literal)) else str(term)
