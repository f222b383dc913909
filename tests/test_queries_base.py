"""Named queries hold under any base IRI: run on a dataset built under another base, every query that
needs no parameter answers as many rows as on the default one (issue 17: a hard-coded
<https://w3id.org/reformkg/scheme/…> answered 0 rows instead of 37 elsewhere)."""
from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, Store

from reformkg.graph.build import build
from reformkg.service.sparql.catalog import load_catalog

from .conftest import SOURCE_PATHS

OTHER_BASE = "http://127.0.0.1:8123/kg/"


@pytest.fixture(scope="module")
def stores(built):
    default, other = Store(), Store()
    default.load(built.nquads, format=RdfFormat.N_QUADS)
    other.load(build(SOURCE_PATHS, base=OTHER_BASE).nquads, format=RdfFormat.N_QUADS)
    return default, other


@pytest.mark.parametrize("query", [q for q in load_catalog() if not any(p.required for p in q.parameters)],
                         ids=lambda q: q.name)
def test_a_named_query_answers_alike_under_another_base(stores, query):
    default, other = stores
    count_default = len(list(default.query(query.text, use_default_graph_as_union=True)))
    count_other = len(list(other.query(query.text, use_default_graph_as_union=True)))
    assert count_other == count_default
    if query.name == "target-group-hierarchy":
        assert count_default > 30
