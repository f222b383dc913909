"""The ontology and the built data together are consistent under the OWL 2 RL rules.

tests/test_ontology.py closes the MODEL.md sample under RDFS to keep activities and entities apart;
here the whole built dataset (every graph: ontology, schemes, reports, curation, entities, metadata)
is closed under OWL 2 RL (https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules)
together with the PROV-O axioms the ontology's design notes rely on, and the closure is searched for
every kind of inconsistency those rules can show.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from pyoxigraph import RdfFormat, Triple, parse, serialize
from rdflib import OWL, RDF, Graph, Literal, Namespace

from reformkg.graph.build import BuildResult

from ..test_ontology import PROV_O_AXIOMS

PROV = Namespace("http://www.w3.org/ns/prov#")
CLOSURE_BUDGET_SECONDS = 60


@dataclass(frozen=True)
class Closure:
    graph: Graph
    seconds: float
    """Wall-clock time of the OWL 2 RL closure alone."""


@pytest.fixture(scope="module")
def closure(built: BuildResult) -> Closure:
    """The union of every graph of the dataset plus the PROV-O axioms, closed under OWL 2 RL."""
    triples = (Triple(q.subject, q.predicate, q.object) for q in parse(built.nquads, format=RdfFormat.N_QUADS))
    graph = Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    graph.parse(data=PROV_O_AXIOMS, format="turtle")
    start = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return Closure(graph, time.perf_counter() - start)


def test_owl_rl_closure_records_no_inconsistency(closure: Closure) -> None:
    # owlrl raises nothing on an inconsistency: Core.closure() (owlrl/Closure.py) writes each message
    # a rule gave (cax-dw, cls-nothing2, prp-irp, eq-diff1, dt-not-type, …) into the graph as
    # [] a err:ErrorMessage ; err:error "…", err: being owlrl.Namespaces.ERRNS.
    assert sorted(str(message) for message in closure.graph.objects(None, ERRNS.error)) == []


def test_nothing_is_inferred_a_member_of_owl_nothing(closure: Closure) -> None:
    assert set(closure.graph.subjects(RDF.type, OWL.Nothing)) == set()


def test_no_individual_is_inferred_a_member_of_two_disjoint_classes(closure: Closure) -> None:
    assert (PROV.Activity, OWL.disjointWith, PROV.Entity) in closure.graph, "the check below would be vacuous"
    members_of_both = closure.graph.query(
        """SELECT ?x ?c1 ?c2 WHERE {
            { ?c1 owl:disjointWith ?c2 }
            UNION
            { ?all a owl:AllDisjointClasses ; owl:members ?list .
              ?list rdf:rest*/rdf:first ?c1, ?c2 .
              FILTER (?c1 != ?c2) }
            ?x a ?c1, ?c2 .
        }""",
        initNs={"owl": OWL, "rdf": RDF},
    )
    assert sorted(tuple(row) for row in members_of_both) == []


def test_no_functional_property_makes_two_different_literals_the_same(closure: Closure) -> None:
    # Rule prp-fp makes the values of a functional property owl:sameAs one another. Two literals of
    # different values cannot be the same, but OWL 2 RL sees that only through rule dt-diff (then
    # eq-diff1), which owlrl skips on purpose (OWLRL.py, _one_time_rules_datatypes); so look here.
    graph = closure.graph
    clashes = {
        (s, o) for s, o in graph.subject_objects(OWL.sameAs)
        if isinstance(s, Literal) and isinstance(o, Literal) and not s.eq(o)
    }
    stated = sorted(
        (str(x), str(p), value.n3())
        for value in {term for pair in clashes for term in pair}
        for x, p in graph.subject_predicates(value)
        if p != OWL.sameAs
    )
    assert clashes == set(), f"a functional property with values that differ: {stated}"


def test_owl_rl_closure_takes_less_than_a_minute(closure: Closure) -> None:
    assert closure.seconds < CLOSURE_BUDGET_SECONDS, f"the OWL 2 RL closure took {closure.seconds:.1f} s"
