"""Cases follow their loans: `cases_sync` is the end-of-day close's collection step."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate

from collection.errors import CollectionError
from collection.models import (
    CollectionCase,
    PromiseToPay,
    ScheduledAction,
    Strategy,
    StrategyStep,
)
from collection.models.cases import bucket_for
from loans.models import Installment, Loan

from .guarding import OPEN_INSTALLMENT, borrower_zone
from .promises import promises_cancelled, promises_kept, promises_resolve

CASE_CHUNK = 2000
CloseReason = CollectionCase.CloseReason
Queue = CollectionCase.Queue

_CLOSE_REASON_BY_LOAN_STATUS = {
    Loan.Status.PAID_OFF: CloseReason.PAID_OFF,
    Loan.Status.CHARGED_OFF: CloseReason.CHARGED_OFF,
    Loan.Status.CLOSED: CloseReason.LOAN_CLOSED,
    Loan.Status.CANCELLED: CloseReason.CANCELLED,
    Loan.Status.REJECTED: CloseReason.CANCELLED,
}
_BUCKET = Case(
    When(days_past_due__lte=0, then=Value("current")),
    When(days_past_due__lte=30, then=Value("M1")),
    When(days_past_due__lte=60, then=Value("M2")),
    When(days_past_due__lte=90, then=Value("M3")),
    default=Value("M3+"),
)
_QUEUE = Case(
    When(queue__in=CollectionCase.ESCALATED_QUEUES, then=F("queue")),
    When(days_past_due__gt=60, then=Value(Queue.LATE.value)),
    When(days_past_due__gt=30, then=Value(Queue.MID.value)),
    default=Value(Queue.EARLY.value),
)


def queue_for(days_past_due: int) -> str:
    if days_past_due > 60:
        return Queue.LATE
    if days_past_due > 30:
        return Queue.MID
    return Queue.EARLY


def cases_sync(*, business_date: date, loan_ids: list[int] | None = None) -> dict:
    """The close's collection step, after loans' days past due and status are updated.

    Resolves promises to pay (raising the next step of a case whose promise was not kept), closes the cases of loans that are cured (active, 0 days past
    due), paid off, charged off (referred to recovery) or closed, refreshes the days past due,
    bucket, queue and priority of the others, opens a case for every delinquent loan without
    one and schedules the strategy steps now due. Set-based (a fixed number of statements per
    chunk of cases), idempotent for a business date, one transaction. `loan_ids` limits it to
    those loans (a chunk of the close); None: every loan.
    """
    scope = Q() if loan_ids is None else Q(loan_id__in=loan_ids)
    with transaction.atomic():
        promises = promises_resolve(business_date=business_date, loan_ids=loan_ids)
        closed = _cases_close(business_date, scope)
        updated = _cases_refresh(scope)
        opened = _cases_open(business_date, loan_ids)
        scheduled = _actions_schedule(business_date, scope)
        _next_action_refresh(scope)
    return {
        "business_date": business_date.isoformat(),
        "opened": opened,
        "updated": updated,
        "closed": sum(closed.values()),
        "closed_by_reason": dict(closed),
        "promises_kept": promises["kept"],
        "promises_partly_kept": promises["partial"],
        "promises_broken": promises["broken"],
        "steps_raised": promises["steps_raised"],
        "actions_scheduled": scheduled,
    }


def _cases_close(business_date: date, scope: Q) -> Counter:
    rows = (
        CollectionCase.objects.filter(scope, status=CollectionCase.Status.OPEN)
        .exclude(loan__status=Loan.Status.DELINQUENT)
        .values_list("id", "loan__status", "loan__days_past_due")
    )
    by_reason: dict[str, list[int]] = defaultdict(list)
    for case_id, loan_status, days_past_due in rows:
        if loan_status == Loan.Status.ACTIVE:
            if days_past_due == 0:
                by_reason[CloseReason.CURED].append(case_id)
            continue  # still within grace days: the case stays open
        reason = _CLOSE_REASON_BY_LOAN_STATUS.get(loan_status, CloseReason.CANCELLED)
        by_reason[reason].append(case_id)
    for reason, case_ids in by_reason.items():
        recovery = business_date if reason == CloseReason.CHARGED_OFF else None
        CollectionCase.objects.filter(id__in=case_ids).update(
            status=CollectionCase.Status.CLOSED,
            closed_on=business_date,
            close_reason=reason,
            recovery_referred_on=recovery,
            next_action_date=None,
            next_action="",
        )
        still_open = list(
            PromiseToPay.objects.filter(
                case_id__in=case_ids, status=PromiseToPay.Status.OPEN
            ).select_related("case")
        )
        if reason in (CloseReason.CURED, CloseReason.PAID_OFF):
            promises_kept(promises=still_open, business_date=business_date)
        else:
            promises_cancelled(promises=still_open, business_date=business_date)
    closed_ids = [case_id for case_ids in by_reason.values() for case_id in case_ids]
    if closed_ids:
        ScheduledAction.objects.filter(
            case_id__in=closed_ids, status=ScheduledAction.Status.PENDING
        ).update(status=ScheduledAction.Status.CANCELLED, last_reason="case closed")
    return Counter({reason: len(ids) for reason, ids in by_reason.items()})


def _cases_refresh(scope: Q) -> int:
    open_cases = CollectionCase.objects.filter(scope, status=CollectionCase.Status.OPEN)
    loan_dpd = Loan.objects.filter(pk=OuterRef("loan_id")).values("days_past_due")[:1]
    updated = open_cases.update(days_past_due=Subquery(loan_dpd))
    open_cases.update(
        peak_days_past_due=Greatest("peak_days_past_due", "days_past_due"),
        bucket=_BUCKET,
        queue=_QUEUE,
        priority=F("days_past_due"),
    )
    return updated


def _default_strategies() -> dict[str, int]:
    """Default strategy id per jurisdiction ("" for the catch-all)."""
    rows = Strategy.objects.filter(is_default=True, is_active=True).values_list(
        "jurisdiction", "id"
    )
    return {jurisdiction.upper(): strategy_id for jurisdiction, strategy_id in rows}


def _cases_open(business_date: date, loan_ids: list[int] | None) -> int:
    loans = Loan.objects.filter(status=Loan.Status.DELINQUENT)
    if loan_ids is not None:
        loans = loans.filter(id__in=loan_ids)
    open_case = CollectionCase.objects.filter(loan_id=OuterRef("pk"), status="open")
    rows = (
        loans.exclude(Exists(open_case))
        .values_list("id", "borrower_id", "days_past_due", "jurisdiction")
        .order_by("id")
    )
    strategies = _default_strategies()
    opened = 0
    batch: list[CollectionCase] = []
    for loan_id, borrower_id, days_past_due, jurisdiction in rows.iterator(chunk_size=CASE_CHUNK):
        batch.append(
            CollectionCase(
                loan_id=loan_id,
                borrower_id=borrower_id,
                strategy_id=strategies.get(jurisdiction.upper(), strategies.get("")),
                opened_on=business_date,
                days_past_due=days_past_due,
                peak_days_past_due=days_past_due,
                bucket=bucket_for(days_past_due),
                queue=queue_for(days_past_due),
                priority=days_past_due,
            )
        )
        if len(batch) >= CASE_CHUNK:
            opened += _insert_cases(batch)
            batch = []
    return opened + _insert_cases(batch)


def _insert_cases(batch: list[CollectionCase]) -> int:
    if not batch:
        return 0
    # A concurrent close chunk may have opened the same case: the partial unique index wins.
    CollectionCase.objects.bulk_create(batch, ignore_conflicts=True)
    return len(batch)


def _step_occurrence(step: StrategyStep, days_past_due: int, next_due: date | None, today):
    """The occurrence key when `step` is due for a case today, else None."""
    if step.is_pre_due:
        if next_due is None:
            return None
        offset = -(next_due - today).days
        return next_due.toordinal() if step.dpd_from <= offset <= step.dpd_to else None
    if days_past_due < step.dpd_from or (step.dpd_to is not None and days_past_due > step.dpd_to):
        return None
    if step.repeat_every_days:
        due = (days_past_due - step.dpd_from) % step.repeat_every_days == 0
        return days_past_due if due else None
    return 0


def _step_allowed_now(step: StrategyStep, *, flagged: bool, promise_open: bool) -> bool:
    """Steps the guard would refuse anyway are not scheduled (they would pile up as blocked
    attempts); once-per-case steps are picked up when the flag or promise goes away."""
    if step.is_internal or step.required_notice:
        return True
    if flagged:
        return False
    return not promise_open or step.action == StrategyStep.Action.REMINDER


def _actions_schedule(business_date: date, scope: Q) -> int:
    steps: dict[int, list[StrategyStep]] = defaultdict(list)
    for step in StrategyStep.objects.filter(strategy__is_active=True):
        steps[step.strategy_id].append(step)
    if not steps:
        return 0
    next_due = (
        Installment.objects.filter(
            loan_id=OuterRef("loan_id"),
            due_date__gt=business_date,
            status__in=OPEN_INSTALLMENT,
        )
        .order_by("due_date")
        .values("due_date")[:1]
    )
    promise_open = PromiseToPay.objects.filter(case_id=OuterRef("pk"), status="open")
    cases = (
        CollectionCase.objects.filter(scope, status="open", strategy_id__in=list(steps))
        .annotate(
            next_due=Subquery(next_due),
            promise_open=Exists(promise_open),
            time_zone=F("borrower__time_zone"),
            contact_time=F("strategy__contact_time"),
        )
        .values_list(
            "id",
            "strategy_id",
            "days_past_due",
            "next_due",
            "promise_open",
            "time_zone",
            "contact_time",
            "cease_contact",
            "disputed",
        )
        .order_by("id")
    )
    send_day = business_date + timedelta(days=1)  # the close runs after the day: next morning
    scheduled = 0
    batch: list[ScheduledAction] = []
    for row in cases.iterator(chunk_size=CASE_CHUNK):
        case_id, strategy_id, dpd, due, promise, zone, contact_time, cease, disputed = row
        due_at = None
        for step in steps[strategy_id]:
            occurrence = _step_occurrence(step, dpd, due, business_date)
            if occurrence is None:
                continue
            if not _step_allowed_now(step, flagged=cease or disputed, promise_open=promise):
                continue
            if due_at is None:
                due_at = datetime.combine(send_day, contact_time, ZoneInfo(borrower_zone(zone)))
            batch.append(
                ScheduledAction(
                    case_id=case_id,
                    step=step,
                    occurrence=occurrence,
                    scheduled_on=business_date,
                    due_at=due_at,
                )
            )
        if len(batch) >= CASE_CHUNK:
            scheduled += _insert_actions(batch)
            batch = []
    return scheduled + _insert_actions(batch)


def _insert_actions(batch: list[ScheduledAction]) -> int:
    if not batch:
        return 0
    existing = set(
        ScheduledAction.objects.filter(case_id__in={action.case_id for action in batch})
        .filter(step_id__in={action.step.id for action in batch})
        .values_list("case_id", "step_id", "occurrence")
    )
    fresh = [
        action
        for action in batch
        if (action.case_id, action.step.id, action.occurrence) not in existing
    ]
    ScheduledAction.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def _next_action_refresh(scope: Q) -> None:
    pending = ScheduledAction.objects.filter(
        case_id=OuterRef("pk"), status=ScheduledAction.Status.PENDING
    ).order_by("due_at", "id")
    CollectionCase.objects.filter(scope, status=CollectionCase.Status.OPEN).update(
        next_action_date=Coalesce(
            Subquery(pending.annotate(day=TruncDate("due_at")).values("day")[:1]),
            F("next_action_date"),
        ),
        next_action=Coalesce(Subquery(pending.values("step__name")[:1]), F("next_action")),
    )


_EDITABLE = {"assigned_agent", "priority", "queue", "cease_contact", "disputed"}


def case_update(*, case_id: int, **changes) -> CollectionCase:
    """Assign, reprioritize, move or flag a case. Setting cease-contact or dispute cancels the
    case's pending contact steps except required notices (the guard would refuse them)."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise CollectionError(f"Cannot change {sorted(unknown)} on a case.")
    with transaction.atomic():
        case = CollectionCase.objects.select_for_update().get(pk=case_id)
        if not case.is_open:
            raise CollectionError(f"Case {case_id} is closed.")
        for name, value in changes.items():
            setattr(case, name, value)
        case.save(update_fields=[*changes, "updated_at"])
        if case.cease_contact or case.disputed:
            rule = "cease_contact" if case.cease_contact else "disputed"
            ScheduledAction.objects.filter(
                case_id=case.id, status=ScheduledAction.Status.PENDING
            ).exclude(step__required_notice=True).exclude(
                step__action__in=StrategyStep.INTERNAL_ACTIONS
            ).update(status=ScheduledAction.Status.CANCELLED, last_rule=rule, last_reason="flagged")
    return case


def cases_assign(*, case_ids: list[int], agent) -> int:
    """Give open cases to an agent (None: back to the pool)."""
    with transaction.atomic():
        return CollectionCase.objects.filter(
            id__in=case_ids, status=CollectionCase.Status.OPEN
        ).update(assigned_agent=agent)
