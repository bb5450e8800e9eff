"""Merchants: settlement of what drawdowns owe them, and refunds that reduce a plan's principal.

Settlement pays each pending drawdown's payable net of the merchant's subsidy and of refunds
taken from it before settlement: Dr 2202 / Cr 1002 (key `merchant-settlement:{drawdown}`).

A refund or a cancelled service (a returned purchase, a course refunded) reduces the plan's
principal by the amount the merchant gives back: Dr 2202 when it is taken from a payable not
yet settled, Dr 1002 when the merchant pays it back after settlement; Cr 1303. The principal not
yet due is rebuilt with `calc.schedules.reschedule` over the same remaining due dates
(`lower_installment`): the current period keeps the interest it earned up to the refund date and
accrues on the reduced principal after it; per-period fees follow the reduced amount (the
service refunded is no longer financed). Installments already due are left as they are. A
refund of all the principal not yet due, with nothing else owed, pays the loan off. The
merchant's subsidy is not given back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from calc.accrual import accrued_through
from calc.schedules import RescheduleMode, ScheduleError, reschedule
from core.audit import NO_CONTEXT, AuditContext, audit_record
from core.db import action_transaction
from core.money import ZERO
from ledger.models import JournalEntry
from loans.models import Installment, Loan
from loans.posting_rules import merchant_refund_lines, merchant_settlement_lines
from loans.services.applying import loan_lock, loan_status_settle
from loans.services.book import LoanBook
from loans.services.schedule_rows import loan_rounding, period_end
from loans.terms import loan_terms
from origination.errors import OriginationError
from origination.models import Drawdown, Merchant

from .credit_lines import credit_line_restore

OPEN_ROW = (
    Installment.Status.SCHEDULED,
    Installment.Status.DUE,
    Installment.Status.PARTIALLY_PAID,
)
CARRIED = ("principal_paid", "interest_paid", "fee_paid", "penalty_due", "penalty_paid")


def merchant_register(
    *, code: str, name: str, kind: str, settlement_account_masked: str = ""
) -> Merchant:
    if kind not in Merchant.Kind.values:
        raise OriginationError(f"Unknown merchant kind {kind!r}.")
    with transaction.atomic():
        return Merchant.objects.create(
            code=code,
            name=name,
            kind=kind,
            settlement_account_masked=settlement_account_masked,
        )


def drawdown_payable(drawdown: Drawdown) -> Decimal:
    """What the merchant is still owed for a drawdown not yet settled."""
    if drawdown.settlement_status != Drawdown.Settlement.PENDING:
        return ZERO
    return drawdown.amount - drawdown.subsidy_amount - drawdown.refunded_amount


def merchant_settle(
    *,
    merchant: Merchant,
    business_date: date,
    actor: str,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> list[Drawdown]:
    """Pay the merchant every pending drawdown's net payable (one entry per drawdown). One
    durable transaction with its audit row (``merchant.settle``)."""
    with action_transaction(durable=durable):
        pending = list(
            Drawdown.objects.select_for_update()
            .filter(merchant=merchant, settlement_status=Drawdown.Settlement.PENDING)
            .select_related("loan")
            .order_by("id")
        )
        for drawdown in pending:
            amount = drawdown_payable(drawdown)
            if amount > 0:
                book = LoanBook(drawdown.loan, business_date=business_date)
                book.add(merchant_settlement_lines(loan_id=drawdown.loan_id, amount=amount))
                book.post(
                    kind="merchant_settlement",
                    key=f"merchant-settlement:{drawdown.pk}",
                    value_date=business_date,
                    memo=f"Settlement to {merchant.code} for loan {drawdown.loan.reference}",
                    actor=actor,
                )
            drawdown.settlement_status = Drawdown.Settlement.SETTLED
            drawdown.settled_amount = amount
            drawdown.settled_on = business_date
        Drawdown.objects.bulk_update(pending, ["settlement_status", "settled_amount", "settled_on"])
        audit_record(
            actor=audit.actor(actor),
            action="merchant.settle",
            target=merchant,
            after={
                "drawdowns": [drawdown.pk for drawdown in pending],
                "amount": sum((drawdown.settled_amount for drawdown in pending), ZERO),
            },
            reason=audit.reason,
            source=audit.source,
            business_date=business_date,
        )
        return pending


def merchant_refund(
    *,
    drawdown: Drawdown,
    amount: Decimal,
    business_date: date,
    actor: str,
    idempotency_key: str,
    reason: str,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Drawdown:
    """Reduce a drawdown's plan by a merchant refund (see the module docstring). The same key
    refunds once. One durable transaction with its audit row (``drawdown.refund``)."""
    key = f"merchant-refund:{idempotency_key}"
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise OriginationError("A refund is a positive amount in cents.")
    with action_transaction(durable=durable):
        locked = Drawdown.objects.select_for_update().get(pk=drawdown.pk)
        if JournalEntry.objects.filter(idempotency_key=key).exists():
            return locked
        if locked.merchant_id is None:
            raise OriginationError("Only a merchant drawdown takes merchant refunds.")
        loan = loan_lock(locked.loan_id)
        if loan.status not in Loan.OPEN_STATUSES:
            raise OriginationError(f"Loan {loan.reference} is {loan.status}.")
        from_payable = locked.settlement_status == Drawdown.Settlement.PENDING
        if from_payable and amount > drawdown_payable(locked):
            raise OriginationError(
                f"The refund {amount} is above the {drawdown_payable(locked)} still owed "
                "to the merchant."
            )
        book = _reduce_principal(loan, locked, amount, business_date)
        book.add(merchant_refund_lines(loan_id=loan.id, amount=amount, from_payable=from_payable))
        book.post(
            kind="merchant_refund",
            key=key,
            value_date=business_date,
            memo=f"Merchant refund on loan {loan.reference}: {reason}"[:255],
            actor=actor,
        )
        book.flush()
        locked.refunded_amount += amount
        locked.save(update_fields=["refunded_amount"])
        loan_status_settle(book, actor=actor, reason=f"merchant refund {idempotency_key}")
        credit_line_restore(loan=loan, principal_repaid=amount)
        audit_record(
            actor=audit.actor(actor),
            action="drawdown.refund",
            target=locked,
            after={
                "amount": amount,
                "refunded_amount": locked.refunded_amount,
                "loan": loan.reference,
            },
            reason=audit.reason or reason,
            source=audit.source,
            business_date=business_date,
        )
        return locked


def _carry(new: Installment, old: Installment) -> None:
    """What the replaced row had recognized and been paid stays with its replacement."""
    new.principal_due += old.principal_paid
    new.interest_due = max(new.interest_due, old.interest_accrued)
    new.interest_accrued = old.interest_accrued
    new.fee_due = max(new.fee_due, old.fee_charged)
    new.fee_charged = old.fee_charged
    for name in CARRIED:
        setattr(new, name, getattr(old, name))


def _reduce_principal(
    loan: Loan, drawdown: Drawdown, amount: Decimal, business_date: date
) -> LoanBook:
    rows = list(
        Installment.objects.filter(loan=loan)
        .exclude(status=Installment.Status.CANCELLED)
        .order_by("number")
    )
    book = LoanBook(loan, business_date=business_date, rows=rows)
    future = [r for r in rows if r.status in OPEN_ROW and r.due_date > business_date]
    not_due = sum((r.principal_due - r.principal_paid for r in future), ZERO)
    if amount > not_due:
        raise OriginationError(
            f"The refund {amount} is above the principal not yet due ({not_due})."
        )
    current = future[0]
    earned = accrued_through(
        current.interest_due,
        current.period_start,
        period_end(current),
        business_date,
        loan_rounding(loan),
    )
    remaining = not_due - amount
    for row in future:
        row.status = Installment.Status.CANCELLED
        book.touch(row)
    replacement: list[Installment] = []
    if remaining > 0:
        terms = loan_terms(loan, start_date=loan.disbursed_on or loan.start_date)
        terms = replace(terms, fee_base=loan.principal - drawdown.refunded_amount - amount)
        try:
            schedule = reschedule(
                terms,
                principal=remaining,
                start_date=business_date,
                remaining_term=len(future),
                mode=RescheduleMode.LOWER_INSTALLMENT,
                first_due_date=period_end(current),
            )
        except ScheduleError as exc:
            raise OriginationError(f"The schedule cannot be rebuilt: {exc}") from exc
        for item, old in zip(schedule.installments, future, strict=True):
            row = Installment(
                loan=loan,
                number=old.number,
                period_start=item.period_start,
                due_date=item.due_date,
                days_in_period=item.days_in_period,
                principal_due=item.principal,
                interest_due=item.interest,
                fee_due=item.fee,
            )
            _carry(row, old)
            replacement.append(row)
        first = replacement[0]
        # The current period keeps its dates (the close accrues it over them) and the interest
        # it earned before the refund, then accrues on the reduced principal.
        first.period_start, first.days_in_period = current.period_start, current.days_in_period
        first.interest_due = (
            max(earned, current.interest_accrued) + schedule.installments[0].interest
        )
    else:
        for old in future:
            row = Installment(
                loan=loan,
                number=old.number,
                period_start=old.period_start,
                due_date=old.due_date,
                days_in_period=old.days_in_period,
                principal_due=ZERO,
                interest_due=max(earned, old.interest_accrued) if old is current else ZERO,
                fee_due=ZERO,
            )
            _carry(row, old)
            if row.total_due:
                replacement.append(row)
    for row in replacement:
        book.settle_status(row, business_date)
    book.create_rows(replacement)
    return book


def merchant_refunds_total(*, merchant: Merchant) -> Decimal:
    return Drawdown.objects.filter(merchant=merchant).aggregate(
        total=Sum("refunded_amount", default=ZERO)
    )["total"]
