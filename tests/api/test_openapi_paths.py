"""Issue 25 item 4: every path parameter of the OpenAPI document is one of its path's template
names, declared once; an unknown API address is a problem+json 404 with DEBUG on or off."""

import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from .conftest import problem


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_path_parameters_match_the_path_templates_once():
    wrong = []
    for path, method, operation in operations():
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        templated = re.findall(r"{(\w+)}", path)
        if sorted(declared) != sorted(templated):
            wrong.append((method, path, declared))
    assert wrong == []


def test_the_schema_generates_without_warnings(tmp_path):
    """A warning means a part of the document is a guess (a free-form object, or two
    components sharing a name so that one silently stands for the other)."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "address", ["/api/v1/no-such-thing", "/api/v1/loans/abc", "/api/v2/loans", "/api/v1/"]
)
def test_an_unknown_api_address_is_a_problem_404(debug, address):
    with override_settings(DEBUG=debug):
        response = APIClient().get(address)
    assert response.status_code == 404
    assert problem(response)["type"].endswith("/not-found")


@pytest.mark.django_db
def test_a_post_to_an_unknown_api_address_is_a_problem_404_not_a_csrf_page():
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/v1/loans/-436/modifications", {"kind": "payment_holiday"})
    assert response.status_code == 404
    assert problem(response)["type"].endswith("/not-found")
