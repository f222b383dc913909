"""Check a built dataset against ontology/shapes.ttl.

Core SHACL runs in pyshacl. The shapes' SHACL-SPARQL constraints (span offsets, char counts) run
in pyoxigraph instead, each as one query over all focus nodes: pyshacl evaluates them once per focus
node through rdflib's SPARQL engine, which took 77 s of an 80 s build for this report. The results
are the same: `$this` becomes a variable bound to every instance of the shape's target class.
Violations fail the build; warnings (missing English labels in a new report) are reported only.

pyshacl and rdflib are imported only where they are used: they take a third of a second to import,
which `Background` spends in a process of its own while the build reads the reports.
"""
from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, parse

if TYPE_CHECKING:
    import rdflib

SH = "http://www.w3.org/ns/shacl#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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
    return Shapes(shapes).validate(data)


class Shapes:
    """A shapes file read once: the core shapes for pyshacl, the SHACL-SPARQL ones for pyoxigraph."""

    TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")

    def __init__(self, path: Path) -> None:
        import rdflib

        self.graph = rdflib.Graph().parse(str(path.resolve()), format="turtle")
        self.constraints = _take_sparql_constraints(self.graph)
        self._shares: dict[tuple[int, int], rdflib.Graph | None] = {}

    def validate(self, data: str, share: tuple[int, int] = (0, 1)) -> Validation:
        """The findings on N-Triples `data`, or with `share` (i, n) the i-th of n disjoint shares of
        them, which together are the same findings (see `share`). The shapes are not changed."""
        import pyshacl
        import rdflib

        shapes = self.share(*share)
        if shapes is None:
            return Validation(())
        sh = rdflib.Namespace(SH)
        data_graph = _rdflib_graph(data)
        _, report_graph, _ = pyshacl.validate(
            data_graph,
            shacl_graph=shapes,
            inference="none",
            allow_warnings=True,
            inplace=True,
        )
        findings = []
        for result in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult):
            severity = report_graph.value(result, sh.resultSeverity)
            findings.append(
                Finding(
                    severity=str(severity).rsplit("#", 1)[-1],
                    focus=str(report_graph.value(result, sh.focusNode)),
                    path=str(report_graph.value(result, sh.resultPath) or ""),
                    message=str(report_graph.value(result, sh.resultMessage) or ""),
                )
            )
        if share[0] == 0:
            findings += _run_sparql_constraints(self.constraints, data)
        findings.sort(key=lambda f: (f.severity, f.focus, f.path, f.message))
        return Validation(tuple(findings))

    def share(self, index: int, of: int) -> rdflib.Graph | None:
        """The shapes graph that finds the `index`-th of `of` shares of the findings; None: nothing.

        A finding is a shape checked on a focus node its targets give, so the shares are the shapes
        graph with the explicit targets of all shapes but every `of`-th (by IRI) taken out: every
        shape stays, for the shapes that refer to it, but only its own share finds its focus nodes.
        Shapes that a blank node or an implicit or SPARQL target names cannot be dealt out the same
        way in every process: then share 0 has the whole graph and the others nothing.
        """
        if of == 1:
            return self.graph
        if (index, of) not in self._shares:
            import rdflib

            sh = rdflib.Namespace(SH)
            targeted = {shape for name in self.TARGETS for shape in self.graph.subjects(sh[name], None)}
            whole = any(not isinstance(shape, rdflib.URIRef) for shape in targeted) \
                or (None, sh.target, None) in self.graph \
                or any((shape, rdflib.RDF.type, kind) in self.graph
                       for shape in self.graph.subjects(rdflib.RDF.type, sh.NodeShape)
                       for kind in (rdflib.RDFS.Class, rdflib.OWL.Class))
            if whole:
                graph = self.graph if index == 0 else None
            else:
                others = sorted(targeted, key=str)
                del others[index::of]
                graph = rdflib.Graph()
                for prefix, namespace in self.graph.namespaces():
                    graph.bind(prefix, namespace)
                for triple in self.graph:
                    if not (triple[0] in others and triple[1] in {sh[name] for name in self.TARGETS}):
                        graph.add(triple)
            self._shares[(index, of)] = graph
        return self._shares[(index, of)]


