"""The OpenAPI 3.1 document generated from the query files, and the Swagger UI page that shows it."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from reformkg.service.sparql.catalog import load_catalog

from ..conftest import ROOT

VENDOR = ROOT / "service" / "static" / "vendor"


@pytest.fixture(scope="module")
def spec(api_app):
    return api_app.test_client().get("/api/openapi.json").get_json()


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_named_query_is_an_operation_with_its_parameters(spec):
    for query in load_catalog():
        operation = spec["paths"][f"/api/queries/{query.name}"]["get"]
        assert operation["summary"] == query.title
        assert query.title_zh in operation["description"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        for p in query.parameters:
            assert parameters[p.name]["required"] is p.required
            assert parameters[p.name]["in"] == "query"
        assert ("limit" in parameters) is query.paging
        assert parameters["format"]["schema"]["enum"] == ["json", "sparql-json", "xml", "csv", "tsv"]
    operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_parameter_types_become_json_schema(spec):
    def schema(query: str, name: str) -> dict:
        operation = spec["paths"][f"/api/queries/{query}"]["get"]
        return next(p for p in operation["parameters"] if p["name"] == name)

    # A report may have any number of reforms: no maximum.
    assert schema("indicators", "reform")["schema"] == {"type": "integer", "minimum": 0}
    assert schema("indicators", "reform")["example"] == 9
    assert schema("indicators", "approx")["schema"] == {"type": "boolean"}
    assert schema("indicators-by-unit", "min")["schema"] == {"type": "number"}
    assert schema("reports", "since")["schema"] == {"type": "string", "format": "date"}
    assert schema("money-totals", "group")["schema"] == {"type": "string", "format": "iri"}
    assert schema("indicators", "report")["schema"] == {"type": "string", "format": "iri"}
    assert schema("label-search", "lang")["schema"] == {"type": "string", "enum": ["zh", "en"]}
    assert schema("label-search", "q")["required"] is True
    assert schema("documents-by-type", "type")["schema"]["enum"][:2] == ["意见", "通知"]


def test_the_exploration_routes_are_documented(spec):
    assert {"/api/queries", "/api/graph", "/api/search", "/api/export.graphml", "/api/export.gexf",
            "/api/openapi.json"} <= set(spec["paths"])


def test_the_docs_page_loads_swagger_ui_from_this_service_only(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not re.search(r"""(src|href)=["']https?://(?!creativecommons)""", html)
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    for asset in assets:
        response = client.get(asset)
        response.close()  # static files are streamed from an open file
        assert response.status_code == 200, asset
    response = client.get("/static/js/api-docs.js")
    script = response.get_data(as_text=True)
    response.close()
    assert "validatorUrl: null" in script and 'getAttribute("data-spec-url")' in script
    assert 'data-spec-url="/api/openapi.json"' in html


@pytest.mark.parametrize("package, version, marker", [
    ("cytoscape", "3.35.0", 'version="3.35.0"'),
    ("swagger-ui", "5.35.0", '"5.35.0"'),
])
def test_vendored_assets_are_pinned_with_their_licence(package, version, marker):
    folder = VENDOR / package
    assert (folder / "LICENSE").read_text(encoding="utf-8").strip()
    assert f"@{version}" in (folder / "VERSION").read_text(encoding="utf-8")
    bundle = {"cytoscape": "cytoscape.min.js", "swagger-ui": "swagger-ui-bundle.js"}[package]
    assert marker in (folder / bundle).read_text(encoding="utf-8")
