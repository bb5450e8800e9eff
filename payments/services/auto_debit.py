"""Auto-debit (代扣) of due installments from the accounts borrowers gave a mandate for.

The close of day D (after the business date moved to D+1) plans the debits of D+1: one collect
order per unpaid installment due by D+1 on a loan with an active mandate, at the rule's first
attempt time. A failed attempt is retried that day within the rule's limits (`debit_plan`); what
a partial debit left is debited at the next attempt. Each success is a repayment
(`orders.order_report_apply`). Attempts are sent when their time comes: by the polling task on
the wall clock, by the close itself on the simulated one (`auto_debits_send(until=...)`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q

from core.money import ZERO
from loans.models import Installment, Loan
from payments.debit_plan import DebitLimits, first_attempt, next_attempt
from payments.models import AutoDebitRule, Mandate, PaymentOrder

from .orders import SETTLED_HOOKS, order_create, order_submit

UNPAID = (
    Installment.Status.SCHEDULED,
    Installment.Status.DUE,
    Installment.Status.PARTIALLY_PAID,
)
OPEN_LOANS = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)
COMPONENTS = ("principal", "interest", "fee", "penalty")


def debit_limits() -> DebitLimits:
    rule, _ = AutoDebitRule.objects.get_or_create(
        name="default",
        defaults={"first_attempt_at": time(9, 0), "quiet_from": time(21), "quiet_until": time(8)},
    )
    return DebitLimits(
        per_day=rule.max_attempts_per_day,
        per_installment=rule.max_attempts_per_installment,
        first_attempt_at=rule.first_attempt_at,
        spacing=timedelta(minutes=rule.retry_spacing_minutes),
        quiet_from=rule.quiet_from,
        quiet_until=rule.quiet_until,
    )


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def owed(row: Installment) -> Decimal:
    return sum(
        (getattr(row, f"{c}_due") - getattr(row, f"{c}_paid") for c in COMPONENTS), start=ZERO
    )


def auto_debits_plan(*, day: date, loans: Q | None = None) -> list[int]:
    """Create the day's first attempts for the loans in `loans` (a filter on loan id); returns
    the orders' ids. Idempotent: an installment with an open order, or a first attempt on `day`
    already, gets none."""
    mandates = {
        m.loan_id: m
        for m in Mandate.objects.filter(
            loans or Q(), status=Mandate.Status.ACTIVE, loan__status__in=OPEN_LOANS
        ).select_related("loan")
    }
    if not mandates:
        return []
    limits = debit_limits()
    rows = list(
        Installment.objects.filter(
            loan_id__in=list(mandates), status__in=UNPAID, due_date__lte=day
        ).order_by("loan_id", "number")
    )
    counts = dict(
        PaymentOrder.objects.filter(installment__in=rows, purpose=PaymentOrder.Purpose.AUTO_DEBIT)
        .values("installment_id")
        .annotate(n=Count("id"))
        .values_list("installment_id", "n")
    )
    busy = set(
        PaymentOrder.objects.filter(
            Q(status__in=PaymentOrder.OPEN) | Q(business_date=day),
            installment__in=rows,
            purpose=PaymentOrder.Purpose.AUTO_DEBIT,
        ).values_list("installment_id", flat=True)
    )
    created = []
    for row in rows:
        amount = owed(row)
        attempts = counts.get(row.pk, 0)
        if amount <= 0 or row.pk in busy:
            continue
        at = first_attempt(day, limits, attempts_total=attempts, tzinfo=zone())
        if at is None:
            continue
        mandate = mandates[row.loan_id]
        order = order_create(
            loan=mandate.loan,
            direction=PaymentOrder.Direction.COLLECT,
            purpose=PaymentOrder.Purpose.AUTO_DEBIT,
            amount=amount,
            idempotency_key=f"autodebit:{row.pk}:{attempts + 1}",
            business_date=day,
            installment=row,
            mandate=mandate,
            scheduled_for=at,
            attempt=attempts + 1,
        )
        created.append(order.pk)
    return created


def auto_debit_after(*, order_id: int) -> PaymentOrder | None:
    """After an attempt settled: a failure (or a partial debit) is retried the same day within
    the rule's limits. Returns the retry, if any."""
    order = PaymentOrder.objects.select_related("installment", "mandate", "loan").get(pk=order_id)
    settled_short = order.status == PaymentOrder.Status.SUCCEEDED and (
        order.amount_settled or ZERO
    ) < (order.amount)
    if order.status != PaymentOrder.Status.FAILED and not settled_short:
        return None
    row = Installment.objects.get(pk=order.installment_id)
    amount = owed(row)
    if (
        amount <= 0
        or order.mandate.status != Mandate.Status.ACTIVE
        or order.loan.status not in OPEN_LOANS
    ):
        return None
    attempts = PaymentOrder.objects.filter(
        installment_id=row.pk, purpose=PaymentOrder.Purpose.AUTO_DEBIT
    )
    at = next_attempt(
        order.scheduled_for.astimezone(zone()),
        debit_limits(),
        attempts_today=attempts.filter(business_date=order.business_date).count(),
        attempts_total=attempts.count(),
    )
    if at is None:
        return None
    return order_create(
        loan=order.loan,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.AUTO_DEBIT,
        amount=amount,
        idempotency_key=f"autodebit:{row.pk}:{attempts.count() + 1}",
        business_date=order.business_date,
        installment=row,
        mandate=order.mandate,
        scheduled_for=at,
        attempt=attempts.count() + 1,
    )


def auto_debits_send(*, until: datetime) -> int:
    """Send every created auto-debit attempt due by `until` (retries created meanwhile too).
    Returns how many were sent."""
    sent = 0
    while True:
        due = list(
            PaymentOrder.objects.filter(
                status=PaymentOrder.Status.CREATED,
                purpose=PaymentOrder.Purpose.AUTO_DEBIT,
                scheduled_for__lte=until,
            )
            .order_by("scheduled_for", "id")
            .values_list("id", flat=True)[:500]
        )
        if not due:
            return sent
        before = sent
        for order_id in due:
            if order_submit(order_id=order_id).status != PaymentOrder.Status.CREATED:
                sent += 1
        if sent == before:  # the gateway is down: polling sends them later
            return sent


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), zone())


def _retry_hook(order: PaymentOrder) -> None:
    if order.purpose == PaymentOrder.Purpose.AUTO_DEBIT:
        auto_debit_after(order_id=order.pk)


def register() -> None:
    if _retry_hook not in SETTLED_HOOKS:
        SETTLED_HOOKS.append(_retry_hook)
