"""Issue 21: every operation of the OpenAPI document shows an example of its request body (when
it takes one), of each response with a body, and of each 4xx problem; every example is valid
against the schema it illustrates (JSON Schema 2020-12, which OpenAPI 3.1 schemas are), so an
example that drifts from the serializers fails here."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator

from core.api.problem import PROBLEM_CONTENT_TYPE
from core.api.problem_examples import problem_example


@pytest.fixture(scope="module")
def document():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def validator_for(document, schema: dict) -> Draft202012Validator:
    """A validator of ``schema`` whose ``#/components/...`` references resolve: the document's
    components ride along as an unknown keyword of the root, where the references point."""
    return Draft202012Validator({**schema, "components": document["components"]})


def examples_of(media: dict) -> list[tuple[str, object]]:
    found = [(name, example["value"]) for name, example in media.get("examples", {}).items()]
    if "example" in media:
        found.append(("example", media["example"]))
    return found


def bodies(operation):
    """(what, media type, media object) of the request body and of every response with one."""
    for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
        yield "request", media_type, media
    for status_code, response in operation["responses"].items():
        for media_type, media in response.get("content", {}).items():
            yield status_code, media_type, media


def test_every_operation_has_request_response_and_problem_examples(document):
    missing = []
    for name, operation in operations(document):
        parts: dict[str, bool] = {}
        for what, _media_type, media in bodies(operation):
            parts[what] = parts.get(what, False) or bool(examples_of(media))
        for what, has_example in parts.items():
            if not has_example:
                missing.append(f"{name} {what}")
        for code, response in operation["responses"].items():
            # Only "No Content" may document a success without a body (and so an example).
            if code.startswith("2") and code != "204" and not response.get("content"):
                missing.append(f"{name} {code}: no body documented")
    assert missing == []


def test_every_example_is_valid_against_its_schema(document):
    invalid = []
    for name, operation in operations(document):
        for what, media_type, media in bodies(operation):
            if "schema" not in media or media_type == "multipart/form-data":
                continue
            validator = validator_for(document, media["schema"])
            for example_name, value in examples_of(media):
                for error in validator.iter_errors(value):
                    where = "/".join(map(str, error.absolute_path))
                    invalid.append(
                        f"{name} {what} {media_type} {example_name} at {where}: {error.message}"
                    )
    assert invalid == []


def test_the_validator_catches_an_untruthful_example(document):
    """The check above can fail: a loan detail with its principal as a number is refused."""
    detail = document["paths"]["/api/v1/loans/{loan_id}"]["get"]["responses"]["200"]
    media = detail["content"]["application/json"]
    (_, value), *_ = examples_of(media)
    validator = validator_for(document, media["schema"])
    assert list(validator.iter_errors(value)) == []
    assert list(validator.iter_errors({**value, "principal": 12000}))
    assert list(validator.iter_errors({key: v for key, v in value.items() if key != "balance"}))


@pytest.mark.django_db
def test_problem_examples_are_what_the_handler_sends(client):
    """The 404 example is the body the API answers a borrower asking for no loan of theirs."""
    _, example = problem_example("404")
    response = client.get("/api/v1/loans/987654321")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    same = ("type", "title", "status")
    assert {key: response.json()[key] for key in same} == {key: example[key] for key in same}
