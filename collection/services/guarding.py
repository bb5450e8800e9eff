"""What the services hand the guard: rules, facts, history and amounts, read under the caller's
locks; and the one function that asks the guard and records the attempt."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.utils import timezone

from calc.rate_caps import RateCapError, rate_cap
from collection.events import contact_attempted
from collection.guard import (
    DENY,
    AttemptRequest,
    CaseFacts,
    Decision,
    PastAttempt,
    PrincipalSpan,
    collectible_limit,
    contact_decide,
)
from collection.models import ATTEMPT_RETENTION_YEARS, CollectionCase, ContactAttempt, PromiseToPay
from collection.rules import (
    CALL,
    EFFECTIVE_CALL_OUTCOMES,
    ConductRules,
    Rule,
    UnknownJurisdiction,
    rules_for,
)
from core.money import ZERO
from loans.models import Installment
from loans.services.signing import signed_terms

logger = logging.getLogger(__name__)

# History the guard sees: a month back covers every shipped window and the unreachable check;
# a week ahead catches back-dated logs whose 7-day windows include later calls.
HISTORY_BEFORE = timedelta(days=31)
HISTORY_AFTER = timedelta(days=8)
CENT = Decimal("0.01")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
OPEN_INSTALLMENT = (
    Installment.Status.SCHEDULED,
    Installment.Status.DUE,
    Installment.Status.PARTIALLY_PAID,
)


def conduct_rules(jurisdiction: str) -> ConductRules:
    """The jurisdiction's rules, with the deployment's extra threatening words."""
    rules = rules_for(jurisdiction)
    extra = tuple(getattr(settings, "COLLECTION_THREATENING_WORDS", ()) or ())
    return rules.with_threatening_words(rules.threatening_words + extra) if extra else rules


def borrower_zone(name: str) -> str:
    """The borrower's time zone; an unknown one falls back to the server's (logged)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown borrower time zone %r; using %s", name, settings.TIME_ZONE)
        return settings.TIME_ZONE
    return name


def debtor_history(*, borrower_id: int, around: datetime) -> list[PastAttempt]:
    """The debtor's attempts (all their cases) around `around`: one query, the attempts of
    the borrower's cases by the (case, attempted_at) index."""
    rows = (
        ContactAttempt.objects.filter(
            case__borrower_id=borrower_id,
            attempted_at__gte=around - HISTORY_BEFORE,
            attempted_at__lte=around + HISTORY_AFTER,
        )
        .order_by()
        .values_list(
            "channel",
            "attempted_at",
            "case__loan_id",
            "allowed",
            "target",
            "is_effective_interaction",
            "outcome",
        )
    )
    return [
        PastAttempt(
            channel=channel,
            at=at,
            debt_id=loan_id,
            allowed=allowed,
            target=target,
            effective=effective,
            outcome=outcome,
        )
        for channel, at, loan_id, allowed, target, effective, outcome in rows
    ]


_OUTSTANDING = ExpressionWrapper(
    F("principal_due")
    + F("interest_due")
    + F("fee_due")
    + F("penalty_due")
    - F("principal_paid")
    - F("interest_paid")
    - F("fee_paid")
    - F("penalty_paid"),
    output_field=DecimalField(max_digits=20, decimal_places=2),
)


def overdue_amount(*, loan_id: int, as_of: date) -> Decimal:
    """What is past due: the unpaid part of every installment due on or before `as_of`
    (to the cent: SQLite sums decimal columns in binary floating point)."""
    return (
        Installment.objects.filter(
            loan_id=loan_id, due_date__lte=as_of, status__in=OPEN_INSTALLMENT
        )
        .aggregate(total=Sum(_OUTSTANDING, default=ZERO))["total"]
        .quantize(CENT)
    )


def overdue_amounts(*, loan_ids, as_of: date) -> dict[int, Decimal]:
    """`overdue_amount` of each of `loan_ids` in one query (zero for a loan with nothing
    past due)."""
    rows = (
        Installment.objects.filter(
            loan_id__in=loan_ids, due_date__lte=as_of, status__in=OPEN_INSTALLMENT
        )
        .order_by()
        .values("loan_id")
        .annotate(total=Sum(_OUTSTANDING))
        .values_list("loan_id", "total")
    )
    overdue = {loan_id: ZERO.quantize(CENT) for loan_id in loan_ids}
    overdue.update((loan_id, total.quantize(CENT)) for loan_id, total in rows)
    return overdue


def installments_paid(*, loan_ids) -> dict[int, Decimal]:
    paid = F("principal_paid") + F("interest_paid") + F("fee_paid") + F("penalty_paid")
    rows = (
        Installment.objects.filter(loan_id__in=loan_ids)
        .exclude(status=Installment.Status.CANCELLED)
        .values("loan_id")
        .annotate(paid=Sum(paid))
        .values_list("loan_id", "paid")
    )
    return dict(rows)


