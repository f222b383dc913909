"""The ontology, concept schemes and SHACL shapes in ontology/.

They parse; every rkg: term is documented in Chinese and English; they cover every class and term
ontology/MODEL.md names; and the shapes accept the example graph MODEL.md gives and reject the same
graph with one thing broken, for that reason only.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import re
from pathlib import Path

import owlrl
import pyoxigraph
import pyshacl
import pytest
from rdflib import OWL, RDF, RDFS, SH, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
MODEL_MD = ONTOLOGY_DIR / "MODEL.md"
SOURCE = ROOT / "graph" / "sources" / "cq-civil-affairs-2022-ten-reforms.txt"

ONTOLOGY_IRI = URIRef("https://w3id.org/reformkg/ontology")
BASE = "https://w3id.org/reformkg/"
RKG = Namespace("https://w3id.org/reformkg/ontology#")
RKGSH = Namespace("https://w3id.org/reformkg/shapes#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
QB = Namespace("http://purl.org/linked-data/cube#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
QUDT_CURRENCY = Namespace("http://qudt.org/vocab/currency/")

PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _parse(name: str) -> Graph:
    return Graph().parse(ONTOLOGY_DIR / name, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _parse("reformkg.ttl")


@pytest.fixture(scope="module")
def schemes() -> Graph:
    return _parse("schemes.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return _parse("shapes.ttl")


def _rkg_terms(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(str(RKG))}


def _langs(graph: Graph, subject: Node, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


# ---------------------------------------------------------------------------------------------------
# Parsing and documentation
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reformkg.ttl", "schemes.ttl", "shapes.ttl"])
def test_file_parses_with_rdflib_and_pyoxigraph_alike(name: str) -> None:
    path = ONTOLOGY_DIR / name
    triples = list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(Graph().parse(path, format="turtle")) == len(triples) > 0


def test_ontology_header_names_title_licence_version_and_namespace(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert _langs(ontology, ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/title")) == {"zh", "en"}
    assert _langs(ontology, ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/description")) == {"zh", "en"}
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    vann = Namespace("http://purl.org/vocab/vann/")
    assert ontology.value(ONTOLOGY_IRI, vann.preferredNamespacePrefix) == Literal("rkg")
    assert ontology.value(ONTOLOGY_IRI, vann.preferredNamespaceUri) == Literal(str(RKG))
    assert not list(ontology.objects(None, OWL.imports)), "the build is offline: no owl:imports"


def test_every_rkg_term_has_a_label_and_a_comment_in_chinese_and_english(ontology: Graph) -> None:
    undocumented = {
        term.n3(ontology.namespace_manager): (_langs(ontology, term, RDFS.label), _langs(ontology, term, RDFS.comment))
        for term in _rkg_terms(ontology)
        if not {"zh", "en"} <= _langs(ontology, term, RDFS.label)
        or not {"zh", "en"} <= _langs(ontology, term, RDFS.comment)
    }
    assert undocumented == {}


def test_every_rkg_term_is_defined_by_the_ontology(ontology: Graph) -> None:
    assert {t for t in _rkg_terms(ontology) if (t, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology} == set()


def test_every_external_term_declared_is_labelled_in_chinese_and_english(ontology: Graph) -> None:
    declared = {
        s
        for kind in (OWL.Class, *PROPERTY_KINDS)
        for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and not s.startswith(str(RKG))
    }
    assert declared
    assert {t for t in declared if not {"zh", "en"} <= _langs(ontology, t, RDFS.label)} == set()


def _model_md_rkg_terms() -> set[URIRef]:
    return {RKG[local] for local in re.findall(r"rkg:([A-Za-z]+)", MODEL_MD.read_text(encoding="utf-8"))}


def test_every_rkg_term_model_md_names_is_declared(ontology: Graph) -> None:
    assert _model_md_rkg_terms() - _rkg_terms(ontology) == set()


def test_every_rkg_property_has_one_kind_a_domain_and_a_range(ontology: Graph) -> None:
    properties = {
        t for t in _rkg_terms(ontology) if {OWL.ObjectProperty, OWL.DatatypeProperty} & set(ontology.objects(t, RDF.type))
    }
    assert properties == {t for t in _model_md_rkg_terms() if t.fragment[0].islower()}
    for prop in properties:
        kinds = set(ontology.objects(prop, RDF.type)) & set(PROPERTY_KINDS)
        assert len(kinds) == 1, prop
        assert ontology.value(prop, RDFS.domain) is not None, prop
        assert ontology.value(prop, RDFS.range) is not None, prop


def test_no_property_is_declared_as_two_kinds(ontology: Graph) -> None:
    kinds: dict[Node, set[Node]] = {}
    for kind in PROPERTY_KINDS:
        for prop in ontology.subjects(RDF.type, kind):
            kinds.setdefault(prop, set()).add(kind)
    assert {p: k for p, k in kinds.items() if len(k) > 1} == {}


def test_indicator_structure_is_keyed_by_reform_quantity_period_and_programme(ontology: Graph) -> None:
    """The Data Cube structure MODEL.md gives: four dimensions in order, one measure, three required
    attributes, and no evidence span among the dimensions (the four keep IC-12 on their own)."""
    components = list(ontology.objects(RKG.IndicatorStructure, QB.component))
    dimensions = {
        (ontology.value(c, QB.dimension), ontology.value(c, QB.order).toPython())
        for c in components
        if ontology.value(c, QB.dimension) is not None
    }
    assert dimensions == {(RKG.reform, 1), (RKG.counts, 2), (SDMX_DIMENSION.refPeriod, 3), (RKG.programme, 4)}
    assert {ontology.value(c, QB.measure) for c in components} - {None} == {SDMX_MEASURE.obsValue}
    attributes = {
        (ontology.value(c, QB.attribute), ontology.value(c, QB.componentRequired))
        for c in components
        if ontology.value(c, QB.attribute) is not None
    }
    assert attributes == {
        (SDMX_ATTRIBUTE.unitMeasure, Literal(True)),
        (RKG.approximate, Literal(True)),
        (RKG.indicatorKind, Literal(True)),
    }
    assert (RKG.IndicatorStructure, RDF.type, QB.DataStructureDefinition) in ontology
    for dimension, _ in dimensions:
        assert (dimension, RDF.type, QB.DimensionProperty) in ontology, dimension
        assert ontology.value(dimension, RDFS.range) is not None, f"{dimension} breaks IC-4: no rdfs:range"
    assert (RKG.counts, QB.codeList, URIRef(BASE + "scheme/quantities")) in ontology
    assert (RKG.indicatorKind, RDF.type, QB.AttributeProperty) in ontology


def test_no_programme_is_the_sdmx_not_applicable_code(ontology: Graph) -> None:
    assert ontology.value(RKG.NoProgramme, SKOS.notation) == Literal("_Z")
    assert _langs(ontology, RKG.NoProgramme, RDFS.label) == {"zh", "en"}


ROLES = {RKG.PublisherRole, RKG.LeadRole, RKG.CoActorRole, RKG.ImplementerRole}


def _allowed_values(shapes: Graph, node_shape: URIRef, path: URIRef) -> set[Node]:
    """The sh:in list of the property shape of `node_shape` on `path`."""
    (allowed,) = [
        shapes.value(p, SH["in"]) for p in shapes.objects(node_shape, SH.property) if shapes.value(p, SH.path) == path
    ]
    return set(Collection(shapes, allowed))


def test_the_four_roles_are_prov_roles_labelled_in_chinese_and_english(ontology: Graph, shapes: Graph) -> None:
    assert set(ontology.subjects(RDF.type, PROV.Role)) == ROLES
    for role in ROLES:
        assert _langs(ontology, role, RDFS.label) == {"zh", "en"}, role
    assert _allowed_values(shapes, RKGSH.AssociationShape, PROV.hadRole) == ROLES


DOCUMENT_RELATIONS = (RKG.implements, RKG.issues, RKG.revises, RKG.drafts)


def test_document_relations_are_sub_properties_of_dcterms_references(ontology: Graph) -> None:
    for relation in DOCUMENT_RELATIONS:
        assert (relation, RDFS.subPropertyOf, DCTERMS.references) in ontology, relation
        assert ontology.value(relation, RDFS.domain) == PROV.Activity, relation
        assert ontology.value(relation, RDFS.range) == RKG.PolicyDocument, relation


# ---------------------------------------------------------------------------------------------------
# Concept schemes
# ---------------------------------------------------------------------------------------------------


def _units(schemes: Graph) -> set[Node]:
    return set(schemes.subjects(SKOS.inScheme, URIRef(BASE + "scheme/units")))


def test_every_unit_has_a_plain_notation_labels_and_a_qudt_match(schemes: Graph) -> None:
    units = _units(schemes)
    assert len(units) == 27  # 18 for the packaged report, 9 more words of the genre (件, 起, 个百分点 …)
    for unit in units:
        notation = schemes.value(unit, SKOS.notation)
        assert isinstance(notation, Literal) and notation.datatype is None and notation.language is None, unit
        assert _langs(schemes, unit, SKOS.prefLabel) == {"zh", "en"}, unit
        assert str(unit).startswith(BASE + "unit/") and re.fullmatch(r"[a-z]+(-[a-z]+)*", str(unit).rsplit("/", 1)[1])
        assert list(schemes.objects(unit, SKOS.exactMatch)) or list(schemes.objects(unit, SKOS.closeMatch)), unit
    notations = {str(schemes.value(u, SKOS.notation)) for u in units}
    assert len(notations) == len(units), "two units share a notation"


def test_yuan_and_percent_match_qudt_exactly(schemes: Graph) -> None:
    assert (URIRef(BASE + "unit/yuan"), SKOS.exactMatch, QUDT_CURRENCY.CNY) in schemes
    assert (URIRef(BASE + "unit/percent"), SKOS.exactMatch, QUDT_UNIT.PERCENT) in schemes
    assert (URIRef(BASE + "unit/person-time"), SKOS.closeMatch, QUDT_UNIT.NUM) in schemes


# Characters that follow a number in the source without being a measure word: a year (2022年),
# the date 2023-02-06, the span 2021—2035 and its bracket. 110余万 is a bare count whose noun
# (低收入人口) is its unit.
NOT_MEASURE_WORDS = ("年", "-", "—", ")", "）", "低")


def test_every_measure_word_after_a_number_in_the_source_is_a_unit(schemes: Graph) -> None:
    notations = {str(schemes.value(u, SKOS.notation)) for u in _units(schemes)}
    text = SOURCE.read_text(encoding="utf-8")
    missing = []
    for number in re.finditer(r"(?<![A-Za-z0-9.\-])\d+(?:\.\d+)?(?:余|多)?[万亿]?(?:余|多)?", text):
        line_start = text.rfind("\n", 0, number.start()) + 1
        if not text[line_start : number.start()].strip():
            continue  # a list marker or a reform's heading number (01持续…)
        rest = text[number.end() :]
        if not rest.startswith(NOT_MEASURE_WORDS) and not any(rest.startswith(n) for n in notations):
            missing.append(text[number.start() : number.end() + 3])
    assert missing == []


def test_every_programme_kind_has_labels_and_distinct_trigger_words(schemes: Graph) -> None:
    kinds = set(schemes.subjects(SKOS.inScheme, URIRef(BASE + "scheme/programme-kinds")))
    assert {str(k).rsplit("/", 1)[1] for k in kinds} == {
        "mechanism", "programme", "model", "platform", "policy", "project",
        "campaign", "award", "brand", "system", "event",
    }  # fmt: skip
    triggers = [str(a) for k in kinds for a in schemes.objects(k, SKOS.altLabel) if a.language == "zh"]
    assert len(triggers) == len(set(triggers)) >= len(kinds)
    for kind in kinds:
        assert _langs(schemes, kind, SKOS.prefLabel) == {"zh", "en"}, kind


INDICATOR_KINDS = ("achievement", "cumulative", "standard", "rate", "target", "change")


def test_indicator_kinds_scheme_has_exactly_the_six_kinds(schemes: Graph, shapes: Graph) -> None:
    scheme = URIRef(BASE + "scheme/indicator-kinds")
    kinds = {URIRef(BASE + "indicator-kind/" + kind) for kind in INDICATOR_KINDS}
    assert (scheme, RDF.type, SKOS.ConceptScheme) in schemes
    assert set(schemes.subjects(SKOS.inScheme, scheme)) == kinds
    assert set(schemes.objects(scheme, SKOS.hasTopConcept)) == kinds
    for kind in kinds:
        assert (kind, RDF.type, SKOS.Concept) in schemes, kind
        assert schemes.value(kind, SKOS.notation) == Literal(str(kind).rsplit("/", 1)[1]), kind
        assert _langs(schemes, kind, SKOS.prefLabel) == {"zh", "en"}, kind
    assert _allowed_values(shapes, RKGSH.IndicatorShape, RKG.indicatorKind) == kinds


# ---------------------------------------------------------------------------------------------------
# The shapes graph
# ---------------------------------------------------------------------------------------------------


def test_shapes_graph_conforms_to_shacl_for_shacl(shapes: Graph) -> None:
    shacl_shacl = importlib.resources.files("pyshacl") / "assets" / "shacl-shacl.ttl"
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=Graph().parse(str(shacl_shacl), format="turtle"))
    assert conforms, text


def _model_md_prefixes() -> dict[str, str]:
    rows = re.findall(r"^\| `([\w-]+):` \| `([^`]+)`", MODEL_MD.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(rows)


def _model_md_classes() -> set[URIRef]:
    """The classes MODEL.md's resource headings type with, e.g. '### Place — `…` a `dcterms:Location`, `schema:Place`'.

    A parenthesised superclass, as in 'a `rkg:Programme` (⊑ `rkg:Measure`)', is not one of them.
    """
    prefixes = _model_md_prefixes()
    classes = set()
    for types in re.findall(r"^### .*? a ([^(\n]+)", MODEL_MD.read_text(encoding="utf-8"), re.MULTILINE):
        for prefix, local in re.findall(r"`([\w-]+):(\w+)`", types):
            classes.add(URIRef(prefixes[prefix] + local))
    return classes


def test_every_class_in_model_md_headings_has_a_node_shape(shapes: Graph) -> None:
    classes = _model_md_classes()
    assert {RKG.Report, RKG.Indicator, OA.SpecificResource, SKOS.Concept} <= classes, "MODEL.md headings unread"
    targeted = {c for s in shapes.subjects(RDF.type, SH.NodeShape) for c in shapes.objects(s, SH.targetClass)}
    assert classes - targeted == set()


def test_every_shape_says_what_it_checks(shapes: Graph) -> None:
    """Node shapes have a label and a comment; their property shapes a name and a message."""
    node_shapes = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    for shape in node_shapes:
        assert shapes.value(shape, RDFS.label) and shapes.value(shape, RDFS.comment), shape
    property_shapes = {p for s in node_shapes for p in shapes.objects(s, SH.property)}
    for shape in property_shapes:
        assert shapes.value(shape, SH.name) and shapes.value(shape, SH.message), shape


# ---------------------------------------------------------------------------------------------------
# A sample graph: the example MODEL.md gives, and what breaks it
# ---------------------------------------------------------------------------------------------------

R = "report/cq-civil-affairs-2022/"
TEXT = URIRef(BASE + R + "text")


def _model_md_example() -> Graph:
    """The graph of MODEL.md's example, its one ```turtle block."""
    blocks = re.findall(r"^```turtle\n(.*?)^```$", MODEL_MD.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "MODEL.md has exactly one ```turtle block, the example"
    return Graph().parse(data=blocks[0], format="turtle")


def _span_triples(text: str, span: URIRef) -> list[tuple[Node, Node, Node]]:
    """The triples of an evidence span, as MODEL.md's Span section has the graph write them."""
    start, end = (int(n) for n in str(span).rsplit("/", 1)[1].split("-"))
    quote, position = URIRef(f"{span}#quote"), URIRef(f"{span}#position")
    triples = [
        (span, RDF.type, OA.SpecificResource),
        (span, OA.hasSource, TEXT),
        (span, OA.hasSelector, quote),
        (span, OA.hasSelector, position),
        (quote, RDF.type, OA.TextQuoteSelector),
        (quote, OA.exact, Literal(text[start:end])),
        (position, RDF.type, OA.TextPositionSelector),
        (position, OA.start, Literal(str(start), datatype=XSD.nonNegativeInteger)),
        (position, OA.end, Literal(str(end), datatype=XSD.nonNegativeInteger)),
    ]
    if start > 0:
        triples.append((quote, OA.prefix, Literal(text[max(0, start - 16) : start])))
    if end < len(text):
        triples.append((quote, OA.suffix, Literal(text[end : end + 16])))
    return triples


def _sample() -> Graph:
    """MODEL.md's example with every span it cites written out (the example writes out one; where it
    differs from the rule, the span gets two values and fails the shapes)."""
    sample = _model_md_example()
    text = str(sample.value(TEXT, RDF.value))
    for span in set(sample.objects(None, RKG.evidence)):
        for triple in _span_triples(text, span):
            sample.add(triple)
    return sample


def _validate(data: Graph, shapes: Graph, ontology: Graph, schemes: Graph, **options) -> tuple[bool, Graph, str]:
    """Validate data as MODEL.md asks: together with the ontology and the concept schemes."""
    return pyshacl.validate(data + ontology + schemes, shacl_graph=shapes, **options)


def test_example_spans_quote_what_the_breakages_below_rely_on() -> None:
    text = str(_model_md_example().value(TEXT, RDF.value))
    assert text[0:14] == "01持续深化社会救助体制改革"
    assert text[34:49] == "关于改革完善社会救助制度的意见"
    assert text[56:65] == "一门受理、协同办理"
    assert text[86:93] == "8.23万件次"
    assert text[111:116] == "110余万"


def test_every_statement_iri_in_the_example_is_the_sha1_of_its_triple() -> None:
    sample = _model_md_example()
    statements = set(sample.subjects(RDF.type, RDF.Statement))
    assert len(statements) >= 10
    for statement in statements:
        s, p, o = (sample.value(statement, term) for term in (RDF.subject, RDF.predicate, RDF.object))
        digest = hashlib.sha1(f"{s} {p} {o}".encode("utf-8")).hexdigest()[:16]
        assert statement == URIRef(f"{BASE}{R}statement/{digest}"), (s, p, o)


def test_sample_written_to_model_md_conforms(shapes: Graph, ontology: Graph, schemes: Graph) -> None:
    conforms, _, text = _validate(_sample(), shapes, ontology, schemes)
    assert conforms, text


def test_ontology_and_schemes_alone_conform(shapes: Graph, ontology: Graph, schemes: Graph) -> None:
    conforms, _, text = _validate(Graph(), shapes, ontology, schemes)
    assert conforms, text


UPDATE_PROLOGUE = f"""
BASE <{BASE}>
PREFIX rkg: <{RKG}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX xsd: <{XSD}>
PREFIX skos: <{SKOS}>
PREFIX oa: <{OA}>
PREFIX prov: <{PROV}>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX dcterms: <{DCTERMS}>
PREFIX sdmx-measure: <{SDMX_MEASURE}>
PREFIX sdmx-attribute: <{SDMX_ATTRIBUTE}>
"""


def _updated_sample(update: str) -> Graph:
    sample = _sample()
    sample.update(UPDATE_PROLOGUE + update)
    return sample


def test_a_report_without_english_curation_builds_with_warnings(
    shapes: Graph, ontology: Graph, schemes: Graph
) -> None:
    sample = _updated_sample(
        """
        DELETE { ?s ?p ?o } WHERE {
            ?s ?p ?o .
            FILTER (?p IN (rdfs:label, dcterms:title, dcterms:abstract, skos:prefLabel)
                    && LANGMATCHES(LANG(?o), "en")
                    && !STRSTARTS(STR(?s), STR(<period/>)))
        }"""
    )
    conforms, report, text = _validate(sample, shapes, ontology, schemes, allow_warnings=True)
    assert conforms, text
    assert set(report.objects(None, SH.resultSeverity)) == {SH.Warning}


DCTERMS_TITLE = DCTERMS["title"]
REPORT = "report/cq-civil-affairs-2022"
ASSOCIATION = R + "reform/1/association/publisher/cq-civil-affairs"
QUANTITY = "quantity/x-0016eb6e9f"


def _statement(digest: str) -> str:
    return f"{R}statement/{digest}"


def _without_statement(digest: str) -> str:
    return f"DELETE WHERE {{ <{_statement(digest)}> ?p ?o }}"


# (what breaks; the SPARQL Update that breaks it; every violation that follows, as (focus node relative
# to BASE, the shape that reports it or its path or the property of its inverse path)). The test asks
# for each of these and for nothing else, so a broken sample fails for its intended reason only.
BREAKAGES = [
    (
        "reform_without_number",
        f"DELETE WHERE {{ <{R}reform/1> rkg:number ?n }}",
        [(R + "reform/1", RKG.number)],
    ),
    (
        "reform_title_only_in_english",
        f'DELETE DATA {{ <{R}reform/1> dcterms:title "持续深化社会救助体制改革"@zh }}',
        [(R + "reform/1", DCTERMS_TITLE)],
    ),
    (
        "reform_missing_from_its_report",
        f"DELETE WHERE {{ ?report rkg:hasReform <{R}reform/1> }}",
        [(R + "reform/1", RKG.hasReform), (REPORT, RKG.hasReform)],
    ),
    (
        "measure_not_listed_by_its_reform",
        "DELETE WHERE { ?reform rkg:hasMeasure ?measure }",
        [(R + "reform/1/measure/1", RKGSH.MeasureKindShape), (R + "reform/1/measure/2", RKGSH.MeasureKindShape)],
    ),
    (
        "programme_listed_as_an_item",
        f"INSERT DATA {{ <{R}reform/1> rkg:hasMeasure <programme/one-door-coordinated-handling> }}",
        [
            ("programme/one-door-coordinated-handling", RKGSH.MeasureItemShape),
            ("programme/one-door-coordinated-handling", DCTERMS_TITLE),
            ("programme/one-door-coordinated-handling", RKG.number),
        ],
    ),
    (
        "programme_without_kind",
        "DELETE WHERE { <programme/one-door-coordinated-handling> rkg:programmeKind ?kind }",
        [("programme/one-door-coordinated-handling", RKG.programmeKind)],
    ),
    (
        "indicator_without_unit",
        f"DELETE WHERE {{ <{R}indicator/1> sdmx-attribute:unitMeasure ?unit }}",
        [(R + "indicator/1", SDMX_ATTRIBUTE.unitMeasure)],
    ),
    (
        "indicator_unit_outside_the_units_scheme",
        f"""INSERT DATA {{ <unit/widget> a skos:Concept ; skos:inScheme <scheme/programme-kinds> ;
                             skos:notation "件" ; skos:prefLabel "件"@zh , "item"@en }} ;
            DELETE DATA {{ <{R}indicator/1> sdmx-attribute:unitMeasure <unit/case-time> }} ;
            INSERT DATA {{ <{R}indicator/1> sdmx-attribute:unitMeasure <unit/widget> }}""",
        [("unit/widget", SKOS.inScheme)],
    ),
    (
        "indicator_value_typed_integer",
        f"""DELETE DATA {{ <{R}indicator/1> sdmx-measure:obsValue "82300"^^xsd:decimal }} ;
            INSERT DATA {{ <{R}indicator/1> sdmx-measure:obsValue 82300 }}""",
        [(R + "indicator/1", SDMX_MEASURE.obsValue)],
    ),
    (
        "qualified_indicator_not_approximate",
        f"""DELETE DATA {{ <{R}indicator/2> rkg:approximate true }} ;
            INSERT DATA {{ <{R}indicator/2> rkg:approximate false }}""",
        [(R + "indicator/2", RKGSH.QualifierShape)],
    ),
    (
        "indicator_in_an_item_of_another_reform",
        f"DELETE WHERE {{ <{R}reform/1/measure/1> rkg:reform ?reform }}",
        [
            (R + "indicator/1", RKGSH.IndicatorItemShape),
            (R + "reform/1/measure/1", RKG.reform),
            (R + "reform/1/measure/1", RKG.hasMeasure),
        ],
    ),
    (
        "indicator_without_quantity",
        f"DELETE WHERE {{ <{R}indicator/1> rkg:counts ?quantity }}",
        [(R + "indicator/1", RKG.counts)],
    ),
    (
        "quantity_outside_the_quantities_scheme",
        f"""DELETE DATA {{ <{QUANTITY}> skos:inScheme <scheme/quantities> }} ;
            INSERT DATA {{ <{QUANTITY}> skos:inScheme <scheme/periods> }}""",
        [(R + "indicator/1", RKG.counts)],
    ),
    (
        "indicator_without_kind",
        f"DELETE WHERE {{ <{R}indicator/1> rkg:indicatorKind ?kind }}",
        [(R + "indicator/1", RKG.indicatorKind)],
    ),
    (
        "indicator_kind_outside_the_six",
        f"""DELETE WHERE {{ <{R}indicator/1> rkg:indicatorKind ?kind }} ;
            INSERT DATA {{ <{R}indicator/1> rkg:indicatorKind <indicator-kind/estimate> }}""",
        [(R + "indicator/1", RKG.indicatorKind)],
    ),
    (
        "indicator_without_programme",
        f"DELETE DATA {{ <{R}indicator/2> rkg:programme rkg:NoProgramme }}",
        [(R + "indicator/2", RKG.programme)],
    ),
    (
        "indicator_with_a_programme_and_no_programme",
        f"INSERT DATA {{ <{R}indicator/1> rkg:programme rkg:NoProgramme }}",
        [(R + "indicator/1", RKG.programme)],
    ),
    (
        "two_indicators_with_the_same_reform_quantity_period_and_programme",
        f"""DELETE WHERE {{ ?statement rdf:subject <{R}indicator/1> ; rdf:predicate rkg:programme ; ?p ?o }} ;
            DELETE DATA {{ <{R}indicator/1> rkg:programme <programme/one-door-coordinated-handling> .
                           <{R}indicator/2> rkg:counts <quantity/x-d12c3b4199> }} ;
            INSERT DATA {{ <{R}indicator/1> rkg:programme rkg:NoProgramme .
                           <{R}indicator/2> rkg:counts <{QUANTITY}> }}""",
        [(R + "indicator/1", RKGSH.IndicatorLabelUniqueShape), (R + "indicator/2", RKGSH.IndicatorLabelUniqueShape)],
    ),
    (
        "reform_link_without_evidence",
        _without_statement("d51079912f61b5dc"),
        [(REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "publisher_link_without_evidence",
        _without_statement("116d20b433333934"),
        [(REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "measure_link_without_evidence",
        _without_statement("7ae1cfc94cb4e4c9"),
        [(REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "document_relation_without_evidence",
        _without_statement("e575a675d4d01b54"),
        [(REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "document_issuer_without_evidence",
        _without_statement("201516dd2b530d31"),
        [(REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "indicator_link_without_evidence",
        _without_statement("39fb50d530e3d218"),
        [(REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "indicator_programme_without_evidence",
        _without_statement("4b141270b9521e29"),
        [(REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "statement_without_evidence",
        f"DELETE WHERE {{ <{_statement('6b8437d8403b7c64')}> rkg:evidence ?span }}",
        [(_statement("6b8437d8403b7c64"), RKG.evidence), (REPORT, RKGSH.EveryLinkHasEvidenceShape)],
    ),
    (
        "statement_of_a_link_not_asserted",
        f"""INSERT DATA {{ <{_statement('0000000000000000')}> a rdf:Statement ;
                rdf:subject <{R}reform/1> ; rdf:predicate rkg:targetGroup ; rdf:object <target-group/people-in-difficulty> ;
                rkg:evidence <{R}span/0-14> }}""",
        [(_statement("0000000000000000"), RKGSH.StatementShape)],
    ),
    (
        "association_without_role",
        f"DELETE WHERE {{ <{ASSOCIATION}> prov:hadRole ?role }}",
        [(ASSOCIATION, PROV.hadRole)],
    ),
    (
        "association_with_a_role_not_of_the_four",
        f"""DELETE WHERE {{ <{ASSOCIATION}> prov:hadRole ?role }} ;
            INSERT DATA {{ <{ASSOCIATION}> prov:hadRole <role/issuer> }}""",
        [(ASSOCIATION, PROV.hadRole)],
    ),
    (
        "association_of_an_agent_that_is_no_agency",
        f"""DELETE WHERE {{ <{ASSOCIATION}> prov:agent ?agency }} ;
            INSERT DATA {{ <{ASSOCIATION}> prov:agent <place/chongqing> }}""",
        [(ASSOCIATION, PROV.agent)],
    ),
    (
        "association_without_evidence",
        f"DELETE WHERE {{ <{ASSOCIATION}> rkg:evidence ?span }}",
        [(ASSOCIATION, RKG.evidence)],
    ),
    (
        "association_of_no_activity",
        f"DELETE WHERE {{ ?activity prov:qualifiedAssociation <{ASSOCIATION}> }}",
        [(ASSOCIATION, PROV.qualifiedAssociation)],
    ),
    (
        "quote_that_is_not_the_text_at_its_position",
        f"""DELETE DATA {{ <{R}span/86-93#quote> oa:exact "8.23万件次" }} ;
            INSERT DATA {{ <{R}span/86-93#quote> oa:exact "8.23万件" }}""",
        [(R + "span/86-93", RKGSH.SpanTextShape)],
    ),
    (
        "prefix_that_is_not_the_text_before_the_span",
        f"""DELETE WHERE {{ <{R}span/86-93#quote> oa:prefix ?prefix }} ;
            INSERT DATA {{ <{R}span/86-93#quote> oa:prefix "受理救助" }}""",
        [(R + "span/86-93", RKGSH.SpanTextShape)],
    ),
    (
        "suffix_that_is_not_the_text_after_the_span",
        f"""DELETE WHERE {{ <{R}span/86-93#quote> oa:suffix ?suffix }} ;
            INSERT DATA {{ <{R}span/86-93#quote> oa:suffix "二是" }}""",
        [(R + "span/86-93", RKGSH.SpanTextShape)],
    ),
    (
        "span_iri_that_is_not_its_position",
        # Renamed wherever it occurs, so only the name is wrong.
        f"""DELETE {{ ?s ?p ?o }} INSERT {{ ?renamedS ?p ?renamedO }}
            WHERE {{
                BIND (<{R}span/0-14> AS ?old)
                ?s ?p ?o .
                FILTER (?s = ?old || ?o = ?old)
                BIND (IF(?s = ?old, <{R}span/1-15>, ?s) AS ?renamedS)
                BIND (IF(?o = ?old, <{R}span/1-15>, ?o) AS ?renamedO)
            }}""",
        [(R + "span/1-15", RKGSH.SpanTextShape)],
    ),
    (
        "position_that_starts_at_its_end",
        # The text at the new position is not the quote either.
        f"""DELETE DATA {{ <{R}span/86-93#position> oa:start "86"^^xsd:nonNegativeInteger }} ;
            INSERT DATA {{ <{R}span/86-93#position> oa:start "93"^^xsd:nonNegativeInteger }}""",
        [(R + "span/86-93#position", OA["start"]), (R + "span/86-93", RKGSH.SpanTextShape)],
    ),
    (
        "span_without_position_selector",
        f"DELETE DATA {{ <{R}span/0-14> oa:hasSelector <{R}span/0-14#position> }}",
        [(R + "span/0-14", OA["hasSelector"])],
    ),
    (
        "char_count_that_is_not_the_length",
        f"DELETE WHERE {{ <{R}text> rkg:charCount ?n }} ; INSERT DATA {{ <{R}text> rkg:charCount 95 }}",
        [(R + "text", RKGSH.SourceTextLengthShape)],
    ),
    (
        "document_title_with_its_title_marks",
        """DELETE DATA { <document/social-assistance-reform-opinions> dcterms:title "关于改革完善社会救助制度的意见"@zh } ;
           INSERT DATA { <document/social-assistance-reform-opinions> dcterms:title "《关于改革完善社会救助制度的意见》"@zh }""",
        [("document/social-assistance-reform-opinions", DCTERMS_TITLE)],
    ),
    (
        "period_without_beginning",
        "DELETE WHERE { <period/2022> time:hasBeginning ?beginning }",
        [("period/2022", URIRef("http://www.w3.org/2006/time#hasBeginning"))],
    ),
]


@pytest.mark.parametrize(("update", "expected"), [b[1:] for b in BREAKAGES], ids=[b[0] for b in BREAKAGES])
def test_broken_sample_does_not_conform(
    update: str, expected: list[tuple[str, URIRef]], shapes: Graph, ontology: Graph, schemes: Graph
) -> None:
    conforms, report, text = _validate(_updated_sample(update), shapes, ontology, schemes, allow_warnings=True)
    assert not conforms
    # Top-level results only: pyshacl also reports, as sh:detail, why a value failed an sh:node shape.
    violations = [
        (report.value(result, SH.focusNode), _reporters(report, result))
        for result in report.objects(None, SH.result)
        if report.value(result, SH.resultSeverity) == SH.Violation
    ]
    wanted = {(URIRef(BASE + focus), reporter) for focus, reporter in expected}
    missing = {(f, r) for f, r in wanted if not any(f == focus and r in named for focus, named in violations)}
    assert missing == set(), text
    others = [(focus, named) for focus, named in violations if not any(f == focus and r in named for f, r in wanted)]
    assert others == [], text


def _reporters(report: Graph, result: Node) -> set[Node]:
    """What a validation result names: its source shape, its path, and the property of an inverse path."""
    reported = {report.value(result, SH.sourceShape)}
    path = report.value(result, SH.resultPath)
    if path is not None:
        reported |= {path, *report.objects(path, SH.inversePath)}
    return reported


# ---------------------------------------------------------------------------------------------------
# Logic: PROV-O keeps activities and entities apart
# ---------------------------------------------------------------------------------------------------

# What PROV-O (https://www.w3.org/TR/prov-o/) says about the terms the ontology relates to.
PROV_O_AXIOMS = f"""
@prefix prov: <{PROV}> .
@prefix rdfs: <{RDFS}> .
@prefix owl: <{OWL}> .
prov:Activity owl:disjointWith prov:Entity .
prov:Plan rdfs:subClassOf prov:Entity .
prov:wasDerivedFrom rdfs:domain prov:Entity ; rdfs:range prov:Entity .
prov:wasAssociatedWith rdfs:domain prov:Activity ; rdfs:range prov:Agent .
"""


def test_nothing_in_the_sample_is_inferred_both_activity_and_entity(ontology: Graph) -> None:
    graph = _sample() + ontology + Graph().parse(data=PROV_O_AXIOMS, format="turtle")
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(graph)
    both = set(graph.subjects(RDF.type, PROV.Activity)) & set(graph.subjects(RDF.type, PROV.Entity))
    assert both == set()
    assert (URIRef(BASE + R + "reform/1"), RDF.type, PROV.Activity) in graph
    assert (URIRef(BASE + R + "text"), RDF.type, PROV.Entity) in graph
