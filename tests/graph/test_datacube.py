"""The built dataset is a well-formed RDF Data Cube: every integrity constraint of
https://www.w3.org/TR/vocab-data-cube/#wf-rules holds on its normalized form.

Each constraint is a test of its own, named IC-1 … IC-21; a failure lists the resources that break it.
"""
from __future__ import annotations

import pytest
from pyoxigraph import Store

from reformkg.graph.build import BuildResult

from .datacube_constraints import CONSTRAINTS, Constraint, normalized_store


@pytest.fixture(scope="module")
def cube(built: BuildResult) -> Store:
    """Every graph of the dataset merged into one default graph and normalized (§10.2)."""
    return normalized_store(built.nquads)


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=[c.name for c in CONSTRAINTS])
def test_data_cube_integrity_constraint_holds(cube: Store, constraint: Constraint) -> None:
    # IC-20 and IC-21 run once per parent-child property of a qb:HierarchicalCodeList; while the
    # dataset has no hierarchical code list they have no instance and hold vacuously.
    violated = [check for check in constraint.instances(cube) if check.violated(cube)]
    assert not violated, constraint.report(cube, violated)


@pytest.fixture(scope="module")
def corpus_cube(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The corpus and held-out reports of other styles built together, merged and normalized: the
    structure must hold for any report of the genre, not only the packaged one."""
    import shutil
    import tomllib

    from reformkg.graph.build import Paths, build

    from ..conftest import ROOT, SOURCE_PATHS

    folder = tmp_path_factory.mktemp("corpus")
    for meta in sorted((ROOT / "tests" / "fixtures").glob("*/*.toml")):
        if meta.name.endswith(".gold.toml") or meta.parent.name not in ("corpus", "heldout"):
            continue
        shutil.copy(meta, folder)
        shutil.copy(meta.parent / tomllib.loads(meta.read_text(encoding="utf-8"))["file"], folder)
    result = build(Paths(sources=folder, curation=SOURCE_PATHS.curation, ontology=SOURCE_PATHS.ontology))
    assert len(result.reports) == 12
    return normalized_store(result.nquads)


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=[c.name for c in CONSTRAINTS])
def test_data_cube_integrity_constraint_holds_for_reports_of_other_styles(corpus_cube: Store, constraint: Constraint) -> None:
    violated = [check for check in constraint.instances(corpus_cube) if check.violated(corpus_cube)]
    assert not violated, constraint.report(corpus_cube, violated)
