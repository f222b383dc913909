"""Validation in forked processes (graph/validate.py `Background`) finds exactly what it finds inline.

`reformkg build` validates in two processes started before the reports are read, each checking a share
of the shapes. These pin that the shares add up to the whole, that a process that dies or cannot be
started costs only speed, and that an error reaches the caller as it would inline.
"""
from __future__ import annotations

import os
import re
import signal

import pytest

from reformkg.graph import validate
from reformkg.graph.build import Paths, build

SHAPES = Paths.default().ontology / "shapes.ttl"
BLANK = re.compile(r"\b[nN][0-9a-f]{32}[0-9a-z]*")


@pytest.fixture(scope="module")
def union() -> str:
    """The report's dataset as one graph of N-Triples, as the build validates it."""
    nquads = build(Paths.default(), validate_shapes=False).nquads.decode("utf-8")
    return "".join(sorted({line.rsplit(" <", 1)[0] + " .\n" for line in nquads.splitlines()}))


@pytest.fixture(scope="module")
def broken(union: str) -> str:
    """The dataset with every seventh triple gone (but the texts, its longest lines) and the spans that
    start at 1… moved to 9…: many shapes fail, the SHACL-SPARQL ones (offsets against the text) too."""
    lines = union.replace('oa#start> "1', 'oa#start> "9').splitlines(keepends=True)
    texts = set(sorted(lines, key=len)[-3:])
    return "".join(line for i, line in enumerate(lines) if i % 7 or line in texts)


@pytest.fixture(scope="module")
def inline(broken: str) -> list[tuple[str, str, str, str]]:
    return same(validate.validate_ntriples(broken, SHAPES))


def same(validation: validate.Validation) -> list[tuple[str, str, str, str]]:
    """The findings, blank nodes as `_:`: rdflib names the data's and the shapes' blank nodes anew
    on each parse, so even two inline validations differ in them."""
    def masked(text: str) -> str:
        return BLANK.sub("_:", text)

    return sorted((f.severity, masked(f.focus), masked(f.path), masked(f.message)) for f in validation.findings)


def test_the_broken_dataset_fails_many_shapes_and_a_sparql_constraint(inline):
    violations = [f for f in inline if f[0] == "Violation"]
    assert len(violations) > 50
    assert len({path for _, _, path, _ in violations}) >= 8
    assert any("is not text[start:end]" in message for _, _, _, message in violations)  # SHACL-SPARQL


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_shared_out_validation_finds_what_inline_validation_finds(broken, inline, processes):
    with validate.Background(processes) as background:
        background.expect(SHAPES)
        assert same(background(broken, SHAPES)) == inline


def test_each_share_finds_its_own_findings_and_together_all(broken, inline):
    shapes = validate.Shapes(SHAPES)
    shares = [shapes.validate(broken, (i, 2)).findings for i in range(2)]
    assert shares[0] and shares[1]
    assert not {f for f in shares[0] if not BLANK.search(str(f))} & set(shares[1])
    assert same(validate.Validation(shares[0] + shares[1])) == inline


def test_a_conforming_dataset_conforms_in_the_background_too(union):
    with validate.Background() as background:
        found = background(union, SHAPES)
    assert found.conforms and same(found) == same(validate.validate_ntriples(union, SHAPES))


def test_a_validation_process_that_dies_costs_only_time(broken, inline):
    with validate.Background(2) as background:
        background.expect(SHAPES)
        os.kill(background._workers[1][1].pid, signal.SIGKILL)
        background._workers[1][1].join(timeout=10)
        assert same(background(broken, SHAPES)) == inline
        assert same(background(broken, SHAPES)) == inline  # and again, inline, once the processes are gone


def test_without_fork_it_validates_inline(monkeypatch, broken, inline):
    monkeypatch.setattr(validate.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with validate.Background() as background:
        assert background._workers == []
        assert same(background(broken, SHAPES)) == inline


def test_a_shapes_file_that_does_not_parse_raises_as_inline(tmp_path, union):
    bad = tmp_path / "shapes.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:property [ oops", encoding="utf-8")
    with pytest.raises(Exception) as inline_error:
        validate.validate_ntriples(union, bad)
    with validate.Background(2) as background:
        background.expect(bad)
        with pytest.raises(type(inline_error.value)):
            background(union, bad)


def test_the_build_with_background_validation_gives_the_same_dataset():
    with validate.Background() as background:
        assert build(Paths.default(), validator=background).nquads == build(Paths.default()).nquads


def test_closing_stops_the_processes():
    background = validate.Background(2)
    processes = [process for _, process in background._workers]
    background.close()
    assert processes and not any(process.is_alive() for process in processes)


def test_shapes_with_implicit_or_blank_targets_are_all_checked_by_share_0(tmp_path):
    prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    implicit = tmp_path / "implicit.ttl"
    implicit.write_text(prefixes + "<http://x/S> a sh:NodeShape, rdfs:Class ; sh:property [ sh:path <http://x/p> ; sh:minCount 1 ] .\n"
                        "<http://x/T> a sh:NodeShape ; sh:targetClass <http://x/C> .\n", encoding="utf-8")
    blank = tmp_path / "blank.ttl"
    blank.write_text(prefixes + "[] a sh:NodeShape ; sh:targetClass <http://x/C> .\n"
                     "<http://x/T> a sh:NodeShape ; sh:targetClass <http://x/D> .\n", encoding="utf-8")
    for path in (implicit, blank):
        shapes = validate.Shapes(path)
        assert shapes.share(0, 2) is shapes.graph and shapes.share(1, 2) is None
    data = "<http://x/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://x/S> .\n"
    with validate.Background(2) as background:
        assert [f.path for f in background(data, implicit).violations] == ["http://x/p"]
