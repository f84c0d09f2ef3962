"""The web API fuzzed from its own OpenAPI schema with schemathesis.

Schemathesis generates requests for every operation from the schema,
valid ones and invalid ones (wrong types, missing fields, bodies of the
wrong media type), and checks each answer: never a server error, only
status codes and media types the schema lists, and bodies that match the
schema. The number of examples is bounded so that the run stays short.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from barenet.web.app import create_app
from barenet.web.catalog import ModelCatalog

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The schema is read when this module is collected; the model it serves is
# the session's trained one, put in place before the first test runs.
catalog = ModelCatalog("runs-not-yet-trained")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(catalog))


@pytest.fixture(scope="module", autouse=True)
def serve_the_trained_model(trained_runs):
    catalog.runs = trained_runs


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_breaks_the_api_or_its_schema(case):
    case.call_and_validate(checks=CHECKS)
