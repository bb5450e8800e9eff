"""The event `origination` publishes: ``credit_line.changed``, one per logged change of a credit
line (opened, limit raised or lowered, frozen, unfrozen, closed), written with the change's log
row in its transaction, in one statement however many lines change (the close's sync)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from events.services import events_record_many
from origination.models import CreditLimitChange


def subject(line_id: int) -> str:
    return f"credit_line/{line_id}"


def credit_line_changed(changes: Sequence[CreditLimitChange], *, business_date: date) -> int:
    """`changes` are saved (they have ids) and carry their `line`."""
    return events_record_many(
        type="credit_line.changed",
        business_date=business_date,
        rows=[
            (
                subject(change.line_id),
                {
                    "credit_line_id": change.line_id,
                    "reference": change.line.reference,
                    "borrower_id": change.line.borrower_id,
                    "change_id": change.pk,
                    "kind": change.kind,
                    "old_limit": change.old_limit,
                    "limit": change.new_limit,
                    "old_status": change.old_status,
                    "status": change.new_status,
                    "reason": change.reason,
                },
                f"credit_line.changed:{change.pk}",
            )
            for change in changes
        ],
    )
