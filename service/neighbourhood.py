"""A resource's neighbourhood, one or two links out, as Cytoscape.js elements.

Bounded by construction, so it is fast on any node however many links it has: each hop is one
query with a LIMIT, the node's own literal values one more with a LIMIT, and the labels and types of
the nodes found one query per nodes.DESCRIBE_CHUNK of them (at most MAX_LIMIT + 1 nodes). Links are those between
two IRIs; rdf:type links are left out (types are node attributes, and every instance linking to its
class would swamp the class) and so are blank nodes (a client could not ask for them again).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Literal

from .errors import BadRequest, NotFound
from .links import Site
from .nodes import NodeInfo, describe, local_name
from .sparql.terms import iri as iri_term
from .store.base import Backend
from .store.results import ask, select

MAX_DEPTH = 2
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
"""Most links one request returns."""
MAX_PROPERTIES = 200
"""Most literal values shown for the centre node."""

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# Each branch mentions ?node in a triple pattern, so a VALUES block binding it works as well as a
# substitution (queries/README.md, "How a parameter is bound").
_HOP1 = f"""
SELECT DISTINCT ?node ?s ?p ?o WHERE {{
  {{ ?node ?p ?o BIND(?node AS ?s) }} UNION {{ ?s ?p ?node BIND(?node AS ?o) }}
  FILTER(isIRI(?s) && isIRI(?o) && ?p != {_RDF_TYPE})
}}"""
_HOP2 = f"""
SELECT DISTINCT ?node ?s ?p ?o WHERE {{
  {{ ?node ?p1 ?mid }} UNION {{ ?mid ?p1 ?node }}
  FILTER(isIRI(?mid) && ?mid != ?node && ?p1 != {_RDF_TYPE})
  {{ ?mid ?p ?o BIND(?mid AS ?s) }} UNION {{ ?s ?p ?mid BIND(?mid AS ?o) }}
  FILTER(isIRI(?s) && isIRI(?o) && ?p != {_RDF_TYPE} && ?s != ?node && ?o != ?node)
}}"""
_LITERALS = "SELECT ?node ?p ?v WHERE { ?node ?p ?v FILTER(isLiteral(?v)) } ORDER BY ?p STR(?v)"
_KNOWN = "ASK { { ?node ?p ?o } UNION { ?s ?p ?node } }"


@dataclass(frozen=True)
class Edge:
    source: str
    predicate: str
    target: str


@dataclass
class Neighbourhood:
    center: str
    depth: int
    limit: int
    lang: str
    edges: list[Edge] = field(default_factory=list)
    nodes: dict[str, NodeInfo] = field(default_factory=dict)
    properties: list[tuple[str, Literal]] = field(default_factory=list)
    truncated: bool = False


def neighbourhood(backend: Backend, iri: str, *, depth: int = 1, limit: int = DEFAULT_LIMIT, lang: str = "zh",
                  timeout: float = 30.0) -> Neighbourhood:
    """The links within `depth` hops of `iri`, at most `limit` of them, nearest first.

    Raises BadRequest for an IRI that is not absolute, a depth other than 1 or 2 or a limit out of
    1..MAX_LIMIT, and NotFound when the store has no triple about the IRI.
    """
    if depth not in range(1, MAX_DEPTH + 1):
        raise BadRequest(f"depth must be 1 or {MAX_DEPTH}, not {depth}")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    node = {"node": iri_term(iri)}
    result = Neighbourhood(iri, depth, limit, lang)
    # Each hop's rows are distinct links, none of them the other hop's (the second leaves out the links
    # of the node itself), so a hop that returns more rows than there is room for had links to cut;
    # with no room left it is still asked for one, to know whether it had any.
    for hop in (_HOP1, _HOP2)[:depth]:
        room = limit - len(result.edges)
        rows = select(backend, f"{hop}\nLIMIT {room + 1}", node, timeout=timeout, max_rows=room + 1)
        result.edges += [Edge(row["s"].value, row["p"].value, row["o"].value) for row in rows[:room]]
        if len(rows) > room:
            result.truncated = True
            break
    rows = select(backend, f"{_LITERALS}\nLIMIT {MAX_PROPERTIES}", node, timeout=timeout, max_rows=MAX_PROPERTIES)
    result.properties = [(r["p"].value, r["v"]) for r in rows]
    if not result.edges and not result.properties and not ask(backend, _KNOWN, node, timeout=timeout):
        raise NotFound(f"the graph has nothing about <{iri}>")
    ids = [iri, *dict.fromkeys(n for e in result.edges for n in (e.source, e.target) if n != iri)]
    predicates = {e.predicate for e in result.edges} | {p for p, _ in result.properties}
    extra = sorted(predicates - set(ids))
    result.nodes = describe(backend, ids + extra, timeout=timeout, max_rows=(len(ids) + len(extra)) * 50)
    return result


def to_cytoscape(n: Neighbourhood, site: Site) -> dict:
    """Cytoscape.js JSON: `elements.nodes` and `elements.edges`, each `{"data": {…}, "classes": …}`."""
    def label(iri: str) -> str:
        return n.nodes[iri].label(n.lang) if iri in n.nodes else local_name(iri)

    ids = [n.center, *dict.fromkeys(x for e in n.edges for x in (e.source, e.target) if x != n.center)]
    nodes = []
    for iri in ids:
        info = n.nodes[iri]
        cls = info.display_class()
        nodes.append({"data": {"id": iri, "label": label(iri), "class": cls, "types": info.types,
                               "page": site.href(iri), "center": iri == n.center},
                      "classes": cls})
    edges = [{"data": {"id": f"{e.source} {e.predicate} {e.target}", "source": e.source, "target": e.target,
                       "predicate": e.predicate, "label": label(e.predicate)}} for e in n.edges]
    properties = [{"predicate": p, "label": label(p), "value": v.value, "lang": v.language,
                   "datatype": v.datatype.value if v.language is None else None} for p, v in n.properties]
    return {"center": n.center, "depth": n.depth, "limit": n.limit, "lang": n.lang, "truncated": n.truncated,
            "elements": {"nodes": nodes, "edges": edges}, "properties": properties}

