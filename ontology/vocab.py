"""IRIs the graph mints, the vocabularies it reuses, and what it reads from ontology/schemes.ttl."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

DEFAULT_BASE = "https://w3id.org/reformkg/"
ONTOLOGY = "https://w3id.org/reformkg/ontology"


class NS:
    """A vocabulary namespace: `NS("http://x#").term` → NamedNode("http://x#term")."""

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)


RKG = NS(ONTOLOGY + "#")
RDF = NS("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = NS("http://www.w3.org/2000/01/rdf-schema#")
OWL = NS("http://www.w3.org/2002/07/owl#")
XSD = NS("http://www.w3.org/2001/XMLSchema#")
SKOS = NS("http://www.w3.org/2004/02/skos/core#")
ORG = NS("http://www.w3.org/ns/org#")
PROV = NS("http://www.w3.org/ns/prov#")
DCTERMS = NS("http://purl.org/dc/terms/")
QB = NS("http://purl.org/linked-data/cube#")
SDMX_MEASURE = NS("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = NS("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_DIMENSION = NS("http://purl.org/linked-data/sdmx/2009/dimension#")
OA = NS("http://www.w3.org/ns/oa#")
SCHEMA = NS("https://schema.org/")
TIME = NS("http://www.w3.org/2006/time#")
WD = NS("http://www.wikidata.org/entity/")
VOID = NS("http://rdfs.org/ns/void#")
DCAT = NS("http://www.w3.org/ns/dcat#")
FOAF = NS("http://xmlns.com/foaf/0.1/")
VANN = NS("http://purl.org/vocab/vann/")
UNIT = NS("http://qudt.org/vocab/unit/")
CUR = NS("http://qudt.org/vocab/currency/")

PREFIXES = {
    "rkg": RKG.iri, "rdf": RDF.iri, "rdfs": RDFS.iri, "owl": OWL.iri, "xsd": XSD.iri,
    "skos": SKOS.iri, "org": ORG.iri, "prov": PROV.iri, "dcterms": DCTERMS.iri, "qb": QB.iri,
    "sdmx-measure": SDMX_MEASURE.iri, "sdmx-attribute": SDMX_ATTRIBUTE.iri,
    "sdmx-dimension": SDMX_DIMENSION.iri, "oa": OA.iri, "schema": SCHEMA.iri, "time": TIME.iri,
    "wd": WD.iri, "void": VOID.iri, "dcat": DCAT.iri, "foaf": FOAF.iri, "vann": VANN.iri,
    "unit": UNIT.iri, "cur": CUR.iri,
}


@dataclass(frozen=True)
class Iris:
    """Every IRI the build mints, under one configurable base (Cool URIs: nouns, no file types)."""

    base: str = DEFAULT_BASE

    def _n(self, path: str) -> NamedNode:
        return NamedNode(self.base + path)

    def graph(self, name: str) -> NamedNode:
        return self._n(f"graph/{name}")

    def report(self, rid: str) -> NamedNode:
        return self._n(f"report/{rid}")

    def text(self, rid: str) -> NamedNode:
        return self._n(f"report/{rid}/text")

    def reform(self, rid: str, n: int) -> NamedNode:
        return self._n(f"report/{rid}/reform/{n}")

    def measure(self, rid: str, n: int, m: int) -> NamedNode:
        return self._n(f"report/{rid}/reform/{n}/measure/{m}")

    def indicator(self, rid: str, k: int) -> NamedNode:
        return self._n(f"report/{rid}/indicator/{k}")

    def dataset(self, rid: str) -> NamedNode:
        return self._n(f"report/{rid}/indicators")

    def span(self, rid: str, start: int, end: int) -> NamedNode:
        return self._n(f"report/{rid}/span/{start}-{end}")

    def entity(self, kind: str, slug: str) -> NamedNode:
        return self._n(f"{kind}/{slug}")

    def scheme(self, name: str) -> NamedNode:
        return self._n(f"scheme/{name}")

    def period(self, year: int, onwards: bool = False) -> NamedNode:
        return self._n(f"period/{year}" + ("-onwards" if onwards else ""))

    def rebase(self, iri: str) -> str:
        """Move an IRI written under the default base (in schemes.ttl) under this base."""
        return self.base + iri[len(DEFAULT_BASE) :] if iri.startswith(DEFAULT_BASE) else iri


@dataclass(frozen=True)
class Schemes:
    """What extraction needs from ontology/schemes.ttl: unit concepts and programme-kind triggers."""

    units: dict[str, str]
    """Measure word as written (notation or zh altLabel) → unit concept IRI (under the default base)."""
    kinds: dict[str, str]
    """Trigger word (机制, 计划 …) → programme-kind IRI."""


def read_schemes(path: Path) -> Schemes:
    store = Store()
    store.load(path=str(path), format=RdfFormat.TURTLE)
    units: dict[str, str] = {}
    for row in store.query(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c ?word WHERE {
          ?c skos:inScheme <https://w3id.org/reformkg/scheme/units> .
          { ?c skos:notation ?word } UNION { ?c skos:altLabel ?word FILTER(lang(?word) = "zh") }
        }"""
    ):
        units.setdefault(row["word"].value, row["c"].value)
    kinds: dict[str, str] = {}
    for row in store.query(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c ?word WHERE {
          ?c skos:inScheme <https://w3id.org/reformkg/scheme/programme-kinds> .
          { ?c skos:altLabel ?word } UNION { ?c skos:prefLabel ?word } FILTER(lang(?word) = "zh")
        }"""
    ):
        kinds.setdefault(row["word"].value, row["c"].value)
    return Schemes(units, kinds)
