"""The audit trail: one ``audit_record`` call per staff action, inside the action's transaction,
so an action and its audit row commit or roll back together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from core.models import AuditEvent


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a model instance as JSON-safe values (Decimals and dates as strings),
    for an audit event's ``before`` and ``after``."""
    return {name: _json_safe(getattr(instance, name)) for name in fields}


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    source: str = "admin",
    business_date: date | None = None,
) -> AuditEvent:
    """Record that ``actor`` (a user, or None for the system) did ``action`` to ``target``.

    Call it inside the action's own transaction; it never commits on its own.
    """
    with transaction.atomic():
        return AuditEvent.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_username=getattr(actor, "username", "") or "system",
            action=action,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None and target.pk is not None else "",
            object_repr=str(target)[:200] if target is not None else "",
            before=_json_safe(dict(before)) if before is not None else None,
            after=_json_safe(dict(after)) if after is not None else None,
            reason=reason[:255],
            source=source,
            business_date=business_date,
        )


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(item) for item in value]
    if isinstance(value, models.Model):
        return value.pk
    return value
