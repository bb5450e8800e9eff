"""Reads of collection data: the collector's queue, a case's money and schedule, and the
collection conduct report (reused by the compliance reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery

from ledger.selectors import loan_balances
from loans.models import Installment, Repayment
from loans.selectors.recoveries import LoanRecovery, loan_recoveries, loan_recovery
from loans.services.signing import signed_terms

from .guard import (
    DENY,
    AttemptRequest,
    CaseFacts,
    Decision,
    PastAttempt,
    contact_decide,
    local_time,
)
from .models import CollectionCase, ContactAttempt, PromiseToPay
from .rules import CALL, Rule, UnknownJurisdiction
from .services.guarding import HISTORY_AFTER, HISTORY_BEFORE, borrower_zone, conduct_rules

RATE_PLACES = Decimal("0.0001")
BUCKETS = ("M1", "M2", "M3", "M3+")


def agent_queue(*, agent) -> QuerySet[CollectionCase]:
    """An agent's open cases, most urgent first: priority, then the next action's date."""
    return (
        CollectionCase.objects.filter(assigned_agent=agent, status=CollectionCase.Status.OPEN)
        .select_related("loan", "borrower")
        .order_by("-priority", "next_action_date", "id")
    )


def case_balances(*, case: CollectionCase) -> dict[str, Decimal]:
    """The loan's ledger balances per account code (normal side), now."""
    return loan_balances(loan_id=case.loan_id, currency=case.loan.currency)


def case_recovery(*, case: CollectionCase) -> tuple[LoanRecovery, QuerySet[Repayment]]:
    """What the case's loan had written off and recovered since, and its recoveries: a case
    closed at charge-off is referred to recovery, and this is what came of it."""
    return loan_recovery(loan=case.loan), loan_recoveries(loan_id=case.loan_id)


def case_schedule(*, case: CollectionCase) -> QuerySet[Installment]:
    return Installment.objects.filter(loan_id=case.loan_id).order_by("number", "id")


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES)


def conduct_report(start: date, end: date) -> dict:
    """Collection conduct from `start` to `end` (inclusive; attempt times by the server's local
    date):

    * ``attempts_by_channel``: per channel, attempts, allowed and blocked;
    * ``blocked_by_rule``: blocked attempts per rule (deferrals included: they were refused then);
    * ``promises``: made in the period, and kept / partly kept / broken / cancelled resolved in
      it, with the kept rate over kept + partly kept + broken;
    * ``cure_rate_by_bucket``: of the cases open at some time in the period, per bucket reached
      (the last recorded before closing), how many were cured in the period.
    """
    attempts = ContactAttempt.objects.filter(attempted_at__date__range=(start, end))
    by_channel = {
        row["channel"]: {
            "attempts": row["total"],
            "allowed": row["allowed"],
            "blocked": row["total"] - row["allowed"],
        }
        for row in attempts.values("channel")
        .annotate(total=Count("id"), allowed=Count("id", filter=Q(allowed=True)))
        .order_by("channel")
    }
    blocked_by_rule = dict(
        attempts.filter(allowed=False)
        .values("blocked_by")
        .annotate(total=Count("id"))
        .order_by("blocked_by")
        .values_list("blocked_by", "total")
    )
    made = PromiseToPay.objects.filter(made_on__range=(start, end)).count()
    resolved = dict(
        PromiseToPay.objects.filter(resolved_on__range=(start, end))
        .values("status")
        .annotate(total=Count("id"))
        .values_list("status", "total")
    )
    kept = resolved.get(PromiseToPay.Status.KEPT, 0)
    partial = resolved.get(PromiseToPay.Status.PARTIAL, 0)
    broken = resolved.get(PromiseToPay.Status.BROKEN, 0)

    in_period = CollectionCase.objects.filter(opened_on__lte=end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=start)
    )
    cure = {
        row["bucket"]: row
        for row in in_period.exclude(bucket="current")
        .values("bucket")
        .annotate(
            cases=Count("id"),
            cured=Count(
                "id",
                filter=Q(
                    close_reason=CollectionCase.CloseReason.CURED, closed_on__range=(start, end)
                ),
            ),
        )
    }
    cure_rate_by_bucket = {
        bucket: {
            "cases": cure.get(bucket, {}).get("cases", 0),
            "cured": cure.get(bucket, {}).get("cured", 0),
            "cure_rate": _rate(
                cure.get(bucket, {}).get("cured", 0), cure.get(bucket, {}).get("cases", 0)
            ),
        }
        for bucket in BUCKETS
    }
    total = sum(channel["attempts"] for channel in by_channel.values())
    allowed = sum(channel["allowed"] for channel in by_channel.values())
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "attempts": {"total": total, "allowed": allowed, "blocked": total - allowed},
        "attempts_by_channel": by_channel,
        "blocked_by_rule": blocked_by_rule,
        "promises": {
            "made": made,
            "kept": kept,
            "partial": partial,
            "broken": broken,
            "cancelled": resolved.get(PromiseToPay.Status.CANCELLED, 0),
            "kept_rate": _rate(kept, kept + partial + broken),
        },
        "cure_rate_by_bucket": cure_rate_by_bucket,
    }


