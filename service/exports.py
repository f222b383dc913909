"""The whole graph, or one named graph, as GraphML or GEXF for Gephi, Cytoscape desktop and yEd.

The RDF becomes a directed multigraph (networkx writes both formats):
- an **edge** per triple whose object is an IRI or a blank node, except rdf:type; two properties
  between the same two resources are two edges;
- a **node** per IRI or blank node that is the subject of a triple or the target of an edge;
- literals and types become **attributes**: `label` (Chinese, else English), `label_zh`,
  `label_en`, `class` (the display class, nodes.CLASSES), `types` (class IRIs, space-separated) and
  `iri` on nodes; `predicate` and `label` on edges.
Node ids are n0, n1 … and edge ids e0, e1 …: GraphML ids are XML NMTOKENs, which an IRI is not.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from pyoxigraph import Literal, Triple

from reformkg.ontology.vocab import RDF

from .i18n import pick
from .nodes import NodeInfo, collect, local_name, node_id
from .store.base import Backend
from .store.results import construct

_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@dataclass(frozen=True)
class ExportFormat:
    media_type: str
    extension: str
    write: Callable[[nx.MultiDiGraph, io.BytesIO], None]


def write_gexf(g: nx.MultiDiGraph, out: io.BytesIO) -> None:
    """GEXF 1.2draft as its schema has it: networkx gives `<graph>` a `name` attribute, which the schema
    does not allow there, and strict readers refuse the document (tests/api/schemas/gexf-1.2draft)."""
    writer = GEXFWriter(version="1.2draft")
    writer.add_graph(g)
    del writer.graph_element.attrib["name"]
    writer.write(out)


FORMATS: dict[str, ExportFormat] = {
    "graphml": ExportFormat("application/graphml+xml", "graphml", nx.write_graphml),
    "gexf": ExportFormat("application/gexf+xml", "gexf", write_gexf),
}


def triples(backend: Backend, graph: str | None, *, timeout: float, max_rows: int) -> list[Triple]:
    """Every distinct triple of `graph` (None: the union of all graphs).

    Raises ResultTooLarge (from the backend) past `max_rows` triples.
    """
    return list(dict.fromkeys(construct(backend, _ALL, default_graphs=(graph,) if graph else (), timeout=timeout,
                                        max_rows=max_rows)))


def to_networkx(graph_triples: list[Triple]) -> nx.MultiDiGraph:
    info = collect(graph_triples)
    ids: dict[str, str] = {}

    def node(term) -> str:
        key = node_id(term)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            about = info.get(key) or NodeInfo(key)
            attributes = {"iri": key, "label": pick(about.labels, "zh") or local_name(key),
                          "class": about.display_class()}
            attributes.update({f"label_{lang}": about.labels[lang] for lang in ("zh", "en") if about.labels.get(lang)})
            if about.types:
                attributes["types"] = " ".join(about.types)
            g.add_node(ids[key], **attributes)
        return ids[key]

    g = nx.MultiDiGraph()
    for t in graph_triples:
        node(t.subject)
    links = [t for t in graph_triples if not isinstance(t.object, Literal) and t.predicate != RDF.type]
    for number, t in enumerate(links):
        predicate = t.predicate.value
        about = info.get(predicate)
        g.add_edge(node(t.subject), node(t.object), key=f"e{number}", predicate=predicate,
                   label=about.label("en") if about else local_name(predicate))
    return g


def export(backend: Backend, graph: str | None, fmt: str, *, timeout: float, max_rows: int) -> bytes:
    """The graph as a GraphML or GEXF document (`fmt` is a key of FORMATS)."""
    out = io.BytesIO()
    FORMATS[fmt].write(to_networkx(triples(backend, graph, timeout=timeout, max_rows=max_rows)), out)
    return out.getvalue()
