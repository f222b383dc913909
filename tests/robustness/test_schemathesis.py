"""schemathesis against the service's OpenAPI document (/api/openapi.json): every operation, with the
valid and invalid inputs it generates from the document, gets no 5xx but a 503 for a query stopped at
its deadline, and no stack trace.

Embedded only: a runaway query is stopped here by killing its engine; sent on to an Oxigraph server it
would run there until the server's own timeout, starving the tests that come after.
"""
from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, Phase, settings

from .conftest import assert_sane

pytestmark = pytest.mark.embedded_only

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def api_schema(reform_server):
    url = reform_server.url + "/api/openapi.json"
    if requests.get(url, timeout=30).status_code == 404:
        pytest.skip("the service has no OpenAPI document at /api/openapi.json")
    # Hypothesis's examples only (below): schemathesis's coverage phase alone sends some 2,000 requests.
    config = schemathesis.config.SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_url(url, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.generate])
def test_no_operation_gets_a_5xx_or_a_trace(case):
    assert_sane(case.call(timeout=60))
