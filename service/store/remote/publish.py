"""Publish a built dataset to a remote SPARQL server, one named graph at a time (`reformkg load`).

Each graph is sent with the Graph Store Protocol's PUT, which replaces it as a whole in one request, so
a reader of the server sees every graph either as it was or as it is in the dataset, never half-loaded.
The N-Quads file is bulk-loaded into a temporary on-disk store first, so a dataset of any size is read
graph by graph without holding its quads in memory.
"""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store

from ..base import Backend, Payload


@dataclass(frozen=True)
class Published:
    graph: str | None
    """The graph's IRI; None for the default graph."""
    triples: int
    created: bool
    seconds: float


def publish(nquads: Path, backend: Backend, progress: Callable[[Published], None] = lambda p: None) -> Iterator[Published]:
    """PUT every graph of `nquads` into `backend`; yields what each PUT did.

    Raises OSError or SyntaxError when the file cannot be read, and the backend's ServiceErrors
    (UpstreamError …) when the server fails; graphs PUT before a failure stay published.
    """
    with tempfile.TemporaryDirectory(prefix="reformkg-load-") as tmp:
        store = Store(tmp)
        store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
        graphs: list[NamedNode | DefaultGraph] = sorted(
            (g for g in store.named_graphs() if isinstance(g, NamedNode)), key=lambda g: g.value)
        if next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None:
            graphs.insert(0, DefaultGraph())
        for graph in graphs:
            started = time.monotonic()
            data = store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
            name = graph.value if isinstance(graph, NamedNode) else None
            created = backend.graph_replace(name, [Payload(data, "application/n-triples")])
            done = Published(name, data.count(b"\n"), created, time.monotonic() - started)
            progress(done)
            yield done
        del store
