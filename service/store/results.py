"""Query answers as pyoxigraph terms, for views that render pages and API answers.

Every backend gives them through `Backend.terms` (through the result cache, where there is one): an
answer written by pyoxigraph (the embedded store's engines) or by a remote server is read back by
pyoxigraph (store/base.py: read_terms), so a page never depends on which store is behind it.
"""
from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import Triple

from .base import Backend, QueryRequest, Term


def select(
    backend: Backend,
    query: str,
    substitutions: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    max_rows: int = 100_000,
) -> tuple[dict[str, Term], ...]:
    """Rows of a SELECT as dicts of pyoxigraph terms; unbound variables are left out of a row.

    `substitutions` maps variable names to terms in N-Triples syntax (bound before evaluation).
    """
    return backend.terms(QueryRequest(query=query, substitutions=dict(substitutions or {}), timeout=timeout,
                                      max_rows=max_rows)).solutions


def ask(backend: Backend, query: str, substitutions: Mapping[str, str] | None = None, timeout: float = 30.0) -> bool:
    return bool(backend.terms(QueryRequest(query=query, substitutions=dict(substitutions or {}),
                                           timeout=timeout)).boolean)


def construct(backend: Backend, query: str, substitutions: Mapping[str, str] | None = None, *,
              default_graphs: tuple[str, ...] = (), timeout: float = 30.0, max_rows: int = 100_000
              ) -> tuple[Triple, ...]:
    """The triples a CONSTRUCT or DESCRIBE query gives, in the order the store gives them."""
    return backend.terms(QueryRequest(query=query, substitutions=dict(substitutions or {}),
                                      default_graphs=default_graphs, timeout=timeout, max_rows=max_rows)).triples
