"""A promise to pay's life after it is made (`promise_record` makes it): kept, partly kept,
broken or cancelled, as the close sees the payments that arrive.

Each transition is one function over a list of open promises (set-based: a fixed number of
statements whatever the list's length), the one place that status change happens. A promise not
kept (partly or not at all) raises the case's next strategy step: the first step after the one
being worked when the promise was made that the case has not had yet is scheduled for the next
morning, ahead of its usual days-past-due (a broken promise is a reason to escalate).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from collection.events import promises_resolved
from collection.models import CollectionCase, PromiseToPay, ScheduledAction, StrategyStep

from .guarding import borrower_zone, installments_paid

Status = PromiseToPay.Status


def _resolve(promises: list[PromiseToPay], status: str, business_date: date) -> None:
    for promise in promises:
        promise.status, promise.resolved_on = status, business_date
    PromiseToPay.objects.bulk_update(promises, ["status", "paid_since", "resolved_on"])
    promises_resolved(promises, business_date=business_date)


def promises_kept(*, promises: list[PromiseToPay], business_date: date) -> None:
    """The payments since each promise reached its amount (or its case was cured)."""
    _resolve(promises, Status.KEPT, business_date)


def promises_partly_kept(*, promises: list[PromiseToPay], business_date: date) -> int:
    """The promised date passed with part of the amount paid: the next step is raised."""
    _resolve(promises, Status.PARTIAL, business_date)
    return next_steps_raise(promises=promises, business_date=business_date)


def promises_broken(*, promises: list[PromiseToPay], business_date: date) -> int:
    """The promised date passed with nothing paid: the next step is raised."""
    _resolve(promises, Status.BROKEN, business_date)
    return next_steps_raise(promises=promises, business_date=business_date)


def promises_cancelled(*, promises: list[PromiseToPay], business_date: date) -> None:
    """The case closed without a cure (charged off, cancelled): the promise no longer stands."""
    _resolve(promises, Status.CANCELLED, business_date)


def promises_resolve(*, business_date: date, loan_ids: list[int] | None = None) -> dict:
    """The close's reading of the open promises (of `loan_ids`' cases; None: all): kept when
    the installment payments since a promise reach its amount, else, once its date has passed,
    partly kept (something paid) or broken (nothing). Returns the counts."""
    scope = Q() if loan_ids is None else Q(case__loan_id__in=loan_ids)
    promises = list(
        PromiseToPay.objects.filter(scope, status=Status.OPEN)
        .select_related("case")
        .only("id", "amount", "baseline_paid", "promised_date", "step", "case__loan_id")
        .order_by("id")
    )
    if not promises:
        return {"kept": 0, "partial": 0, "broken": 0, "steps_raised": 0}
    paid = installments_paid(loan_ids={promise.case.loan_id for promise in promises})
    kept, partial, broken = [], [], []
    for promise in promises:
        promise.paid_since = max(paid.get(promise.case.loan_id, 0) - promise.baseline_paid, 0)
        if promise.paid_since >= promise.amount:
            kept.append(promise)
        elif promise.promised_date < business_date:
            (partial if promise.paid_since > 0 else broken).append(promise)
    promises_kept(promises=kept, business_date=business_date)
    raised = promises_partly_kept(promises=partial, business_date=business_date)
    raised += promises_broken(promises=broken, business_date=business_date)
    return {
        "kept": len(kept),
        "partial": len(partial),
        "broken": len(broken),
        "steps_raised": raised,
    }


def _next_step(steps: list[StrategyStep], after: str, taken: set, dpd: int, flagged: bool):
    names = [step.name for step in steps]
    if after not in names:
        return None
    for step in steps[names.index(after) + 1 :]:
        if step.is_pre_due or (flagged and not (step.is_internal or step.required_notice)):
            continue
        occurrence = dpd if step.repeat_every_days else 0
        if (step.id, occurrence) not in taken and (step.id, None) not in taken:
            return step, occurrence
    return None


def next_steps_raise(*, promises: list[PromiseToPay], business_date: date) -> int:
    """Schedule, for each case of `promises`, the strategy step after the promise's own for
    the next morning (see the module docstring); returns how many were scheduled."""
    stepped = [promise for promise in promises if promise.step]
    if not stepped:
        return 0
    case_ids = {promise.case_id for promise in stepped}
    cases = {
        row[0]: row[1:]
        for row in CollectionCase.objects.filter(id__in=case_ids, status="open").values_list(
            "id",
            "strategy_id",
            "days_past_due",
            "borrower__time_zone",
            "strategy__contact_time",
            "cease_contact",
            "disputed",
        )
    }
    steps: dict[int, list[StrategyStep]] = defaultdict(list)
    for step in StrategyStep.objects.filter(
        strategy_id__in={row[0] for row in cases.values()}
    ).order_by("order", "id"):
        steps[step.strategy_id].append(step)
    taken: dict[int, set] = defaultdict(set)
    for case_id, step_id, occurrence, repeats in ScheduledAction.objects.filter(
        case_id__in=list(cases)
    ).values_list("case_id", "step_id", "occurrence", "step__repeat_every_days"):
        taken[case_id].add((step_id, occurrence if repeats else None))
    send_day = business_date + timedelta(days=1)
    fresh = []
    for promise in stepped:
        if promise.case_id not in cases:
            continue
        strategy_id, dpd, zone, contact_time, cease, disputed = cases[promise.case_id]
        found = _next_step(
            steps[strategy_id], promise.step, taken[promise.case_id], dpd, cease or disputed
        )
        if found is None:
            continue
        step, occurrence = found
        taken[promise.case_id].add((step.id, occurrence if step.repeat_every_days else None))
        fresh.append(
            ScheduledAction(
                case_id=promise.case_id,
                step=step,
                occurrence=occurrence,
                scheduled_on=business_date,
                due_at=datetime.combine(send_day, contact_time, ZoneInfo(borrower_zone(zone))),
            )
        )
    ScheduledAction.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)
