"""What was written off on a charged-off loan and what has been recovered since, from the ledger.

Written off: the receivables (principal, interest, fees, penalty interest) the write-off entry
took off the books. Recovered: the loan's recoveries income (6111), net of reversals. Both are
sums of the loan's own journal lines (the (loan, account) index), so the figures are the books'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from calc.money import minor_unit_for
from core.money import ZERO
from ledger import chart
from ledger.selectors import loan_kind_totals
from loans.models import Loan, Repayment
from loans.posting_rules import RECEIVABLES, WRITE_OFF_KIND


@dataclass(frozen=True)
class LoanRecovery:
    loan_id: int
    currency: str
    written_off: Decimal
    written_off_on: date | None
    recovered: Decimal

    @property
    def remaining(self) -> Decimal:
        """What may still be recovered."""
        return self.written_off - self.recovered

    @property
    def fully_recovered(self) -> bool:
        return self.written_off > 0 and self.recovered >= self.written_off


def loan_recovery(*, loan: Loan, as_of: date | None = None) -> LoanRecovery:
    """The loan's written-off amount (net of a reversal of the write-off) and its recoveries,
    up to a business date, archived months included."""
    rows = loan_kind_totals(
        loan_ids=[loan.pk],
        codes=[*RECEIVABLES, chart.RECOVERIES],
        as_of=as_of,
        currency=loan.currency,
    )
    written = [r for r in rows if r.kind == WRITE_OFF_KIND and r.code in RECEIVABLES]
    back = [r for r in rows if r.code == chart.RECOVERIES]
    unit = minor_unit_for(loan.currency)
    return LoanRecovery(
        loan_id=loan.pk,
        currency=loan.currency,
        written_off=sum((r.credit - r.debit for r in written), ZERO).quantize(unit),
        written_off_on=max((r.last_date for r in written), default=None),
        recovered=sum((r.credit - r.debit for r in back), ZERO).quantize(unit),
    )


def loan_recoveries(*, loan_id: int) -> QuerySet[Repayment]:
    """The loan's recoveries, posted and reversed, oldest first."""
    return Repayment.objects.filter(loan_id=loan_id, kind=Repayment.Kind.RECOVERY).order_by(
        "value_date", "id"
    )
