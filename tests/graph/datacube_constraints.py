"""The RDF Data Cube well-formedness checks: the normalization algorithm and integrity constraints
IC-1 to IC-21 of https://www.w3.org/TR/vocab-data-cube/#wf, as the Recommendation writes them.

The constraints assume a normalized cube in one graph: `normalized_store` merges every graph of the
dataset into the default graph of an in-memory store and runs the two phases of the normalization
algorithm (§10.2) on it. Each constraint is one or more ASK queries (§11.1); a well-formed cube
makes every one of them false. Each query is written here once, as the group graph pattern of its
ASK, so that the SELECT listing the resources that make it true runs the very same pattern.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Quad, RdfFormat, Store, parse

PREFIXES = """\
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb:   <http://purl.org/linked-data/cube#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
"""

# §10.2, phase 1: type and property closure.
TYPE_AND_PROPERTY_CLOSURE = """
INSERT { ?o rdf:type qb:Observation . } WHERE { [] qb:observation ?o . } ;
INSERT { ?o rdf:type qb:Observation . ?ds rdf:type qb:DataSet . } WHERE { ?o qb:dataSet ?ds . } ;
INSERT { ?s rdf:type qb:Slice . } WHERE { [] qb:slice ?s . } ;
INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:DimensionProperty . } WHERE { ?cs qb:dimension ?p . } ;
INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:MeasureProperty . } WHERE { ?cs qb:measure ?p . } ;
INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:AttributeProperty . } WHERE { ?cs qb:attribute ?p . }
"""

# §10.2, phase 2: push down attachment levels. Values attached to the data set or a slice (by
# qb:componentAttachment) and dimension values fixed by a slice are copied onto each observation.
# The Recommendation pushes down nothing else: an attribute attached to a measure property
# (qb:componentAttachment qb:MeasureProperty) is left where it is, since an observation of several
# measures could not say which measure the value belongs to.
PUSH_DOWN_ATTACHMENT_LEVELS = """
INSERT { ?obs ?comp ?value } WHERE {
    ?spec    qb:componentProperty ?comp ;
             qb:componentAttachment qb:DataSet .
    ?dataset qb:structure [qb:component ?spec] ;
             ?comp ?value .
    ?obs     qb:dataSet ?dataset .
} ;
INSERT { ?obs ?comp ?value } WHERE {
    ?spec    qb:componentProperty ?comp ;
             qb:componentAttachment qb:Slice .
    ?dataset qb:structure [qb:component ?spec] ;
             qb:slice ?slice .
    ?slice   ?comp ?value ;
             qb:observation ?obs .
} ;
INSERT { ?obs ?comp ?value } WHERE {
    ?spec    qb:componentProperty ?comp .
    ?comp a  qb:DimensionProperty .
    ?dataset qb:structure [qb:component ?spec] ;
             qb:slice ?slice .
    ?slice   ?comp ?value ;
             qb:observation ?obs .
}
"""


def normalized_store(nquads: bytes) -> Store:
    """An in-memory store holding every quad of `nquads` in its default graph, normalized."""
    store = Store()
    store.extend(Quad(q.subject, q.predicate, q.object) for q in parse(nquads, format=RdfFormat.N_QUADS))
    # Phase 2 reads the types and component properties phase 1 writes, so the two run in order.
    store.update(PREFIXES + TYPE_AND_PROPERTY_CLOSURE)
    store.update(PREFIXES + PUSH_DOWN_ATTACHMENT_LEVELS)
    return store


@dataclass(frozen=True)
class Check:
    """One ASK of a constraint: its group graph pattern, and the variables that name an offender."""

    pattern: str
    shown: tuple[str, ...]

    def violated(self, store: Store) -> bool:
        return bool(store.query(f"{PREFIXES}ASK {{{self.pattern}}}"))

    def offenders(self, store: Store, limit: int = 10) -> list[str]:
        """Up to `limit` rows of the shown variables for which the pattern matches."""
        projection = " ".join(f"?{v}" for v in self.shown)
        rows = store.query(f"{PREFIXES}SELECT DISTINCT {projection} WHERE {{{self.pattern}}} LIMIT {limit}")
        return [" ".join(f"{v}={row[v]}" for v in self.shown) for row in rows]


@dataclass(frozen=True)
class Constraint:
    """An integrity constraint: its number, its name and statement in the Recommendation, its checks.

    A constraint with an `instantiation` is a template (IC-20, IC-21): its checks hold `$p`, which
    stands for each IRI the instantiation query returns as ?p; it has one check per such IRI.
    """

    name: str
    title: str
    statement: str
    checks: tuple[Check, ...]
    instantiation: str | None = None

    def instances(self, store: Store) -> list[Check]:
        if self.instantiation is None:
            return list(self.checks)
        # A property path cannot hold a variable (SPARQL 1.1 §18.4, PathPrimary), so the
        # Recommendation instantiates the template's text; str() of a NamedNode is its N-Triples
        # form, <…> with any character an IRI cannot hold escaped.
        properties = dict.fromkeys(str(row["p"]) for row in store.query(PREFIXES + self.instantiation))
        return [
            Check(check.pattern.replace("<$p>", p), check.shown) for p in properties for check in self.checks
        ]

    def report(self, store: Store, violated: list[Check]) -> str:
        lines = [f"{self.name} {self.title}: {self.statement}", "Offending resources (up to 10 per query):"]
        lines += [f"  {offender}" for check in violated for offender in check.offenders(store)]
        return "\n".join(lines)


def _exactly_one(subject: str, kind: str, link: str) -> Check:
    """Every ?`subject` of type `kind` has exactly one `link`: the shape of IC-1, IC-2 and IC-9, which
    match a subject with no link or with two different ones (their variables renamed alike here)."""
    return Check(f"""
        {{ ?{subject} a {kind} .
          FILTER NOT EXISTS {{ ?{subject} {link} ?value }} }}
        UNION
        {{ ?{subject} a {kind} ;
                {link} ?value1, ?value2 .
          FILTER (?value1 != ?value2) }}""", (subject,))


def _code_outside(code_list: str, membership: str) -> Check:
    """The shape of IC-19 to IC-21: an observation's value ?v of a dimension whose qb:codeList ?list
    is a `code_list`, where `membership` (?v is in ?list) does not hold."""
    return Check(f"""
        ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty ;
             qb:codeList ?list .
        ?list a {code_list} .
        ?obs ?dim ?v .
        FILTER NOT EXISTS {{ {membership} }}""", ("obs", "dim", "v", "list"))


CONSTRAINTS = (
    Constraint(
        "IC-1", "Unique DataSet", "Every qb:Observation has exactly one associated qb:DataSet.",
        (_exactly_one("obs", "qb:Observation", "qb:dataSet"),),
    ),
    Constraint(
        "IC-2", "Unique DSD", "Every qb:DataSet has exactly one associated qb:DataStructureDefinition.",
        (_exactly_one("dataset", "qb:DataSet", "qb:structure"),),
    ),
    Constraint(
        "IC-3", "DSD includes measure",
        "Every qb:DataStructureDefinition must include at least one declared measure.",
        (Check("""
            ?dsd a qb:DataStructureDefinition .
            FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty [a qb:MeasureProperty]] }""",
               ("dsd",)),),
    ),
    Constraint(
        "IC-4", "Dimensions have range",
        "Every dimension declared in a qb:DataStructureDefinition must have a declared rdfs:range.",
        (Check("""
            ?dim a qb:DimensionProperty .
            FILTER NOT EXISTS { ?dim rdfs:range [] }""", ("dim",)),),
    ),
    Constraint(
        "IC-5", "Concept dimensions have code lists",
        "Every dimension with range skos:Concept must have a qb:codeList.",
        (Check("""
            ?dim a qb:DimensionProperty ;
                 rdfs:range skos:Concept .
            FILTER NOT EXISTS { ?dim qb:codeList [] }""", ("dim",)),),
    ),
    Constraint(
        "IC-6", "Only attributes may be optional",
        "The only components of a qb:DataStructureDefinition that may be marked as optional, using "
        "qb:componentRequired, are attributes.",
        (Check("""
            ?dsd qb:component ?componentSpec .
            ?componentSpec qb:componentRequired "false"^^xsd:boolean ;
                           qb:componentProperty ?component .
            FILTER NOT EXISTS { ?component a qb:AttributeProperty }""", ("dsd", "component")),),
    ),
    Constraint(
        "IC-7", "Slice Keys must be declared",
        "Every qb:SliceKey must be associated with a qb:DataStructureDefinition.",
        (Check("""
            ?sliceKey a qb:SliceKey .
            FILTER NOT EXISTS { [a qb:DataStructureDefinition] qb:sliceKey ?sliceKey }""", ("sliceKey",)),),
    ),
    Constraint(
        "IC-8", "Slice Keys consistent with DSD",
        "Every qb:componentProperty on a qb:SliceKey must also be declared as a qb:component of the "
        "associated qb:DataStructureDefinition.",
        (Check("""
            ?slicekey a qb:SliceKey ;
                      qb:componentProperty ?prop .
            ?dsd qb:sliceKey ?slicekey .
            FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty ?prop] }""", ("slicekey", "prop")),),
    ),
    Constraint(
        "IC-9", "Unique slice structure", "Each qb:Slice must have exactly one associated qb:sliceStructure.",
        (_exactly_one("slice", "qb:Slice", "qb:sliceStructure"),),
    ),
    Constraint(
        "IC-10", "Slice dimensions complete",
        "Every qb:Slice must have a value for every dimension declared in its qb:sliceStructure.",
        (Check("""
            ?slice qb:sliceStructure [qb:componentProperty ?dim] .
            FILTER NOT EXISTS { ?slice ?dim [] }""", ("slice", "dim")),),
    ),
    Constraint(
        "IC-11", "All dimensions required",
        "Every qb:Observation has a value for each dimension declared in its associated "
        "qb:DataStructureDefinition.",
        (Check("""
            ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
            ?dim a qb:DimensionProperty .
            FILTER NOT EXISTS { ?obs ?dim [] }""", ("obs", "dim")),),
    ),
    Constraint(
        "IC-12", "No duplicate observations",
        "No two qb:Observations in the same qb:DataSet may have the same value for all dimensions.",
        # The Recommendation's sub-select projects ?allEqual alone; here it also projects its group
        # keys ?obs1 and ?obs2, so that the SELECT can name the pair. Grouping is unchanged: still
        # one row per pair, kept when every dimension value is equal.
        (Check("""
            FILTER (?allEqual)
            {
                SELECT ?obs1 ?obs2 (MIN(?equal) AS ?allEqual) WHERE {
                    ?obs1 qb:dataSet ?dataset .
                    ?obs2 qb:dataSet ?dataset .
                    FILTER (?obs1 != ?obs2)
                    ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
                    ?dim a qb:DimensionProperty .
                    ?obs1 ?dim ?value1 .
                    ?obs2 ?dim ?value2 .
                    BIND (?value1 = ?value2 AS ?equal)
                } GROUP BY ?obs1 ?obs2
            }""", ("obs1", "obs2")),),
    ),
    Constraint(
        "IC-13", "Required attributes",
        "Every qb:Observation has a value for each declared attribute that is marked as required.",
        (Check("""
            ?obs qb:dataSet/qb:structure/qb:component ?component .
            ?component qb:componentRequired "true"^^xsd:boolean ;
                       qb:componentProperty ?attr .
            FILTER NOT EXISTS { ?obs ?attr [] }""", ("obs", "attr")),),
    ),
    Constraint(
        "IC-14", "All measures present",
        "In a qb:DataSet which does not use a Measure dimension then each individual qb:Observation must "
        "have a value for every declared measure.",
        (Check("""
            ?obs qb:dataSet/qb:structure ?dsd .
            FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
            ?dsd qb:component/qb:componentProperty ?measure .
            ?measure a qb:MeasureProperty .
            FILTER NOT EXISTS { ?obs ?measure [] }""", ("obs", "measure")),),
    ),
    Constraint(
        "IC-15", "Measure dimension consistent",
        "In a qb:DataSet which uses a Measure dimension then each qb:Observation must have a value for the "
        "measure corresponding to its given qb:measureType.",
        (Check("""
            ?obs qb:dataSet/qb:structure ?dsd ;
                 qb:measureType ?measure .
            ?dsd qb:component/qb:componentProperty qb:measureType .
            FILTER NOT EXISTS { ?obs ?measure [] }""", ("obs", "measure")),),
    ),
    Constraint(
        "IC-16", "Single measure on measure dimension observation",
        "In a qb:DataSet which uses a Measure dimension then each qb:Observation must only have a value "
        "for one measure (by IC-15 this will be the measure corresponding to its qb:measureType).",
        (Check("""
            ?obs qb:dataSet/qb:structure ?dsd ;
                 qb:measureType ?measure ;
                 ?omeasure [] .
            ?dsd qb:component/qb:componentProperty qb:measureType ;
                 qb:component/qb:componentProperty ?omeasure .
            ?omeasure a qb:MeasureProperty .
            FILTER (?omeasure != ?measure)""", ("obs", "measure", "omeasure")),),
    ),
    Constraint(
        "IC-17", "All measures present in measures dimension cube",
        "In a qb:DataSet which uses a Measure dimension then if there is a Observation for some "
        "combination of non-measure dimensions then there must be other Observations with the same "
        "non-measure dimension values for each of the declared measures.",
        # As in IC-12, the outer sub-select also projects its group key ?obs1 to name the offender.
        # The Recommendation writes HAVING (?count != ?numMeasures), but SPARQL 1.1 evaluates HAVING
        # before it binds the SELECT's (… AS ?count) (§18.2.4.1 then §18.2.4.4), so in a conforming
        # engine such as Oxigraph ?count is unbound there and the constraint could never fail. The
        # HAVING below writes out the aggregate that ?count names; ?numMeasures is a group key.
        (Check("""
            {
                SELECT ?obs1 ?numMeasures (COUNT(?obs2) AS ?count) WHERE {
                    {
                        SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE {
                            ?dsd qb:component/qb:componentProperty ?m .
                            ?m a qb:MeasureProperty .
                        } GROUP BY ?dsd
                    }
                    ?obs1 qb:dataSet/qb:structure ?dsd ;
                          qb:dataSet ?dataset ;
                          qb:measureType ?m1 .
                    ?obs2 qb:dataSet ?dataset ;
                          qb:measureType ?m2 .
                    FILTER NOT EXISTS {
                        ?dsd qb:component/qb:componentProperty ?dim .
                        FILTER (?dim != qb:measureType)
                        ?dim a qb:DimensionProperty .
                        ?obs1 ?dim ?v1 .
                        ?obs2 ?dim ?v2 .
                        FILTER (?v1 != ?v2)
                    }
                } GROUP BY ?obs1 ?numMeasures
                  HAVING (COUNT(?obs2) != ?numMeasures)
            }""", ("obs1", "numMeasures", "count")),),
    ),
    Constraint(
        "IC-18", "Consistent data set links",
        "If a qb:DataSet D has a qb:slice S, and S has an qb:observation O, then the qb:dataSet "
        "corresponding to O must be D.",
        (Check("""
            ?dataset qb:slice       ?slice .
            ?slice   qb:observation ?obs .
            FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . }""", ("dataset", "slice", "obs")),),
    ),
    Constraint(
        "IC-19", "Codes from code list",
        "If a dimension property has a qb:codeList, then the value of the dimension property on every "
        "qb:Observation must be in the code list.",
        (
            _code_outside("skos:ConceptScheme", "?v a skos:Concept ; skos:inScheme ?list"),
            _code_outside("skos:Collection", "?v a skos:Concept . ?list skos:member+ ?v"),
        ),
    ),
    Constraint(
        "IC-20", "Codes from hierarchy",
        "If a dimension property has a qb:HierarchicalCodeList with a non-blank qb:parentChildProperty "
        "then the value of that dimension property on every qb:Observation must be reachable from a root "
        "of the hierarchy using zero or more hops along the qb:parentChildProperty links.",
        (_code_outside("qb:HierarchicalCodeList", "?list qb:hierarchyRoot/<$p>* ?v"),),
        instantiation="""
            SELECT ?p WHERE {
                ?hierarchy a qb:HierarchicalCodeList ;
                           qb:parentChildProperty ?p .
                FILTER (isIRI(?p))
            }""",
    ),
    Constraint(
        "IC-21", "Codes from hierarchy (inverse)",
        "If a dimension property has a qb:HierarchicalCodeList with an inverse qb:parentChildProperty then "
        "the value of that dimension property on every qb:Observation must be reachable from a root of the "
        "hierarchy using zero or more hops along the inverse qb:parentChildProperty links.",
        (_code_outside("qb:HierarchicalCodeList", "?list qb:hierarchyRoot/(^<$p>)* ?v"),),
        instantiation="""
            SELECT ?p WHERE {
                ?hierarchy a qb:HierarchicalCodeList ;
                           qb:parentChildProperty ?pcp .
                FILTER (isBlank(?pcp))
                ?pcp owl:inverseOf ?p .
                FILTER (isIRI(?p))
            }""",
    ),
)
