"""The events `collection` publishes (through the `events` outbox), each written in the
transaction of the change it reports: a contact attempt recorded (allowed or blocked), a promise
to pay made, and a promise's end (kept, broken, cancelled). Their subject is the loan
(``loan/<id>``), so a consumer reads them in order with the loan's own events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from collection.models import ContactAttempt, PromiseToPay
from events.schemas import PROMISE_OUTCOMES
from events.services import event_record, events_record_many


def subject(loan_id: int) -> str:
    return f"loan/{loan_id}"


def promise_event_type(status: str) -> str:
    """A promise that ends neither kept nor cancelled fell short of its amount by its date: the
    issue's `promise.broken` (the exact status, e.g. a partly kept one, is in the data)."""
    return f"promise.{status}" if status in PROMISE_OUTCOMES else "promise.broken"


def contact_attempted(attempt: ContactAttempt, *, loan_id: int, business_date: date) -> None:
    event_record(
        type="collection.contact",
        subject=subject(loan_id),
        business_date=business_date,
        key=f"collection.contact:{attempt.pk}",
        data={
            "loan_id": loan_id,
            "case_id": attempt.case_id,
            "attempt_id": attempt.pk,
            "channel": attempt.channel,
            "target": attempt.target,
            "purpose": attempt.purpose,
            "allowed": attempt.allowed,
            "blocked_by": attempt.blocked_by,
            "outcome": attempt.outcome,
        },
    )


def promise_made(promise: PromiseToPay, *, loan_id: int) -> None:
    event_record(
        type="promise.made",
        subject=subject(loan_id),
        business_date=promise.made_on,
        key=f"promise.made:{promise.pk}",
        data={
            "loan_id": loan_id,
            "case_id": promise.case_id,
            "promise_id": promise.pk,
            "amount": promise.amount,
            "due_date": promise.promised_date,
        },
    )


def promises_resolved(promises: Sequence[PromiseToPay], *, business_date: date) -> int:
    """One event per promise resolved today (kept, broken, …), one statement per outcome.
    `promises` carry `case.loan_id` (select_related)."""
    by_type: dict[str, list] = {}
    for promise in promises:
        by_type.setdefault(promise_event_type(promise.status), []).append(
            (
                subject(promise.case.loan_id),
                {
                    "loan_id": promise.case.loan_id,
                    "case_id": promise.case_id,
                    "promise_id": promise.pk,
                    "amount": promise.amount,
                    "due_date": promise.promised_date,
                    "status": promise.status,
                    "paid_since": promise.paid_since,
                },
                f"promise.resolved:{promise.pk}",
            )
        )
    return sum(
        events_record_many(type=type, rows=rows, business_date=business_date)
        for type, rows in sorted(by_type.items())
    )