class Background:
    """`validate_ntriples` in processes forked before the data exists: importing pyshacl and reading
    the shapes (about half a second) overlap the build's own imports and extraction, and with two
    cores the shapes are shared between two processes (Shapes.validate), which halves the check.

    Call it as `validate_ntriples`, or `submit` data and collect the findings later; `expect(shapes)`
    starts reading a shapes file before the first call. Where processes cannot be forked, or one
    dies, it validates in this process: the findings are the same either way. Use it as a context
    manager, which stops the processes.
    """

    def __init__(self, processes: int | None = None) -> None:
        self._workers: list[tuple[Connection, multiprocessing.process.BaseProcess]] = []
        self._asked: list[tuple[str, Path]] = []
        """Every submission, by ticket."""
        self._unread: list[int] = []
        """The tickets the processes were sent and have not been read, in the order sent."""
        self._done: dict[int, Validation | Exception] = {}
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        fork = multiprocessing.get_context("fork")
        for _ in range(processes or min(2, os.cpu_count() or 1)):
            ours, theirs = fork.Pipe()
            process = fork.Process(target=_serve, args=(theirs, ours), name="reformkg-validate", daemon=True)
            process.start()
            theirs.close()
            self._workers.append((ours, process))

    def expect(self, shapes: Path) -> None:
        self._send(lambda i, n: ("shapes", shapes, (i, n)))

    def __call__(self, data: str, shapes: Path) -> Validation:
        return self.submit(data, shapes)()

    def submit(self, data: str, shapes: Path) -> Callable[[], Validation]:
        """Start checking `data` now; the function returned waits for its findings (or raises what
        validating it raised)."""
        ticket = len(self._asked)
        self._asked.append((data, shapes))
        if self._send(lambda i, n: ("validate", shapes, data, (i, n))):
            self._unread.append(ticket)
        return lambda: self._result(ticket)

    def _result(self, ticket: int) -> Validation:
        while ticket in self._unread:
            first = self._unread.pop(0)
            try:
                answers = [conn.recv() for conn, _ in self._workers]
            except (EOFError, OSError):
                self.close()  # what was not read is validated here, below
                break
            errors = [value for kind, value in answers if kind == "error"]
            findings = sorted((f for kind, value in answers if kind != "error" for f in value.findings),
                              key=lambda f: (f.severity, f.focus, f.path, f.message))
            self._done[first] = errors[0] if errors else Validation(tuple(findings))
        if ticket not in self._done:
            try:
                self._done[ticket] = validate_ntriples(*self._asked[ticket])
            except Exception as exc:  # noqa: BLE001 - kept, and raised to every caller, as from a process
                self._done[ticket] = exc
        done = self._done[ticket]
        if isinstance(done, Exception):
            raise done
        return done

    def _send(self, message: Callable[[int, int], tuple]) -> bool:
        try:
            for i, (conn, _) in enumerate(self._workers):
                conn.send(message(i, len(self._workers)))
        except OSError:
            self.close()
        return bool(self._workers)

    def close(self) -> None:
        for conn, _ in self._workers:
            conn.close()
        for _, process in self._workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
        self._workers, self._unread = [], []

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Optimistic:
    """A validator that says at once that the data conforms with no finding, while `background`
    checks it: a build can go on (write and load its dataset) during the check, and keep what it
    made only if `held()`. Otherwise `checked` is the validator to build again with: it answers
    each data already submitted with its real findings, without checking it again."""

    def __init__(self, background: Background) -> None:
        self.background = background
        self._submitted: dict[tuple[str, Path], Callable[[], Validation]] = {}

    def __call__(self, data: str, shapes: Path) -> Validation:
        self._find(data, shapes)
        return Validation(())

    def held(self) -> bool:
        """Whether every data it was asked about conforms with no finding at all, as it said."""
        try:
            return all(not wait().findings for wait in list(self._submitted.values()))
        except Exception:  # noqa: BLE001 - validation failed: the build again says how (`checked`)
            return False

    def checked(self, data: str, shapes: Path) -> Validation:
        return self._find(data, shapes)()

    def _find(self, data: str, shapes: Path) -> Callable[[], Validation]:
        key = (data, shapes)
        if key not in self._submitted:
            self._submitted[key] = self.background.submit(data, shapes)
        return self._submitted[key]


