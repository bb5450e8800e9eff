"""Running the strategy: due scheduled actions go through the guard, then a channel backend.

Messages (SMS, app push, e-mail, letters) are sent by the configured backend once the guard
allows them and the attempt is recorded. Calls and visits are done by people: the action puts
a task in the collector's queue, if the guard would allow the contact now. Internal steps
(agency referral, legal review) move the case to their queue. A deferral moves the action to
the next allowed time; a denial blocks it; a failed send is retried later.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction

from collection.channels import ChannelBackend, ChannelError, OutboundMessage, backend_for
from collection.guard import DEFER, AttemptRequest, Decision, local_time
from collection.models import CollectionCase, ContactAttempt, ScheduledAction, StrategyStep
from collection.rules import HUMAN_CHANNELS, Purpose
from ledger.services import business_date_current

from .contacts import case_lock
from .guarding import attempt_record, borrower_zone, decide, message_context, overdue_amount, render

MAX_SEND_ATTEMPTS = 5
SEND_RETRY_DELAY = timedelta(minutes=30)
Status = ScheduledAction.Status
_ESCALATION = {
    StrategyStep.Action.AGENCY_REFERRAL: CollectionCase.Queue.AGENCY,
    StrategyStep.Action.LEGAL_REVIEW: CollectionCase.Queue.LEGAL,
}


def due_actions_execute(
    *, now: datetime, business_date: date | None = None, backend: ChannelBackend | None = None
) -> dict[str, int]:
    """Run every pending action due at `now`, oldest first, each in its own transaction (one
    slow or failing contact does not hold the others back). Safe to run on several workers:
    an action another worker holds is skipped.

    In production `now` is the wall clock (contact hours are the borrower's wall clock); a
    simulation or a replay passes its simulated clock, and may pass the `backend` that delivers
    (default: the configured one for each channel)."""
    as_of = business_date or business_date_current()
    due = (
        ScheduledAction.objects.filter(status=Status.PENDING, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", "case_id")
    )
    results: Counter = Counter()
    steps: dict[int, StrategyStep] = {}
    for action_id, case_id in list(due):
        results[
            scheduled_action_execute(
                action_id=action_id,
                now=now,
                business_date=as_of,
                backend=backend,
                case_id=case_id,
                steps=steps,
            )
        ] += 1
    return dict(results)


def _purpose(step: StrategyStep) -> str:
    if step.required_notice:
        return Purpose.REQUIRED_NOTICE
    if step.action == StrategyStep.Action.REMINDER:
        return Purpose.REMINDER
    return Purpose.COLLECTION


def _request(case: CollectionCase, step: StrategyStep, now: datetime, as_of: date):
    demanded = (
        overdue_amount(loan_id=case.loan_id, as_of=as_of) if "{amount}" in step.template else None
    )
    message = render(step.template, message_context(case=case, as_of=as_of, amount=demanded))
    return AttemptRequest(
        channel=step.channel,
        at=now,
        debt_id=case.loan_id,
        purpose=_purpose(step),
        message=message,
        amount_demanded=demanded,
    )


def _not_now(action: ScheduledAction, decision: Decision) -> str:
    action.last_rule = decision.rule
    action.last_reason = decision.reason[:255]
    if decision.outcome == DEFER and decision.next_allowed_at is not None:
        action.due_at = decision.next_allowed_at
        action.deferrals += 1
        return "deferred"
    action.status = Status.BLOCKED
    return "blocked"


def scheduled_action_execute(
    *,
    action_id: int,
    now: datetime,
    business_date: date,
    backend: ChannelBackend | None = None,
    case_id: int | None = None,
    steps: dict[int, StrategyStep] | None = None,
) -> str:
    """Execute one due action; returns what happened: sent, queued, escalated, deferred,
    blocked, retry, failed, cancelled or skipped. A caller running many actions passes each
    one's `case_id` (an action never changes case) and a `steps` dict that keeps the strategy
    steps read so far, saving a query each."""
    if case_id is None:
        case_id = (
            ScheduledAction.objects.filter(pk=action_id).values_list("case_id", flat=True).first()
        )
    if case_id is None:
        return "skipped"
    with transaction.atomic():
        # Case before action, the order cases_sync takes them in (it updates cases, then
        # cancels their actions), so the two never wait on each other in a cycle.
        case = case_lock(case_id=case_id)
        action = (
            ScheduledAction.objects.select_for_update(skip_locked=True)
            .filter(pk=action_id, status=Status.PENDING, due_at__lte=now)
            .first()
        )
        if action is None:
            return "skipped"
        step = _step(action.step_id, {} if steps is None else steps)
        result = _execute(action, case, step, now, business_date, backend)
        action.save()
    return result


def _step(step_id: int, steps: dict[int, StrategyStep]) -> StrategyStep:
    if step_id not in steps:
        steps[step_id] = StrategyStep.objects.get(pk=step_id)
    return steps[step_id]


def _execute(action, case: CollectionCase, step: StrategyStep, now, business_date, backend) -> str:
    if not case.is_open:
        action.status = Status.CANCELLED
        action.last_reason = "case closed"
        return "cancelled"
    if step.is_internal:
        case.queue = _ESCALATION[step.action]
        case.next_action, case.next_action_date = step.name, business_date
        case.save(update_fields=["queue", "next_action", "next_action_date", "updated_at"])
        action.status, action.executed_at = Status.DONE, now
        return "escalated"
    request = _request(case, step, now, business_date)
    if step.channel in HUMAN_CHANNELS:
        # A person makes the call: queue the task if the guard would allow it now; the call
        # itself is logged (and guarded again) by the agent.
        decision, _ = decide(case=case, request=request, as_of=business_date)
        if not decision.allowed:
            return _not_now(action, decision)
        case.next_action = step.name
        case.next_action_date = local_time(now, borrower_zone(case.borrower.time_zone)).date()
        case.save(update_fields=["next_action", "next_action_date", "updated_at"])
        action.status, action.executed_at = Status.DONE, now
        return "queued"
    attempt = attempt_record(
        case=case, request=request, as_of=business_date, template=step.name, scheduled_action=action
    )
    action.contact_attempt = attempt
    if not attempt.allowed:
        return _not_now(
            action,
            Decision(attempt.decision, attempt.blocked_by, attempt.reason, attempt.deferred_until),
        )
    return _send(action, attempt, case, step, now, backend)


def _send(action, attempt: ContactAttempt, case: CollectionCase, step, now, backend) -> str:
    action.attempts += 1
    message = OutboundMessage(
        attempt_id=attempt.id,
        case_id=case.id,
        borrower_id=case.borrower_id,
        loan_reference=case.loan.reference,
        channel=step.channel,
        recipient_masked=case.borrower.mobile_masked,
        subject=f"{settings.COLLECTION_LENDER_NAME}: {step.get_action_display()}",
        body=attempt.message,
        lender=settings.COLLECTION_LENDER_NAME,
    )
    try:
        if backend is None:
            backend = backend_for(step.channel)
        elif step.channel not in backend.channels:
            raise ChannelError(f"{type(backend).__name__} does not deliver {step.channel}")
        delivery = backend.send(message)
    except ChannelError as exc:
        attempt.outcome = ContactAttempt.Outcome.FAILED
        attempt.outcome_recorded_at = now
        attempt.save(update_fields=["outcome", "outcome_recorded_at"])
        action.last_reason = str(exc)[:255]
        if action.attempts >= MAX_SEND_ATTEMPTS:
            action.status = Status.FAILED
            return "failed"
        action.due_at = now + SEND_RETRY_DELAY
        return "retry"
    attempt.outcome = delivery.outcome
    attempt.outcome_recorded_at = now
    attempt.save(update_fields=["outcome", "outcome_recorded_at"])
    action.status, action.executed_at = Status.DONE, now
    return "sent"
