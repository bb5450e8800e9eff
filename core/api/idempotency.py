"""``Idempotency-Key`` on money-moving POSTs: the same key and body replays the first response,
the same key with another body is a 422, concurrent duplicates do the work once.

The record is inserted first (``INSERT … ON CONFLICT DO NOTHING``), in the transaction of the
work it guards: a concurrent duplicate blocks on the unique (user, key) index until the first
request commits, then replays what it stored (or, if the first rolled back, does the work
itself). Domain errors (4xx) are stored and
replayed like successes, so a retry never turns a refusal into a posting later on; unexpected
errors roll the record back with everything else, leaving the key free for a retry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.problem import domain_problem
from core.db import action_transaction
from core.errors import DomainError, IdempotencyKeyReused
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
"""Printable ASCII without spaces, 1–255 characters (a UUID is typical)."""
REPLAY_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=True,
    type=str,
    pattern=KEY_PATTERN.pattern,
    description="A key unique to this payment (e.g. a UUID). Retrying with the same key and "
    "body returns the first response; reusing it with another body is a 422.",
)


class IdempotencyKeyMissing(DomainError):
    status_code = 400
    code = "idempotency-key-required"
    title = "An Idempotency-Key header is required."


def request_fingerprint(request: Request) -> str:
    """What makes two requests the same: method, path and the parsed body (key order and
    whitespace do not count)."""
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": request.data},
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(request: Request) -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise IdempotencyKeyMissing(_("Send an Idempotency-Key header with this request."))
    if not KEY_PATTERN.match(key):
        raise IdempotencyKeyMissing(
            _("The Idempotency-Key must be 1 to 255 printable characters without spaces.")
        )
    return key


def idempotent(request: Request, perform: Callable[[], Response]) -> Response:
    """Run ``perform`` once per (user, ``Idempotency-Key``) and store its response.

    Validate the body before calling this: a malformed request stores nothing, so the client may
    correct it and retry under the same key. ``perform`` calls one money-moving service, composed
    into this transaction (``durable=False``).
    """
    key = idempotency_key(request)
    fingerprint = request_fingerprint(request)
    # The request is the action: its record and the work it guards are one durable transaction,
    # into which ``perform`` composes its service (``durable=False``).
    with action_transaction(durable=True):
        record_id = _insert_first(request, key, fingerprint)
        if record_id is None:
            return _replay(request, key, fingerprint)
        try:
            # No savepoint of our own: ``perform`` makes one service call, and a service is one
            # atomic block, so a domain error has already rolled its writes back.
            response = perform()
        except DomainError as exc:
            response = domain_problem(exc)
        IdempotencyRecord.objects.filter(pk=record_id).update(
            status_code=response.status_code, response_body=response.data
        )
    return response


def _insert_first(request: Request, key: str, fingerprint: str) -> int | None:
    """Claim the key: the new record's id, or None when a committed record holds it. A
    concurrent claim of the same key waits here until that transaction ends."""
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "
            "(user_id, key, method, path, request_hash, status_code, response_body, created_at) "
            "VALUES (%s, %s, %s, %s, %s, 0, %s, %s) "
            "ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [
                request.user.pk,
                key,
                request.method,
                request.path[:255],
                fingerprint,
                "{}",
                timezone.now(),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _replay(request: Request, key: str, fingerprint: str) -> Response:
    record = IdempotencyRecord.objects.get(user=request.user, key=key)
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was used with another request; use a new key.")
        )
    content_type = "application/problem+json" if record.status_code >= 400 else None
    response = Response(record.response_body, status=record.status_code, content_type=content_type)
    response[REPLAY_HEADER] = "true"
    return response
