"""RFC 9457 problem+json for every API error, from one DRF exception handler.

No error body carries a stack trace, SQL or an internal identifier: domain errors give their own
title and detail, DRF's errors their (translated) messages, and anything else a generic 500.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from core.errors import DomainError

PROBLEM_BASE = "https://installment-ledger.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

logger = logging.getLogger("core.api.problem")


def problem_body(
    *, status_code: int, code: str, title: str, detail: str, errors: dict | None = None
) -> dict:
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    *, status_code: int, code: str, title: str, detail: str, errors: dict | None = None
) -> Response:
    body = problem_body(
        status_code=status_code, code=code, title=title, detail=detail, errors=errors
    )
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def domain_problem(exc: DomainError) -> Response:
    """A domain error as problem+json; its title is translated where a translation exists
    (``locale/``), its detail carries the figures the service put in it."""
    return problem_response(
        status_code=exc.status_code,
        code=exc.code,
        title=_(str(exc.title)),
        detail=_(exc.detail),
        errors=getattr(exc, "errors", None),
    )


NON_FIELD = "non_field_errors"


def flatten_errors(errors, path: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as {dotted path: [messages]}: ``consents.0`` for the first
    item of a list field, ``payee.name`` for a nested serializer's field, ``non_field_errors``
    for errors of the whole body. Messages are plain strings, never Python reprs."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            child = NON_FIELD if key == NON_FIELD and not path else str(key)
            flat |= flatten_errors(value, f"{path}.{child}" if path else child)
        return flat
    if isinstance(errors, list):
        if all(not isinstance(item, dict | list) for item in errors):
            return {path or NON_FIELD: [str(item) for item in errors]} if errors else {}
        flat = {}
        for index, item in enumerate(errors):
            flat |= flatten_errors(item, f"{path}.{index}" if path else str(index))
        return flat
    return {path or NON_FIELD: [str(errors)]}


def server_error_body() -> dict:
    return problem_body(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        code="server-error",
        title=_("Something went wrong on our side."),
        detail=_("The request could not be completed. Please try again later."),
    )


def problem_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return domain_problem(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        # Not an API error: a bug or an outage. Log it whole; tell the client nothing of it.
        view = context.get("view")
        logger.error("Unhandled error in %s", type(view).__name__, exc_info=exc)
        set_rollback()
        return Response(
            server_error_body(),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            status_code=status.HTTP_400_BAD_REQUEST,
            code="validation-error",
            title=_("The request is not valid."),
            detail=_("One or more fields are invalid."),
            errors=flatten_errors(exc.detail),
        )
    code = getattr(exc, "default_code", "error").replace("_", "-")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    problem = problem_response(
        status_code=response.status_code,
        code=code,
        title=problem_title(exc, detail),
        detail=str(detail),
    )
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            problem[header] = response[header]
    return problem


def problem_title(exc, detail: str) -> str:
    """The exception's generic title; DRF's titles with placeholders (``Method "{method}" not
    allowed.``, ``Unsupported media type "{media_type}" in request.``) are only complete as the
    detail they were formatted into."""
    title = str(getattr(exc, "default_detail", detail))
    return str(detail) if "{" in title else title


def _wants_problem(request) -> bool:
    return request.path.startswith("/api/")


def api_page_not_found(request, exception=None):
    """``handler404``: problem+json under ``/api/``, Django's page elsewhere."""
    if not _wants_problem(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    body = problem_body(
        status_code=404,
        code="not-found",
        title=_("Not found."),
        detail=_("There is nothing at this address."),
    )
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)


def api_server_error(request):
    """``handler500``: errors raised outside DRF's views (middleware, URL resolving)."""
    if not _wants_problem(request):
        from django.views.defaults import server_error

        return server_error(request)
    return JsonResponse(server_error_body(), status=500, content_type=PROBLEM_CONTENT_TYPE)


def problem_content_types(result, generator, request, public):
    """drf-spectacular post-processing hook: error responses (4xx, 5xx) are documented as
    ``application/problem+json``, the media type the handler above sends them with."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status_code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status_code)[:1] in "45" and "application/json" in content:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
    return result
