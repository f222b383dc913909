"""The embedded on-disk Oxigraph store as a `Backend` (in-process evaluation)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pyoxigraph import (
    DefaultGraph, NamedNode, QueryBoolean, QuerySolutions, QueryTriples, Store, parse,
)

from .. import negotiation
from ..errors import NotFound, QuerySyntaxError, UnsupportedMediaType
from ..settings import Settings
from .base import GRAPH_TYPES, RESULT_TYPES, QueryRequest, QueryResponse
from .formats import RDF_FORMATS, RESULT_FORMATS
from .install import current_store
from .terms import parse_term


class StoreMissing(Exception):
    """No dataset has been built into the data directory yet."""


@dataclass
class EmbeddedStore:
    store: Store

    @classmethod
    def open(cls, settings: Settings, read_only: bool = True) -> "EmbeddedStore":
        path = current_store(settings.data_dir)
        if path is None:
            raise StoreMissing(f"no store in {settings.data_dir}; run `reformkg build` first")
        return cls(Store.read_only(str(path)) if read_only else Store(str(path)))

    def query(self, request: QueryRequest) -> QueryResponse:
        options: dict = {"substitutions": {k: parse_term(v) for k, v in request.substitutions.items()}}
        if request.default_graphs:
            options["default_graph"] = [NamedNode(g) for g in request.default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if request.named_graphs:
            options["named_graphs"] = [NamedNode(g) for g in request.named_graphs]
        try:
            from pyoxigraph import Variable

            options["substitutions"] = {Variable(k): v for k, v in options["substitutions"].items()}
            result = self.store.query(request.query, base_iri=request.base_iri, **options)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        if isinstance(result, QueryTriples):
            media = negotiation.choose(request.accept, list(GRAPH_TYPES), "CONSTRUCT and DESCRIBE results")
            return QueryResponse("CONSTRUCT", media, [result.serialize(format=RDF_FORMATS[media])])
        media = negotiation.choose(request.accept, list(RESULT_TYPES), "SELECT and ASK results")
        form = "ASK" if isinstance(result, QueryBoolean) else "SELECT"
        assert isinstance(result, (QueryBoolean, QuerySolutions))
        return QueryResponse(form, media, [result.serialize(format=RESULT_FORMATS[media])])

    def _graph(self, graph: str | None):
        return DefaultGraph() if graph is None else NamedNode(graph)

    def graph_exists(self, graph: str | None) -> bool:
        return graph is None or self.store.contains_named_graph(NamedNode(graph))

    def graph_get(self, graph: str | None, media_type: str) -> Iterator[bytes]:
        if not self.graph_exists(graph):
            raise NotFound(f"no graph <{graph}> in this store")
        fmt = RDF_FORMATS[media_type]
        yield self.store.dump(format=fmt, from_graph=self._graph(graph))

    def _parse(self, data: bytes, media_type: str, graph: str | None):
        fmt = RDF_FORMATS.get(media_type)
        if fmt is None:
            raise UnsupportedMediaType(f"cannot read {media_type}; send one of " + ", ".join(RDF_FORMATS))
        try:
            return list(parse(data, format=fmt, to_graph=self._graph(graph) if not fmt.supports_datasets else None))
        except SyntaxError as exc:
            raise QuerySyntaxError(f"the {media_type} body does not parse: {exc}") from exc

    def graph_replace(self, graph: str | None, data: bytes, media_type: str) -> bool:
        quads = self._parse(data, media_type, graph)
        existed = self.graph_exists(graph) and graph is not None
        if graph is None:
            self.store.clear_graph(DefaultGraph())
        elif existed:
            self.store.clear_graph(NamedNode(graph))
        self.store.extend(quads)
        if graph is not None and not quads:
            self.store.add_graph(NamedNode(graph))
        return not existed and graph is not None

    def graph_add(self, graph: str | None, data: bytes, media_type: str) -> bool:
        quads = self._parse(data, media_type, graph)
        created = graph is not None and not self.graph_exists(graph)
        self.store.extend(quads)
        if created and not quads:
            self.store.add_graph(NamedNode(graph))
        return created

    def graph_delete(self, graph: str | None) -> None:
        if graph is None:
            self.store.clear_graph(DefaultGraph())
            return
        if not self.graph_exists(graph):
            raise NotFound(f"no graph <{graph}> in this store")
        self.store.remove_graph(NamedNode(graph))

    def update(self, text: str, timeout: float) -> None:
        try:
            self.store.update(text)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, NamedNode))

    def triple_count(self) -> int:
        return len(self.store)

    def close(self) -> None:
        self.store = None  # type: ignore[assignment]
