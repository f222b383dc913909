"""Read query results back as Python values, for views that render pages and API answers.

Every backend answers in SPARQL JSON; pyoxigraph parses it, so a page never depends on which store
is behind it.
"""
from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, parse_query_results

from .base import Backend, QueryRequest

Term = NamedNode | Literal | BlankNode


def select(
    backend: Backend,
    query: str,
    substitutions: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    max_rows: int = 100_000,
) -> list[dict[str, Term]]:
    """Rows of a SELECT as dicts of pyoxigraph terms; unbound variables are left out of a row.

    `substitutions` maps variable names to terms in N-Triples syntax (bound before evaluation).
    """
    response = backend.query(
        QueryRequest(query=query, accept="application/sparql-results+json",
                     substitutions=dict(substitutions or {}), timeout=timeout, max_rows=max_rows)
    )
    body = b"".join(response.body)
    results = parse_query_results(body, format=QueryResultsFormat.JSON)
    names = [v.value for v in results.variables]
    rows = []
    for solution in results:
        rows.append({name: solution[name] for name in names if solution[name] is not None})
    return rows


def ask(backend: Backend, query: str, substitutions: Mapping[str, str] | None = None, timeout: float = 30.0) -> bool:
    response = backend.query(
        QueryRequest(query=query, accept="application/sparql-results+json",
                     substitutions=dict(substitutions or {}), timeout=timeout)
    )
    return bool(parse_query_results(b"".join(response.body), format=QueryResultsFormat.JSON))
