"""The SPARQL 1.1 Service Description the endpoint answers a GET without a query with.

https://www.w3.org/TR/sparql11-service-description/ — what the endpoint speaks, in which formats,
with which features, over which dataset.
"""
from __future__ import annotations

import io

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from . import formats
from .formats import Format

SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_FORMATS = "http://www.w3.org/ns/formats/"
# W3C's format IRIs (https://www.w3.org/ns/formats/) for what the endpoint answers in and takes.
RESULT_FORMATS = tuple(f.w3c for f in (*formats.offered(formats.RESULTS), *formats.offered(formats.GRAPH)) if f.w3c)
INPUT_FORMATS = tuple(f.w3c for f in formats.offered(formats.TRIPLES) if f.w3c)
PREFIXES = {"sd": SD, "formats": _FORMATS, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
_RDFS_COMMENT = NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
_WRITABLE = "writes (SPARQL Update, Graph Store Protocol at /store) need the update token"
_READ_ONLY = "read-only: SPARQL Update and Graph Store Protocol writes are off"
# sd:UnionDefaultGraph says what a query sees; where a write without a graph goes, and what the Graph
# Store Protocol's ?default names, it does not say, so the default graph says it (README, "Writing").
_DEFAULT_GRAPH = ("a query's default graph is the union of every named graph and of the store's own default "
                  "graph; the Graph Store Protocol's /store?default and an update without GRAPH read and write "
                  "the store's own default graph alone, which a build leaves empty")


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def describe(endpoint: str, graphs: list[str], *, writable: bool, federated: bool) -> list[Triple]:
    service, dataset, default = BlankNode("service"), BlankNode("dataset"), BlankNode("default")
    languages = ["SPARQL11Query"] + (["SPARQL11Update"] if writable else [])
    features = ["UnionDefaultGraph", "EmptyGraphs"] + (["BasicFederatedQuery"] if federated else [])
    triples = [
        Triple(service, _RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), NamedNode(endpoint)),
        *[Triple(service, _sd("supportedLanguage"), _sd(name)) for name in languages],
        *[Triple(service, _sd("feature"), _sd(name)) for name in features],
        *[Triple(service, _sd("resultFormat"), NamedNode(_FORMATS + name)) for name in RESULT_FORMATS],
        *[Triple(service, _sd("inputFormat"), NamedNode(_FORMATS + name)) for name in INPUT_FORMATS if writable],
        Triple(service, _sd("defaultEntailmentRegime"), NamedNode("http://www.w3.org/ns/entailment/Simple")),
        Triple(service, _RDFS_COMMENT, Literal(_WRITABLE if writable else _READ_ONLY)),
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default),
        Triple(default, _RDF_TYPE, _sd("Graph")),
        Triple(default, _RDFS_COMMENT, Literal(_DEFAULT_GRAPH)),
    ]
    for i, graph in enumerate(graphs):
        named, inner = BlankNode(f"named{i}"), BlankNode(f"graph{i}")
        triples += [
            Triple(dataset, _sd("namedGraph"), named),
            Triple(named, _RDF_TYPE, _sd("NamedGraph")),
            Triple(named, _sd("name"), NamedNode(graph)),
            Triple(named, _sd("graph"), inner),
            Triple(inner, _RDF_TYPE, _sd("Graph")),
        ]
    return triples


def serialise(triples: list[Triple], fmt: Format) -> bytes:
    out = io.BytesIO()
    fmt.write(triples, out, PREFIXES)
    return out.getvalue()