def case_collectible_limit(*, case: CollectionCase, as_of: date) -> Decimal | None:
    """The most the cost cap lets us demand on the case's loan (None: no cap rule applies)."""
    loan = case.loan
    try:
        _, cap = rate_cap(loan.jurisdiction, loan.start_date, loan.apr_cap_rule or None)
    except RateCapError:
        if loan.apr_cap is None:
            return None
        cap = loan.apr_cap
    start = loan.disbursed_on or loan.start_date
    spans, principal_outstanding, charges_paid = [], ZERO, loan.upfront_fee
    for row in Installment.objects.filter(loan_id=loan.id).exclude(
        status=Installment.Status.CANCELLED
    ):
        principal_outstanding += row.principal_due - row.principal_paid
        charges_paid += row.interest_paid + row.fee_paid + row.penalty_paid
        repaid = row.status == Installment.Status.PAID and row.paid_on is not None
        spans.append(PrincipalSpan(row.principal_due, start, row.paid_on if repaid else as_of))
    return collectible_limit(
        principal_outstanding=principal_outstanding,
        spans=spans,
        charges_paid=charges_paid,
        cap_rate=cap,
    )


def open_promise_until() -> Subquery:
    """The promised date of a case's open promise (the latest made), as a subquery on the
    case (`OuterRef("pk")`)."""
    return Subquery(
        PromiseToPay.objects.filter(case_id=OuterRef("pk"), status=PromiseToPay.Status.OPEN)
        .order_by("-made_on", "-id")
        .values("promised_date")[:1]
    )


def case_facts(*, case: CollectionCase, as_of: date, with_limit: bool) -> CaseFacts:
    if hasattr(case, "open_promise_until"):  # read with the case (`case_lock`)
        promise = case.open_promise_until
    else:
        promise = (
            PromiseToPay.objects.filter(case_id=case.id, status=PromiseToPay.Status.OPEN)
            .values_list("promised_date", flat=True)
            .first()
        )
    return CaseFacts(
        time_zone=borrower_zone(case.borrower.time_zone),
        lender_name=settings.COLLECTION_LENDER_NAME,
        case_open=case.is_open,
        cease_contact=case.cease_contact,
        disputed=case.disputed,
        promise_open_until=promise,
        guarantor_contact_allowed=bool(signed_terms(case.loan).guarantor_contact_allowed),
        collectible_limit=case_collectible_limit(case=case, as_of=as_of) if with_limit else None,
    )


def decide(*, case: CollectionCase, request: AttemptRequest, as_of: date) -> tuple[Decision, str]:
    """Ask the guard about `request` on `case` (the caller holds the case and borrower locks)."""
    try:
        rules = conduct_rules(case.loan.jurisdiction)
    except UnknownJurisdiction:
        return (
            Decision(
                DENY,
                Rule.UNKNOWN_JURISDICTION.value,
                f"No conduct rules for jurisdiction {case.loan.jurisdiction!r}: no contact.",
            ),
            "none",
        )
    facts = case_facts(case=case, as_of=as_of, with_limit=request.amount_demanded is not None)
    history = debtor_history(borrower_id=case.borrower_id, around=request.at)
    decision = contact_decide(request=request, facts=facts, history=history, rules=rules)
    return decision, rules.name


def retention_end(attempted_at: datetime) -> date:
    day = timezone.localdate(attempted_at)
    try:
        return day.replace(year=day.year + ATTEMPT_RETENTION_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + ATTEMPT_RETENTION_YEARS, day=28)


def attempt_record(
    *,
    case: CollectionCase,
    request: AttemptRequest,
    as_of: date,
    agent=None,
    template: str = "",
    scheduled_action=None,
    outcome: str = "",
) -> ContactAttempt:
    """Ask the guard and record the attempt, allowed or not. An outcome is kept only for an
    allowed attempt (a blocked one never happened)."""
    decision, ruleset = decide(case=case, request=request, as_of=as_of)
    allowed_outcome = outcome if decision.allowed else ""
    effective = None
    if allowed_outcome and request.channel == CALL:
        effective = allowed_outcome in EFFECTIVE_CALL_OUTCOMES
    attempt = ContactAttempt.objects.create(
        case=case,
        channel=request.channel,
        target=request.target,
        purpose=request.purpose,
        attempted_at=request.at,
        allowed=decision.allowed,
        decision=decision.outcome,
        blocked_by=decision.rule,
        reason=decision.reason[:255],
        deferred_until=decision.next_allowed_at,
        ruleset=ruleset,
        agent=agent,
        template=template,
        message=request.message,
        amount_demanded=request.amount_demanded,
        outcome=allowed_outcome,
        is_effective_interaction=effective,
        outcome_recorded_at=request.at if allowed_outcome else None,
        scheduled_action=scheduled_action,
        retain_until=retention_end(request.at),
    )
    contact_attempted(attempt, loan_id=case.loan_id, business_date=as_of)
    return attempt


def render(template: str, context: dict[str, object]) -> str:
    """Fill `{placeholder}`s; unknown ones stay as written (templates are edited by people)."""
    return _PLACEHOLDER.sub(
        lambda match: str(context.get(match.group(1), match.group(0))), template
    )


def message_context(*, case: CollectionCase, as_of: date, amount: Decimal | None) -> dict:
    loan = case.loan
    next_due = (
        Installment.objects.filter(loan_id=loan.id, status__in=OPEN_INSTALLMENT)
        .filter(due_date__gt=as_of)
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    return {
        "lender": settings.COLLECTION_LENDER_NAME,
        "reference": loan.reference,
        "amount": "" if amount is None else f"{amount:,.2f}",
        "currency": loan.currency,
        "days_past_due": case.days_past_due,
        "due_date": next_due.isoformat() if next_due else "",
        "name": case.borrower.name,
    }
