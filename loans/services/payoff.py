"""Payoff (full prepayment): the quote for any date, exact to the cent, and its settlement.

The quote on date D is the principal outstanding, the interest to D (in full for periods ended by
D, for the current period the part accrued to D by `calc.accrual.accrued_through` on the
loan's terms, never less than what was already paid), every fee due by D (and an upfront fee
charged on the first installment) and the penalties outstanding. Paying exactly that on D pays
the loan off with nothing left. Penalties are those booked when the quote is made: a quote for
a later date does not project penalty interest the close would book meanwhile, and a quote for
an earlier date does not unwind repayments dated after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.audit import NO_CONTEXT, AuditContext
from loans.models import Installment, Loan, Repayment

from .applying import PaymentRequest, loan_rows, payment_receive
from .payoff_plan import payoff_plan


@dataclass(frozen=True)
class PayoffQuote:
    loan_id: int
    on: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalties

    def as_dict(self) -> dict[str, object]:
        return {
            "loan_id": self.loan_id,
            "on": self.on,
            "principal": self.principal,
            "interest": self.interest,
            "fees": self.fees,
            "penalties": self.penalties,
            "total": self.total,
        }


def loan_payoff_quote(
    *, loan: Loan, on: date, open_rows: list[Installment] | None = None
) -> PayoffQuote:
    """What pays the loan off on `on` (reads only; the loan's open installments as given, if
    the caller read them)."""
    if open_rows is None:
        open_rows = loan_rows(loan, open_only=True)
    plan = payoff_plan(loan, open_rows, on)
    return PayoffQuote(
        loan_id=loan.pk,
        on=on,
        principal=plan.principal,
        interest=plan.interest,
        fees=plan.fees,
        penalties=plan.penalties,
    )


def loan_pay_off(
    *,
    loan: Loan,
    amount: Decimal,
    value_date: date,
    business_date: date,
    idempotency_key: str,
    channel: str = "",
    external_reference: str = "",
    actor: str = "system",
    limited: bool = False,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Repayment:
    """Settle the loan on `value_date`. `amount` below the payoff amount raises
    `LoanRuleError` (with the figure); above it, the excess is held as an overpayment."""
    request = PaymentRequest(
        kind=Repayment.Kind.PAYOFF,
        amount=amount,
        value_date=value_date,
        idempotency_key=idempotency_key,
        channel=channel,
        external_reference=external_reference,
    )
    return payment_receive(
        loan=loan,
        request=request,
        business_date=business_date,
        actor=actor,
        payoff_required=True,
        limited=limited,
        audit=audit,
        durable=durable,
    )