def _serve(conn: Connection, parents_end: Connection) -> None:
    """A background process: import what validation needs at once, then answer until the pipe closes."""
    parents_end.close()  # else the pipe would never close: this process would hold both ends
    os.nice(5)  # the build's own work comes first: until it has the data there is nothing to check
    import pyshacl  # noqa: F401
    import rdflib  # noqa: F401

    read: dict[Path, Shapes] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        kind, path = message[0], message[1]
        try:
            shapes = read.get(path) or read.setdefault(path, Shapes(path))
            if kind == "validate":
                conn.send(("value", shapes.validate(message[2], message[3])))
            else:
                shapes.share(*message[2])
        except Exception as exc:  # noqa: BLE001 - raised again in the caller's process
            if kind != "validate":
                continue  # a shapes file read ahead: its error is the first validation's answer
            try:
                conn.send(("error", exc))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _rdflib_graph(data: str) -> rdflib.Graph:
    """N-Triples as rdflib reads them (a literal typed xsd:string has no datatype there), parsed by
    pyoxigraph: rdflib's own N-Triples parser took a fifth of the check."""
    import rdflib

    iris: dict[str, rdflib.URIRef] = {}

    def term(node):
        if isinstance(node, NamedNode):
            return iris.get(node.value) or iris.setdefault(node.value, rdflib.URIRef(node.value))
        if isinstance(node, Literal):
            if node.language:
                return rdflib.Literal(node.value, lang=node.language)
            datatype = node.datatype.value
            return rdflib.Literal(node.value, datatype=None if datatype == XSD_STRING else term(node.datatype))
        if isinstance(node, BlankNode):
            return rdflib.BNode(node.value)
        raise ValueError(f"rdflib cannot hold {node} (a triple term), so SHACL cannot check it here")

    graph = rdflib.Graph()
    graph.addN((term(t.subject), term(t.predicate), term(t.object), graph)
               for t in parse(data.encode("utf-8"), format=RdfFormat.N_TRIPLES))
    return graph


def _take_sparql_constraints(shapes: rdflib.Graph) -> list[_SparqlConstraint]:
    """Remove the sh:sparql constraints from the shapes graph and return them with their targets."""
    import rdflib

    sh = rdflib.Namespace(SH)
    found = []
    for shape, _, constraint in list(shapes.triples((None, sh.sparql, None))):
        if (constraint, sh.deactivated, rdflib.Literal(True)) in shapes:
            shapes.remove((shape, sh.sparql, constraint))
            continue
        prefixes = "".join(
            f"PREFIX {shapes.value(d, sh.prefix)}: <{shapes.value(d, sh.namespace)}>\n"
            for decl_owner in shapes.objects(constraint, sh.prefixes)
            for d in shapes.objects(decl_owner, sh.declare)
        )
        severity = shapes.value(shape, sh.severity) or sh.Violation
        found.append(
            _SparqlConstraint(
                targets=tuple(str(t) for t in shapes.objects(shape, sh.targetClass)),
                select=prefixes + str(shapes.value(constraint, sh.select)),
                message=str(shapes.value(constraint, sh.message) or "SPARQL constraint failed"),
                severity=str(severity).rsplit("#", 1)[-1],
            )
        )
        shapes.remove((shape, sh.sparql, constraint))
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
