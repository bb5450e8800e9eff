"""OpenAPI examples of the problem+json errors, written by the project's own exception handler.

Each example is what ``problem_exception_handler`` answers for a representative exception of
that status, so the documented body cannot drift from the one the API sends. A view that gives
its own example for an error status keeps it.
"""

from django.utils import translation
from rest_framework import exceptions

from core.errors import DomainError, IdempotencyKeyReused

from .problem import PROBLEM_CONTENT_TYPE, problem_exception_handler


def _representative_errors() -> dict[str, tuple[str, Exception]]:
    return {
        "400": (
            "A field is invalid",
            exceptions.ValidationError({"amount": ["A valid number is required."]}),
        ),
        "401": ("Not signed in", exceptions.NotAuthenticated()),
        "403": ("Not allowed", exceptions.PermissionDenied()),
        "404": ("Not found", exceptions.NotFound()),
        "409": ("A state conflict", DomainError("Loan LN-2026-000042 is paid_off.")),
        "422": (
            "An idempotency key reused",
            IdempotencyKeyReused(
                "The Idempotency-Key 'pay-7f3a' was used for a different request body."
            ),
        ),
        "429": ("Too many requests", exceptions.Throttled(wait=30)),
    }


def problem_example(status_code: str) -> tuple[str, dict]:
    """The example's name and body for ``status_code``; KeyError for a status with none."""
    name, exc = _representative_errors()[status_code]
    with translation.override("en"):
        response = problem_exception_handler(exc, {})
    return name, dict(response.data)


def problem_examples(result, generator, request, public):
    """drf-spectacular post-processing hook (after ``problem_content_types``): every 4xx
    problem+json response without an example gets the handler's own body for its status."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status_code, response in operation.get("responses", {}).items():
                media = response.get("content", {}).get(PROBLEM_CONTENT_TYPE)
                if media is None or media.get("examples") or not str(status_code).startswith("4"):
                    continue
                name, body = problem_example(str(status_code))
                media["examples"] = {name.replace(" ", ""): {"value": body, "summary": name}}
    return result