def promise_outcomes(start: date, end: date) -> dict[str, dict[str, dict]]:
    """Promises to pay resolved from `start` to `end` (inclusive), kept, partly kept and broken,
    with the kept rate over the three, per ``bucket`` (the case's bucket when the promise was
    made) and per ``step`` (the strategy step being worked then): which step's promises hold.
    Cancelled promises (the case closed otherwise) are left out."""
    Status = PromiseToPay.Status
    resolved = PromiseToPay.objects.filter(
        resolved_on__range=(start, end),
        status__in=(Status.KEPT, Status.PARTIAL, Status.BROKEN),
    )
    outcome: dict[str, dict[str, dict]] = {"bucket": {}, "step": {}}
    for section in outcome:
        rows = (
            resolved.values(section)
            .annotate(
                kept=Count("id", filter=Q(status=Status.KEPT)),
                partial=Count("id", filter=Q(status=Status.PARTIAL)),
                broken=Count("id", filter=Q(status=Status.BROKEN)),
            )
            .order_by(section)
        )
        for row in rows:
            resolved_count = row["kept"] + row["partial"] + row["broken"]
            outcome[section][row[section] or "(none)"] = {
                "kept": row["kept"],
                "partial": row["partial"],
                "broken": row["broken"],
                "kept_rate": _rate(row["kept"], resolved_count),
            }
    return outcome


@dataclass(frozen=True, slots=True)
class WorkspaceRow:
    """One case of a collector's workspace: when the guard would next let us call the debtor
    (in their local time), and the rule holding the call back now, if any."""

    case: CollectionCase
    contact_allowed_now: bool
    next_contact_at: datetime | None  # None: no waiting makes contact allowed (e.g. cease)
    rule: str
    reason: str


def workspace_rows(*, agent, at: datetime, as_of: date) -> list[WorkspaceRow]:
    """The agent's open cases with the guard's answer to "may I call now?", by priority, then
    by the time a call is next allowed (cases nobody may call last). Nothing is recorded.

    One query for the whole queue, however long: each case with its loan, borrower and open
    promise, joined to its debtor's recent attempts (all their cases; a row per attempt). The
    guard, a pure function, then decides each case in memory: its rules (local hours, per-day
    and per-window counts in the borrower's time zone, cooldowns) stay in one place."""
    cases: dict[int, CollectionCase] = {}
    histories: dict[int, list[PastAttempt]] = {}
    for case in _queue_with_history(agent=agent, around=at):
        cases.setdefault(case.pk, case)
        if case.past_at is not None:
            histories.setdefault(case.pk, []).append(
                PastAttempt(
                    channel=case.past_channel,
                    at=case.past_at,
                    debt_id=case.past_debt_id,
                    allowed=case.past_allowed,
                    target=case.past_target,
                    effective=case.past_effective,
                    outcome=case.past_outcome,
                )
            )
    rows = []
    for case in cases.values():
        decision = workspace_decision(case=case, at=at, history=histories.get(case.pk, ()))
        next_at = at if decision.allowed else decision.next_allowed_at
        if next_at is not None:
            next_at = local_time(next_at, borrower_zone(case.borrower.time_zone))
        rows.append(WorkspaceRow(case, decision.allowed, next_at, decision.rule, decision.reason))
    never = datetime.max.replace(tzinfo=UTC)
    return sorted(
        rows, key=lambda row: (-row.case.priority, row.next_contact_at or never, row.case.id)
    )


def _queue_with_history(*, agent, around: datetime) -> QuerySet[CollectionCase]:
    """The agent's queue, a row per (case, attempt of the case's debtor around `around`) and
    one row with ``past_at`` None for a debtor with none; ``open_promise_until`` on each."""
    attempts = "borrower__collection_cases__attempts"
    window = Q(
        **{
            f"{attempts}__attempted_at__gte": around - HISTORY_BEFORE,
            f"{attempts}__attempted_at__lte": around + HISTORY_AFTER,
        }
    )
    open_promise = (
        PromiseToPay.objects.filter(case_id=OuterRef("pk"), status=PromiseToPay.Status.OPEN)
        .order_by("-promised_date")
        .values("promised_date")[:1]
    )
    return agent_queue(agent=agent).annotate(
        debtor_attempt=FilteredRelation(attempts, condition=window),
        open_promise_until=Subquery(open_promise),
        past_channel=F("debtor_attempt__channel"),
        past_at=F("debtor_attempt__attempted_at"),
        past_debt_id=F("debtor_attempt__case__loan_id"),
        past_allowed=F("debtor_attempt__allowed"),
        past_target=F("debtor_attempt__target"),
        past_effective=F("debtor_attempt__is_effective_interaction"),
        past_outcome=F("debtor_attempt__outcome"),
    )


def workspace_decision(*, case: CollectionCase, at: datetime, history) -> Decision:
    """The guard's answer for a call to the case's borrower at `at`, from facts already loaded
    (the case with ``open_promise_until`` annotated, its loan and borrower, and the debtor's
    history): no query."""
    try:
        rules = conduct_rules(case.loan.jurisdiction)
    except UnknownJurisdiction:
        return Decision(
            DENY,
            Rule.UNKNOWN_JURISDICTION.value,
            f"No conduct rules for jurisdiction {case.loan.jurisdiction!r}: no contact.",
        )
    facts = CaseFacts(
        time_zone=borrower_zone(case.borrower.time_zone),
        lender_name=settings.COLLECTION_LENDER_NAME,
        case_open=case.is_open,
        cease_contact=case.cease_contact,
        disputed=case.disputed,
        promise_open_until=case.open_promise_until,
        guarantor_contact_allowed=bool(signed_terms(case.loan).guarantor_contact_allowed),
    )
    request = AttemptRequest(channel=CALL, at=at, debt_id=case.loan_id)
    return contact_decide(request=request, facts=facts, history=history, rules=rules)
