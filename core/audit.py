"""The audit trail: one ``audit_record`` call per action, inside the action's transaction, so an
action and its audit row commit or roll back together.

Every money-moving service writes its row itself (whoever called it: a borrower through the
API, staff in the back office, the simulation), and the close one per step. ``AuditContext``
says who asked and through what; a service called without one records its own actor name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models

from core.models import AuditEvent


@dataclass(frozen=True)
class AuditContext:
    """Who asked for an action and through what, for its audit row."""

    user: Any = None
    """The user who asked (staff or a borrower); None when the system acts."""
    source: str = "system"
    """admin, api, command, close or system."""
    reason: str = ""

    def actor(self, name: str) -> Any:
        """The row's actor: the user who asked, else the acting service's name."""
        return self.user if self.user is not None else name


NO_CONTEXT = AuditContext()


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a model instance as JSON-safe values (Decimals and dates as strings),
    for an audit event's ``before`` and ``after``."""
    return {name: _json_safe(getattr(instance, name)) for name in fields}


def audit_event(
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
    """The event, not yet saved. ``actor`` is a user, None (the system) or a name (a service
    acting on its own, e.g. the close or the simulation)."""
    is_user = getattr(actor, "pk", None) is not None
    if isinstance(actor, str):
        username = actor or "system"
    else:
        username = getattr(actor, "username", "") or "system"
    return AuditEvent(
        actor=actor if is_user else None,
        actor_username=username,
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
    """Record that ``actor`` did ``action`` to ``target`` (see ``audit_event``).

    It must run inside the action's own transaction (it raises otherwise) and never commits on
    its own: the action and its row are one.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("An audit row is written inside the transaction of its action.")
    recorded = audit_event(
        actor=actor,
        action=action,
        target=target,
        before=before,
        after=after,
        reason=reason,
        source=source,
        business_date=business_date,
    )
    recorded.save(force_insert=True)
    return recorded


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
