"""Contacts worked by people: log an attempt, record its outcome, record a promise to pay.

Each asks the guard under a row lock on the case and on the borrower (the per-debtor limits
span all of the borrower's cases), and records the attempt whatever the guard said.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from collection.errors import CollectionError, ContactBlocked, PromiseError
from collection.events import promise_made
from collection.guard import AttemptRequest
from collection.models import CollectionCase, ContactAttempt, PromiseToPay
from collection.rules import (
    CALL,
    CHANNELS,
    EFFECTIVE_CALL_OUTCOMES,
    WRITTEN_CHANNELS,
    Purpose,
    Target,
)
from ledger.services import business_date_current

from .guarding import (
    attempt_record,
    installments_paid,
    message_context,
    open_promise_until,
    render,
)

MAX_PROMISE_DAYS = 30
# The text a collector's one-click "SMS sent" records: it names the lender, as the conduct
# rules require of every written message, and nothing a third party could read as a threat.
LOGGED_REMINDER = "{lender}: a reminder about your loan {reference}. Please contact us."


def case_lock(*, case_id: int) -> CollectionCase:
    """Lock the case and its borrower in one statement: `FOR UPDATE` without `OF` locks every
    row the join reads, the case's first, then its loan's and its borrower's (always in this
    order, so two workers never deadlock). The case's open promise (`open_promise_until`, the
    guard's fact) is read with it."""
    return (
        CollectionCase.objects.select_for_update()
        .select_related("loan", "borrower")
        .annotate(open_promise_until=open_promise_until())
        .get(pk=case_id)
    )


def _validate(channel: str, target: str, purpose: str) -> None:
    if channel not in CHANNELS:
        raise CollectionError(f"Unknown channel {channel!r}.")
    if target not in {t.value for t in Target}:
        raise CollectionError(f"Unknown contact target {target!r}.")
    if purpose not in {p.value for p in Purpose}:
        raise CollectionError(f"Unknown purpose {purpose!r}.")


def contact_attempt_request(
    *,
    case_id: int,
    channel: str,
    at: datetime,
    agent=None,
    target: str = Target.BORROWER,
    purpose: str = Purpose.COLLECTION,
    message: str = "",
    amount_demanded: Decimal | None = None,
    outcome: str = "",
    business_date: date | None = None,
) -> ContactAttempt:
    """Ask the guard whether this contact may happen at `at` and record the attempt: allowed
    or blocked, with the deciding rule. Returns the attempt; `attempt.allowed` says whether to
    go ahead (a blocked attempt is data, kept 5 years, not an error)."""
    _validate(channel, target, purpose)
    as_of = business_date or business_date_current()
    with transaction.atomic():
        case = case_lock(case_id=case_id)
        request = AttemptRequest(
            channel=channel,
            at=at,
            debt_id=case.loan_id,
            target=target,
            purpose=purpose,
            message=message,
            amount_demanded=amount_demanded,
        )
        return attempt_record(case=case, request=request, as_of=as_of, agent=agent, outcome=outcome)


def contact_logged(
    *,
    case_id: int,
    channel: str,
    outcome: str,
    at: datetime,
    agent=None,
    business_date: date | None = None,
) -> ContactAttempt:
    """A contact the collector made and how it went, in one step (the workspace's one click):
    the guard decides on it like any attempt and it is recorded, allowed or blocked; a written
    one carries the standard reminder naming the lender."""
    if not outcome or outcome not in ContactAttempt.Outcome.values:
        raise CollectionError(f"Unknown outcome {outcome!r}.")
    as_of = business_date or business_date_current()
    message = ""
    if channel in WRITTEN_CHANNELS:
        case = CollectionCase.objects.select_related("loan", "borrower").get(pk=case_id)
        context = message_context(case=case, as_of=as_of, amount=None)
        message = render(LOGGED_REMINDER, context)
    return contact_attempt_request(
        case_id=case_id,
        channel=channel,
        at=at,
        agent=agent,
        message=message,
        outcome=outcome,
        business_date=as_of,
    )


def contact_outcome_record(
    *, attempt_id: int, outcome: str, recorded_at: datetime
) -> ContactAttempt:
    """Fill in how an allowed attempt went (once). For a call this settles whether it was an
    effective interaction, which the per-day and cooldown limits count."""
    if outcome not in ContactAttempt.Outcome.values or not outcome:
        raise CollectionError(f"Unknown outcome {outcome!r}.")
    with transaction.atomic():
        attempt = ContactAttempt.objects.select_for_update().get(pk=attempt_id)
        if not attempt.allowed:
            raise CollectionError("A blocked attempt never happened; it has no outcome.")
        if attempt.outcome:
            raise CollectionError(f"Attempt {attempt_id} already has outcome {attempt.outcome}.")
        attempt.outcome = outcome
        attempt.outcome_recorded_at = recorded_at
        if attempt.channel == CALL:
            attempt.is_effective_interaction = outcome in EFFECTIVE_CALL_OUTCOMES
        attempt.save(update_fields=["outcome", "outcome_recorded_at", "is_effective_interaction"])
    return attempt


def promise_record(
    *,
    case_id: int,
    amount: Decimal,
    promised_date: date,
    at: datetime,
    business_date: date,
    agent=None,
    channel: str = CALL,
    note: str = "",
) -> PromiseToPay:
    """Record the contact in which the borrower promised to pay `amount` by `promised_date`,
    through the guard (the amount is checked against the cost cap), then the promise.

    If the guard refuses, the blocked attempt is committed and `ContactBlocked` is raised with
    the rule. One open promise per case; the date is within `MAX_PROMISE_DAYS`.
    """
    _validate(channel, Target.BORROWER, Purpose.COLLECTION)
    if amount <= 0:
        raise PromiseError("A promise is for a positive amount.")
    if not business_date <= promised_date <= business_date + timedelta(days=MAX_PROMISE_DAYS):
        raise PromiseError(
            f"The promised date must be between {business_date} and "
            f"{business_date + timedelta(days=MAX_PROMISE_DAYS)}."
        )
    with transaction.atomic():
        case = case_lock(case_id=case_id)
        if not case.is_open:
            raise CollectionError(f"Case {case_id} is closed.")
        if case.open_promise_until is not None:
            raise PromiseError("The case already has an open promise to pay.")
        request = AttemptRequest(
            channel=channel,
            at=at,
            debt_id=case.loan_id,
            message=note,
            amount_demanded=amount,
        )
        attempt = attempt_record(
            case=case,
            request=request,
            as_of=business_date,
            agent=agent,
            outcome=ContactAttempt.Outcome.PROMISE_MADE,
        )
        promise = None
        if attempt.allowed:
            promise = PromiseToPay.objects.create(
                case=case,
                amount=amount,
                promised_date=promised_date,
                made_on=business_date,
                baseline_paid=installments_paid(loan_ids=[case.loan_id]).get(case.loan_id, 0),
                bucket=case.bucket,
                step=case.next_action,
                contact_attempt=attempt,
                recorded_by=agent,
            )
            promise_made(promise, loan_id=case.loan_id)
    if promise is None:
        # Raised after the block so the blocked attempt stays recorded.
        raise ContactBlocked(attempt.reason, rule=attempt.blocked_by, attempt_id=attempt.id)
    return promise
