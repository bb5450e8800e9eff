"""Manual credits to a loan, applied only through an approved adjustment request
(``loans.services.adjustments``): waiving fees or penalty interest, and writing a loan off.

Waivers keep the schedule and the ledger equal: the amount waived leaves the receivable
(Cr 1133 fees / Cr 1134 penalty receivable) and the income it was booked to (Dr 6021 / 6031),
and the same amount leaves the installments' charged and due figures, oldest first, so
``fee_charged - fee_paid`` and ``penalty_due - penalty_paid`` still equal the ledger balances.
On a non-accrual loan the penalty was held in suspense rather than income; the close's suspense
true-up then releases the excess suspense to penalty income, which nets the waiver to zero
income there too.

A write-off posts the same entry the end-of-day charge-off does (``loans.eod.states``), under the
same key, so a loan is never written off twice whichever path got there first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from core.money import ZERO
from ledger import chart
from ledger.selectors import loan_balances
from ledger.services import EntrySpec, PostingResult, entry_post
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Installment, Loan
from loans.posting_rules import WRITE_OFF_KIND, waiver_lines, write_off_key, write_off_lines
from loans.transitions import loan_transition

from .effective_interest import yield_release
from .schedule_rows import open_sorted, row_status

WAIVABLE = {
    # component: (receivable, income, entry kind, charged field, due field)
    "fee": (chart.FEES_RECEIVABLE, chart.FEE_INCOME, "fee_waiver", "fee_charged", "fee_due"),
    "penalty": (
        chart.PENALTY_RECEIVABLE,
        chart.PENALTY_INCOME,
        "penalty_waiver",
        "penalty_due",
        "penalty_due",
    ),
}


def loan_waivable(*, loan: Loan, component: str) -> Decimal:
    """What of a component can be waived now: charged and not paid (the ledger's receivable)."""
    receivable = WAIVABLE[component][0]
    return max(ZERO, loan_balances(loan_id=loan.id, currency=loan.currency).get(receivable, ZERO))


def loan_charges_waive(
    *,
    loan: Loan,
    component: str,
    amount: Decimal,
    business_date: date,
    idempotency_key: str,
    actor: str,
    memo: str = "",
) -> PostingResult:
    """Waive ``amount`` of a loan's charged, unpaid fees or penalty interest (oldest
    installments first). The caller holds the loan's row lock (``select_for_update``)."""
    if component not in WAIVABLE:
        raise LoanRuleError(f"Only fees or penalty interest can be waived, not {component!r}.")
    if amount <= 0:
        raise LoanRuleError(f"The amount to waive must be positive, not {amount}.")
    receivable, income, kind, charged_field, due_field = WAIVABLE[component]
    with transaction.atomic():
        available = loan_waivable(loan=loan, component=component)
        if amount > available:
            raise LoanRuleError(
                f"Loan {loan.reference} has {available} {loan.currency} of {component} charged and "
                f"unpaid; {amount} cannot be waived."
            )
        paid_field = f"{component}_paid"
        rows = open_sorted(loan.installments.select_for_update().order_by("due_date", "number"))
        left = amount
        changed = []
        for row in rows:
            part = min(left, getattr(row, charged_field) - getattr(row, paid_field))
            if part <= 0:
                continue
            setattr(row, due_field, getattr(row, due_field) - part)
            if charged_field != due_field:
                setattr(row, charged_field, getattr(row, charged_field) - part)
            row.status = row_status(row, business_date)
            if row.status == Installment.Status.PAID and row.paid_on is None:
                row.paid_on = business_date
            changed.append(row)
            left -= part
            if not left:
                break
        if left:
            raise LoanRuleError(
                f"The schedule of loan {loan.reference} holds {amount - left} of the {amount} "
                f"{component} to waive; the books need reconciling first."
            )
        result = entry_post(
            spec=EntrySpec(
                kind=kind,
                business_date=business_date,
                idempotency_key=idempotency_key,
                currency=loan.currency,
                memo=memo or f"{component.capitalize()} waived on loan {loan.reference}",
                lines=tuple(waiver_lines(component=component, loan_id=loan.id, amount=amount)),
            ),
            actor=actor,
        )
        Installment.objects.bulk_update(
            changed, fields=sorted({due_field, charged_field, "status", "paid_on"})
        )
        if loan.is_open and not open_sorted(loan.installments.all()):
            loan_transition(
                loan=loan,
                action="pay_off",
                actor=actor,
                business_date=business_date,
                reason=f"{component} waived: nothing left to pay",
            )
            yield_release(loan=loan, business_date=business_date, actor=actor)
    return result


def loan_write_off(*, loan: Loan, business_date: date, actor: str, reason: str) -> PostingResult:
    """Write off (charge off) an open loan: every open receivable against the allowance, the
    interest in suspense and write-off expense; the loan becomes ``charged_off``, category loss.
    The caller holds the loan's row lock."""
    if not loan.is_open:
        raise LoanStateError(
            f"Loan {loan.reference} is {loan.status}; only open loans are written off."
        )
    with transaction.atomic():
        balances = loan_balances(loan_id=loan.id, currency=loan.currency)
        lines = write_off_lines(loan.id, balances)
        if not lines:
            raise LoanRuleError(f"Loan {loan.reference} owes nothing to write off.")
        result = entry_post(
            spec=EntrySpec(
                kind=WRITE_OFF_KIND,
                business_date=business_date,
                idempotency_key=write_off_key(loan.id),
                currency=loan.currency,
                lines=lines,
                memo=f"Write-off of loan {loan.reference}: {reason}"[:255],
            ),
            actor=actor,
        )
        loan_transition(
            loan=loan, action="charge_off", actor=actor, business_date=business_date, reason=reason
        )
        loan.risk_category = "loss"
        loan.save(update_fields=["risk_category", "updated_at"])
    return result
