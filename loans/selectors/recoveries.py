"""What was written off on a charged-off loan and what has been recovered since, from the ledger.

Written off: the receivables (principal, interest, fees, penalty interest) the write-off entry
took off the books. Recovered: the loan's recoveries income (6111), net of reversals. Both are
sums of the loan's own journal lines (the (loan, account) index), so the figures are the books'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max, Q, QuerySet, Sum

from calc.money import minor_unit_for
from core.money import ZERO
from ledger import chart
from ledger.models import JournalLine
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
    """The loan's written-off amount and its recoveries (up to a business date)."""
    lines = JournalLine.objects.filter(loan_id=loan.pk, account__currency=loan.currency)
    if as_of is not None:
        lines = lines.filter(business_date__lte=as_of)
    write_off = Q(entry__kind=WRITE_OFF_KIND, account__code__in=RECEIVABLES)
    recovery = Q(account__code=chart.RECOVERIES)
    totals = lines.filter(write_off | recovery).aggregate(
        written_credit=Sum("credit", filter=write_off, default=ZERO),
        written_debit=Sum("debit", filter=write_off, default=ZERO),
        written_on=Max("business_date", filter=write_off),
        recovered_credit=Sum("credit", filter=recovery, default=ZERO),
        recovered_debit=Sum("debit", filter=recovery, default=ZERO),
    )
    unit = minor_unit_for(loan.currency)  # SQLite (the demo) sums decimals as floats
    return LoanRecovery(
        loan_id=loan.pk,
        currency=loan.currency,
        written_off=(totals["written_credit"] - totals["written_debit"]).quantize(unit),
        written_off_on=totals["written_on"],
        recovered=(totals["recovered_credit"] - totals["recovered_debit"]).quantize(unit),
    )


def loan_recoveries(*, loan_id: int) -> QuerySet[Repayment]:
    """The loan's recoveries, posted and reversed, oldest first."""
    return Repayment.objects.filter(loan_id=loan_id, kind=Repayment.Kind.RECOVERY).order_by(
        "value_date", "id"
    )
