"""The legal cost cap as of a past date, worked out from the loan's payment history (for the
independent conduct checker; not `collection.guarding`'s reading of the installments).

Under an all-in cost cap a lender may demand at most the principal still owed plus the part of
the cap's allowance (cap × principal outstanding × days / 365, day by day since disbursement)
that the borrower has not already paid as interest, fees and penalties. Everything is read as it
stood when the business date `day` began: payments recorded on earlier business dates only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_DOWN, Decimal

from calc.rate_caps import RateCapError, rate_cap
from loans.models import Allocation, Loan

CENT = Decimal("0.01")


class CapBook:
    """Per loan, its payments by business date, split into principal and charges."""

    def __init__(self, loan_ids):
        self.loans = {loan.id: loan for loan in Loan.objects.filter(id__in=set(loan_ids))}
        self.paid: dict[int, list[tuple[date, Decimal, Decimal]]] = defaultdict(list)
        rows = (
            Allocation.objects.filter(
                installment__loan_id__in=list(self.loans),
                active=True,
                repayment__status="posted",
            )
            .order_by("repayment__business_date", "id")
            .values_list("installment__loan_id", "repayment__business_date", "component", "amount")
        )
        for loan_id, day, component, amount in rows:
            principal = amount if component == "principal" else Decimal(0)
            self.paid[loan_id].append((day, principal, amount - principal))

    def cap_rate(self, loan: Loan) -> Decimal | None:
        try:
            return rate_cap(loan.jurisdiction, loan.start_date, loan.apr_cap_rule or None)[1]
        except RateCapError:
            return loan.apr_cap

    def limit(self, loan_id: int, day: date) -> Decimal | None:
        loan = self.loans[loan_id]
        cap = self.cap_rate(loan)
        if cap is None:
            return None
        outstanding = loan.principal
        charges = loan.upfront_fee
        principal_days = Decimal(0)
        since = loan.disbursed_on or loan.start_date
        for paid_on, principal, other in self.paid[loan_id]:
            if paid_on >= day:
                break
            principal_days += outstanding * (paid_on - since).days
            since = paid_on
            outstanding -= principal
            charges += other
        principal_days += outstanding * max((day - since).days, 0)
        unpaid_allowance = max(cap * principal_days / 365 - charges, Decimal(0))
        return (outstanding + unpaid_allowance).quantize(CENT, rounding=ROUND_DOWN)
