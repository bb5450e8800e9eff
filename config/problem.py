"""RFC 9457 problem+json for every API error, from one DRF exception handler."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ledger.errors import DomainError

PROBLEM_BASE = "https://installment-ledger.dev/problems/"


def problem_response(
    *, status_code: int, code: str, title: str, detail: str, errors: dict | None = None
) -> Response:
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type="application/problem+json")


def _flatten(errors) -> dict:
    if isinstance(errors, dict):
        return {
            field: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for field, msgs in errors.items()
        }
    return {"non_field_errors": [str(m) for m in errors]}


def problem_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return problem_response(
            status_code=exc.status_code, code=exc.code, title=str(exc.title), detail=exc.detail
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            status_code=status.HTTP_400_BAD_REQUEST,
            code="validation-error",
            title=_("The request is not valid."),
            detail=_("One or more fields are invalid."),
            errors=_flatten(exc.detail),
        )
    code = getattr(exc, "default_code", "error").replace("_", "-")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    problem = problem_response(
        status_code=response.status_code,
        code=code,
        title=str(getattr(exc, "default_detail", detail)),
        detail=str(detail),
    )
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            problem[header] = response[header]
    return problem
