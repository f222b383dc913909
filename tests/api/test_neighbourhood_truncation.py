"""`/api/graph` says `truncated: true` whenever a link was cut, and false only when every link within
the depth is there (issue 17: at depth 2, rows were cut before the links the two hops share were
dropped, so 38 of more links came back as `truncated: false`)."""
from __future__ import annotations

import pytest

from .conftest import REPORT, answer

REFORM_1 = f"{REPORT}/reform/1"


def links(client, depth: int, limit: int) -> tuple[list[tuple[str, str, str]], bool]:
    found = answer(client, "/api/graph", iri=REFORM_1, depth=depth, limit=limit)
    edges = [(e["data"]["source"], e["data"]["predicate"], e["data"]["target"]) for e in found["elements"]["edges"]]
    return edges, found["truncated"]


@pytest.fixture(scope="module")
def whole(api_app) -> dict[int, list[tuple[str, str, str]]]:
    """Every link within one and two hops of reform 1 (fewer than the largest limit)."""
    client = api_app.test_client()
    found = {depth: links(client, depth, 500) for depth in (1, 2)}
    assert not found[1][1] and not found[2][1]
    return {depth: edges for depth, (edges, _) in found.items()}


def test_a_link_is_given_once(whole):
    for edges in whole.values():
        assert len(edges) == len(set(edges))


def test_the_second_hop_adds_to_the_first(whole):
    assert set(whole[1]) < set(whole[2])


@pytest.mark.parametrize("depth", [1, 2])
def test_truncated_is_true_exactly_when_links_were_cut(client, whole, depth):
    total = len(whole[depth])
    for limit in sorted({1, total // 2, len(whole[1]) - 1, len(whole[1]), len(whole[1]) + 1, total - 1, total}):
        if limit < 1:
            continue
        edges, truncated = links(client, depth, limit)
        assert len(edges) == min(limit, total)
        assert set(edges) <= set(whole[depth])
        assert truncated == (limit < total), (depth, limit, total)
