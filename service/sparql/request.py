"""What a client asks of a backend: one SPARQL query, its dataset, its parameters and its own limits."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None = None
    """The client's Accept header (or the media type a `format=` parameter asked for)."""
    default_graphs: tuple[str, ...] = ()
    """default-graph-uri values; empty means the union of all named graphs."""
    named_graphs: tuple[str, ...] = ()
    """named-graph-uri values; empty means every named graph."""
    substitutions: Mapping[str, str] = field(default_factory=dict)
    """Variable name → RDF term in N-Triples syntax, bound before evaluation (SEP-0007)."""
    timeout: float = 30.0
    """Seconds; a backend lowers it to its configured limit, never raises it."""
    max_rows: int = 100_000
    """Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE); lowered to the configured limit likewise."""
    base_iri: str | None = None
