"""The dataset described and given whole: VoID and DCAT, the dumps, the JSON-LD context.

The description (`/.well-known/void`, and `{base}dataset` dereferenced) joins what the build recorded in
the metadata graph (title, licence, sources, subsets) with statistics computed from the store as it is
now (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-3/). The dumps are made from the
store on each request; their ETag is their content's hash, so it changes exactly when the store does.
"""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, current_app, render_template, request
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from reformkg.graph.vocab import DCAT, DCTERMS, FOAF, PREFIXES, RDF, VOID, XSD, Iris

from .. import cors, describe, jsonld, representations, statistics
from ..errors import NotFound
from ..i18n import language
from ..links import prefixed
from .resources import Labeller, ontology_graph, site

bp = Blueprint("dataset", __name__)
cors.allow_reads(bp, "GET, HEAD, OPTIONS")

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


def void_triples(stats: statistics.Statistics) -> list[Triple]:
    """The VoID and DCAT description of the dataset: the metadata graph's statements and fresh statistics."""
    settings = current_app.config["REFORMKG"]
    base, backend = settings.base_iri, current_app.extensions["reformkg.backend"]
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


def _dataset_page(stats: statistics.Statistics, alternates: list) -> str:
    backend = current_app.extensions["reformkg.backend"]
    lang = language(request)
    labeller = Labeller([], describe.term_labels(backend, ontology_graph()), lang, site())
    return render_template(
        "dataset.html", stats=stats, labeller=labeller, prefixed=prefixed, description=DESCRIPTION[lang],
        dumps=dump_links(), publisher=PUBLISHER, alternates=alternates, iri=site().iri("dataset"),
    )


def _describe_dataset(path: str, default: str) -> Response:
    asked = representations.requested(path, request.headers.get("Accept"), default=default)
    stats = statistics.compute(current_app.extensions["reformkg.backend"], current_app.config["REFORMKG"].base_iri)
    alternates = representations.alternates(asked.path)
    return representations.respond(asked, html=lambda: _dataset_page(stats, alternates),
                                   triples=lambda: void_triples(stats))


@bp.route("/.well-known/void")
@bp.route("/.well-known/void.<ext>")
def well_known_void(ext: str | None = None) -> Response:
    """VoID §7.2: the description at a well-known place; Turtle unless Accept asks otherwise."""
    representations.known_suffix(ext, "/.well-known/void")
    return _describe_dataset(request.path, "text/turtle")


@bp.route("/dataset")
@bp.route("/dataset.<ext>")
def dataset(ext: str | None = None) -> Response:
    """`{base}dataset` dereferenced: the same description, a page first."""
    representations.known_suffix(ext, "/dataset")
    return _describe_dataset(request.path, representations.HTML)


def _conditional(body: bytes, content_type: str, filename: str | None = None) -> Response:
    """An answer with a strong ETag (the body's hash) and its length; 304 when If-None-Match names it."""
    response = Response(body, content_type=content_type)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response.make_conditional(request)


def _quad_order(quad: Quad) -> tuple[str, str, str, str]:
    return str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object)


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    """The whole dataset as N-Quads or TriG, or the default graph (the union) as Turtle."""
    media_type = DUMPS.get(name)
    if media_type is None:
        raise NotFound(f"no dump {name}; there are " + ", ".join(DUMPS))
    backend = current_app.extensions["reformkg.backend"]
    nquads = b"".join(backend.dataset_get("application/n-quads").body)
    if media_type == "application/n-quads":
        body = nquads
    else:
        quads = sorted(parse(nquads, format=RdfFormat.N_QUADS), key=_quad_order)
        if media_type == "application/trig":
            body = serialize(quads, format=RdfFormat.TRIG, prefixes=PREFIXES)
        else:
            triples = sorted({Triple(q.subject, q.predicate, q.object) for q in quads}, key=representations.order)
            body = serialize(triples, format=RdfFormat.TURTLE, prefixes=PREFIXES)
    return _conditional(body, representations.content_type(media_type), name)


@bp.route("/context.jsonld")
def context() -> Response:
    """The JSON-LD context every JSON-LD answer refers to, generated from the vocabularies and the ontology."""
    ctx = jsonld.context(current_app.extensions["reformkg.backend"], ontology_graph())
    body = json.dumps({"@context": ctx}, ensure_ascii=False, indent=2).encode("utf-8")
    return _conditional(body, "application/ld+json")
