"""The dataset described: its VoID and DCAT description, its texts, and the dumps that give it whole.

The description (`/.well-known/void`, and `{base}dataset` dereferenced) joins what the build recorded in
the metadata graph (title, licence, sources, subsets) with statistics computed from the store as it is
now (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-3/).
"""
from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from reformkg.ontology.vocab import DCAT, DCTERMS, FOAF, RDF, VOID, XSD, Iris

from . import describe, statistics
from .store.base import Backend

DESCRIPTION = {
    "en": "A knowledge graph of government reform reports. Each report is read as published: its numbered "
          "reforms, their measures, the agencies that act, the groups they serve, the policy documents "
          "they cite, the places they name and every figure they report, each fact with the exact quote "
          "and character offsets it was read from.",
    "zh": "政府改革工作报告知识图谱：按报告原文抽取改革事项、举措、责任机构、服务对象、引用的政策文件、"
          "涉及的地点和报告的每一项指标数据，每条事实都附有原文引文及其字符位置。",
}
PUBLISHER = "reformkg contributors"
KEYWORDS = ("government reform", "civil affairs", "Chongqing", "knowledge graph", "政府改革", "民政", "重庆")
# Statistics the build wrote into the metadata graph; the description states them as they are now.
_COMPUTED = {VOID.triples.value, VOID.entities.value, VOID.classes.value, VOID.properties.value,
             VOID.distinctSubjects.value, VOID.distinctObjects.value}
IANA = "https://www.iana.org/assignments/media-types/"


DUMPS = {"reformkg.nq": "application/n-quads", "reformkg.trig": "application/trig", "reformkg.ttl": "text/turtle"}
"""File name → media type, in the order the pages list them."""


def dump_links() -> list[tuple[str, str, str]]:
    """(path, file name, media type) of each dump, for pages to link."""
    return [("/dumps/" + name, name, media_type) for name, media_type in DUMPS.items()]


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=XSD.integer)


def void_triples(backend: Backend, base: str, stats: statistics.Statistics) -> list[Triple]:
    """The VoID and DCAT description of the dataset: the metadata graph's statements and fresh statistics."""
    iris = Iris(base)
    ds = NamedNode(base + "dataset")
    stored = [t for t in describe.graph_triples(backend, iris.graph("metadata").value)
              if t.predicate.value not in _COMPUTED]
    out = list(stored)

    def add(s, p, o) -> None:
        out.append(Triple(s, p, o))

    for lang, text in DESCRIPTION.items():
        add(ds, DCTERMS.description, Literal(text, language=lang))
    publisher = BlankNode("publisher")
    add(ds, DCTERMS.publisher, publisher)
    add(publisher, RDF.type, FOAF.Organization)
    add(publisher, FOAF.name, Literal(PUBLISHER))
    for keyword in KEYWORDS:
        add(ds, DCAT.keyword, Literal(keyword, language="en" if keyword.isascii() else "zh"))
    add(ds, DCAT.landingPage, NamedNode(base))
    for predicate, n in ((VOID.triples, stats.triples), (VOID.entities, stats.entities),
                         (VOID.classes, len(stats.classes)), (VOID.properties, len(stats.properties)),
                         (VOID.distinctSubjects, stats.distinct_subjects),
                         (VOID.distinctObjects, stats.distinct_objects)):
        add(ds, predicate, _int(n))
    licence = next((t.object for t in stored if t.subject == ds and t.predicate == DCTERMS.license), None)
    endpoint = NamedNode(base + "sparql")
    add(ds, VOID.sparqlEndpoint, endpoint)
    service = BlankNode("sparql-service")
    add(service, RDF.type, DCAT.DataService)
    add(service, DCAT.endpointURL, endpoint)
    add(service, DCAT.servesDataset, ds)
    add(service, DCTERMS.conformsTo, NamedNode("https://www.w3.org/TR/sparql11-protocol/"))
    for name, media_type in DUMPS.items():
        url = NamedNode(base + "dumps/" + name)
        add(ds, VOID.dataDump, url)
        dist = BlankNode("dump-" + name.replace(".", "-"))
        add(ds, DCAT.distribution, dist)
        add(dist, RDF.type, DCAT.Distribution)
        add(dist, DCAT.downloadURL, url)
        add(dist, DCAT.accessURL, url)
        add(dist, DCAT.mediaType, NamedNode(IANA + media_type))
        if licence is not None:
            add(dist, DCTERMS.license, licence)
    sparql = BlankNode("dist-sparql")
    add(ds, DCAT.distribution, sparql)
    add(sparql, RDF.type, DCAT.Distribution)
    add(sparql, DCAT.accessURL, endpoint)
    add(sparql, DCAT.accessService, service)
    for graph, n in stats.graphs.items():
        add(ds, VOID.subset, NamedNode(graph))
        add(NamedNode(graph), RDF.type, VOID.Dataset)
        add(NamedNode(graph), VOID.triples, _int(n))
    for i, (cls, n) in enumerate(stats.classes.items()):
        part = BlankNode(f"class-{i}")
        add(ds, VOID.classPartition, part)
        add(part, VOID["class"], NamedNode(cls))
        add(part, VOID.entities, _int(n))
    for i, (prop, n) in enumerate(stats.properties.items()):
        part = BlankNode(f"property-{i}")
        add(ds, VOID.propertyPartition, part)
        add(part, VOID.property, NamedNode(prop))
        add(part, VOID.triples, _int(n))
    wikidata = BlankNode("wikidata")
    if stats.wikidata_links:
        add(wikidata, RDF.type, VOID.Dataset)
        add(wikidata, DCTERMS.title, Literal("Wikidata"))
        add(wikidata, FOAF.homepage, NamedNode("https://www.wikidata.org/"))
        add(wikidata, VOID.uriSpace, Literal(statistics.WIKIDATA))
    for i, (predicate, n) in enumerate(stats.wikidata_links.items()):
        linkset = BlankNode(f"linkset-{i}")
        add(ds, VOID.subset, linkset)
        add(linkset, RDF.type, VOID.Linkset)
        add(linkset, VOID.subjectsTarget, ds)
        add(linkset, VOID.objectsTarget, wikidata)
        add(linkset, VOID.linkPredicate, NamedNode(predicate))
        add(linkset, VOID.triples, _int(n))
    return out
