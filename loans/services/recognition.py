"""Recognizing what an installment earns: interest, the period fee and penalty interest.

The end-of-day close recognizes these day by day; a repayment that pays interest or a fee before
the close has recognized it (an early payment, a prepayment, a payoff) recognizes exactly that
amount first ("catch-up"), so receivables never go negative and the close, which books the
difference between its target and what is recognized, never books it twice.

Posting rules (every line carries the loan):
    interest   Dr 1132 interest receivable / Cr 6011 interest income (Cr 2261 interest in
               suspense when the loan is on non-accrual)
    fee        Dr 1133 fees receivable / Cr 6021 fee income
    penalty    Dr 1134 penalty receivable / Cr 6031 penalty income (Cr 2261 on non-accrual)
A negative amount takes recognition back with the mirrored lines (interest from suspense first,
up to the `suspense` given: what was most recently recognized on a non-accrual loan).

The `*_lines` builders are pure and let a caller fold a recognition into a larger entry (the
repayment does, so that its one posting is one round trip); `recognize_interest`, `charge_fee`
and `accrue_penalty` post a recognition on its own and raise the installment's figure.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from core.money import ZERO
from ledger import chart
from ledger.services import EntrySpec, LineSpec, PostingResult, entry_post
from loans.errors import LoanRuleError
from loans.models import Installment, Loan


def _pair(debit: str, credit: str, amount: Decimal, loan_id: int) -> list[LineSpec]:
    return [
        LineSpec(account=debit, debit=amount, loan_id=loan_id),
        LineSpec(account=credit, credit=amount, loan_id=loan_id),
    ]


def interest_lines(
    *, loan_id: int, amount: Decimal, non_accrual: bool, suspense: Decimal = ZERO
) -> list[LineSpec]:
    """Recognize (amount > 0) or take back (amount < 0) interest of a loan."""
    if amount > 0:
        income = chart.INTEREST_SUSPENSE if non_accrual else chart.INTEREST_INCOME
        return _pair(chart.INTEREST_RECEIVABLE, income, amount, loan_id)
    if amount == 0:
        return []
    taken = -amount
    from_suspense = min(taken, max(suspense, ZERO))
    lines = [LineSpec(account=chart.INTEREST_RECEIVABLE, credit=taken, loan_id=loan_id)]
    if from_suspense:
        lines.append(
            LineSpec(account=chart.INTEREST_SUSPENSE, debit=from_suspense, loan_id=loan_id)
        )
    if taken - from_suspense:
        lines.append(
            LineSpec(account=chart.INTEREST_INCOME, debit=taken - from_suspense, loan_id=loan_id)
        )
    return lines


def fee_lines(*, loan_id: int, amount: Decimal) -> list[LineSpec]:
    """Charge (amount > 0) or take back (amount < 0) fees of a loan."""
    if amount > 0:
        return _pair(chart.FEES_RECEIVABLE, chart.FEE_INCOME, amount, loan_id)
    if amount < 0:
        return _pair(chart.FEE_INCOME, chart.FEES_RECEIVABLE, -amount, loan_id)
    return []


def penalty_lines(*, loan_id: int, amount: Decimal, non_accrual: bool) -> list[LineSpec]:
    """Accrue (amount > 0) or take back (amount < 0) penalty interest of a loan."""
    income = chart.INTEREST_SUSPENSE if non_accrual else chart.PENALTY_INCOME
    if amount > 0:
        return _pair(chart.PENALTY_RECEIVABLE, income, amount, loan_id)
    if amount < 0:
        return _pair(chart.PENALTY_INCOME, chart.PENALTY_RECEIVABLE, -amount, loan_id)
    return []


def _post(
    *,
    loan: Loan,
    lines: list[LineSpec],
    kind: str,
    business_date: date,
    idempotency_key: str,
    actor: str,
    memo: str,
) -> PostingResult:
    spec = EntrySpec(
        kind=kind,
        business_date=business_date,
        lines=tuple(lines),
        idempotency_key=idempotency_key,
        currency=loan.currency,
        memo=memo,
    )
    return entry_post(spec=spec, actor=actor)


def _recognize(
    *,
    installment: Installment,
    amount: Decimal,
    field: str,
    lines: list[LineSpec],
    kind: str,
    memo: str,
    business_date: date,
    idempotency_key: str,
    actor: str,
) -> PostingResult:
    """Post `lines` and raise the installment's `field` by `amount`, once per key (a repeated
    key posts nothing and raises nothing twice). The caller holds the loan's row lock."""
    with transaction.atomic():
        result = _post(
            loan=installment.loan,
            lines=lines,
            kind=kind,
            business_date=business_date,
            idempotency_key=idempotency_key,
            actor=actor,
            memo=memo,
        )
        if result.created:
            Installment.objects.filter(pk=installment.pk).update(**{field: F(field) + amount})
            setattr(installment, field, getattr(installment, field) + amount)
    return result


def recognize_interest(
    *,
    installment: Installment,
    amount: Decimal,
    business_date: date,
    idempotency_key: str,
    actor: str = "system",
    kind: str = "accrual",
) -> PostingResult:
    """Recognize `amount` (> 0) more of an installment's interest and raise `interest_accrued`.

    Keeps interest_paid <= interest_accrued <= interest_due (the database refuses more).
    """
    if amount <= 0:
        raise LoanRuleError(f"Interest to recognize must be positive, not {amount}.")
    loan = installment.loan
    return _recognize(
        installment=installment,
        amount=amount,
        field="interest_accrued",
        lines=interest_lines(loan_id=loan.id, amount=amount, non_accrual=loan.non_accrual),
        kind=kind,
        memo=f"Interest of installment {installment.number}",
        business_date=business_date,
        idempotency_key=idempotency_key,
        actor=actor,
    )


def charge_fee(
    *,
    installment: Installment,
    amount: Decimal,
    business_date: date,
    idempotency_key: str,
    actor: str = "system",
    kind: str = "fee",
) -> PostingResult:
    """Charge `amount` (> 0) more of an installment's fee and raise `fee_charged` (at most
    `fee_due`)."""
    if amount <= 0:
        raise LoanRuleError(f"A fee to charge must be positive, not {amount}.")
    return _recognize(
        installment=installment,
        amount=amount,
        field="fee_charged",
        lines=fee_lines(loan_id=installment.loan.id, amount=amount),
        kind=kind,
        memo=f"Fee of installment {installment.number}",
        business_date=business_date,
        idempotency_key=idempotency_key,
        actor=actor,
    )


def accrue_penalty(
    *,
    installment: Installment,
    amount: Decimal,
    business_date: date,
    idempotency_key: str,
    actor: str = "system",
    kind: str = "penalty",
) -> PostingResult:
    """Accrue `amount` (> 0) of penalty interest on an installment, raising `penalty_due`."""
    if amount <= 0:
        raise LoanRuleError(f"A penalty must be positive, not {amount}.")
    loan = installment.loan
    return _recognize(
        installment=installment,
        amount=amount,
        field="penalty_due",
        lines=penalty_lines(loan_id=loan.id, amount=amount, non_accrual=loan.non_accrual),
        kind=kind,
        memo=f"Penalty interest on installment {installment.number}",
        business_date=business_date,
        idempotency_key=idempotency_key,
        actor=actor,
    )
