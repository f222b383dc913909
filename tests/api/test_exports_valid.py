"""The GraphML and GEXF exports are valid against the official schemas, vendored in tests/api/schemas/
(issue 17: networkx's `name` on <graph> made the GEXF invalid, and strict readers refused it)."""
from __future__ import annotations

import pytest
from lxml import etree

from ..conftest import ROOT

SCHEMAS = ROOT / "tests" / "api" / "schemas"
SCHEMA = {"gexf": SCHEMAS / "gexf-1.2draft" / "gexf.xsd", "graphml": SCHEMAS / "graphml-1.1" / "graphml.xsd"}
GRAPHS = [None, "https://w3id.org/reformkg/graph/curation", "https://w3id.org/reformkg/graph/ontology"]


def schema(fmt: str) -> etree.XMLSchema:
    """lxml resolves the schema's includes and imports beside it: no network."""
    return etree.XMLSchema(etree.parse(str(SCHEMA[fmt]), etree.XMLParser(no_network=True)))


@pytest.mark.parametrize("graph", GRAPHS, ids=["union", "curation", "ontology"])
@pytest.mark.parametrize("fmt", sorted(SCHEMA))
def test_an_export_is_valid_against_the_official_schema(client, fmt, graph):
    response = client.get(f"/api/export.{fmt}", query_string={"graph": graph} if graph else None)
    assert response.status_code == 200
    document = etree.fromstring(response.data)
    checked = schema(fmt)
    assert checked.validate(document), checked.error_log
    assert document.xpath("count(//*[local-name()='edge'])") > 0


@pytest.mark.parametrize("fmt, damage", [
    ("gexf", (b'mode="static">', b'mode="static" name="">')),
    ("graphml", (b'edgedefault="directed"', b'edgedefault="sideways"')),
])
def test_the_schemas_refuse_what_strict_readers_refuse(client, fmt, damage):
    """The schemas are strict where it matters: networkx's own GEXF (a name on <graph>) is refused."""
    body = client.get(f"/api/export.{fmt}").data
    assert damage[0] in body
    assert not schema(fmt).validate(etree.fromstring(body.replace(*damage, 1)))
