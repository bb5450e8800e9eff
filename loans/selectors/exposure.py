"""A borrower's exposure: the credit the lender has granted them that counts against a
per-borrower regulatory limit (``calc.limits``), and what charged-off loans still owe.

Counted per borrower, unsecured consumer product types only, in one currency:

* approved loans not yet disbursed: their principal (a commitment);
* active and delinquent loans: the principal they owe in the ledger (1303);
* charged-off loans: what their write-off took off the books less what was recovered since
  (``written_off_outstanding``): a write-off is the lender's loss, not the borrower's release;
* and whatever the registered sources add: credit lines register theirs (their limits, which
  cover the loans drawn on them, so those loans are not counted twice). Sources are registered
  by the apps above this one (``exposure_source_register``), which this module never imports.

Paid-off, closed, cancelled, rejected and pending loans count nothing (an application is not a
commitment; a closed charged-off contract was sold or given up).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from calc import limits
from core.money import ZERO
from ledger import chart
from ledger.models import LoanAccountBalance
from ledger.selectors import loan_kind_totals
from loans.models import Loan

from .batch import among

WRITE_OFF_KIND = "write_off"
RECEIVABLES = (
    chart.LOANS_PRINCIPAL,
    chart.INTEREST_RECEIVABLE,
    chart.FEES_RECEIVABLE,
    chart.PENALTY_RECEIVABLE,
)
COUNTED = (
    Loan.Status.APPROVED,
    Loan.Status.ACTIVE,
    Loan.Status.DELINQUENT,
    Loan.Status.CHARGED_OFF,
)


@dataclass(frozen=True)
class ExposureShare:
    """What one source counts for one borrower, and the loans that amount already covers."""

    borrower_id: int
    amount: Decimal
    covered_loan_ids: frozenset[int] = field(default_factory=frozenset)


ExposureSource = Callable[[Sequence[int], "str | None"], Iterable[ExposureShare]]
"""``source(borrower_ids, currency)``: the shares of those borrowers (currency None: any)."""

_SOURCES: dict[str, ExposureSource] = {}


def exposure_source_register(name: str, source: ExposureSource) -> None:
    """Add (or replace) a named source of exposure; apps call this in ``AppConfig.ready``."""
    _SOURCES[name] = source


def outstanding_principal(loan_ids: Sequence[int]) -> dict[int, Decimal]:
    """Each loan's principal still owed (1303 on its normal side), from the ledger's stored
    per-(account, loan) totals."""
    if not loan_ids:
        return {}
    rows = LoanAccountBalance.objects.filter(
        account__code=chart.LOANS_PRINCIPAL, loan_id__in=among(loan_ids)
    ).values_list("loan_id", "debit_total", "credit_total")
    return {loan_id: debit - credit for loan_id, debit, credit in rows}


def written_off(loan_ids: Sequence[int]) -> dict[int, Decimal]:
    """Per loan, what its write-off took off the books: the receivables (principal, interest,
    fees, penalty) its ``write_off`` entry credited, net of a reversal of that entry (archived
    months included)."""
    totals: dict[int, Decimal] = {}
    for row in loan_kind_totals(
        loan_ids=list(loan_ids), codes=list(RECEIVABLES), kinds=[WRITE_OFF_KIND]
    ):
        totals[row.loan_id] = totals.get(row.loan_id, ZERO) + row.credit - row.debit
    return totals


def recovered(loan_ids: Sequence[int]) -> dict[int, Decimal]:
    """Per loan, the recoveries booked to it after its write-off (6111, net of reversals)."""
    totals: dict[int, Decimal] = {}
    for row in loan_kind_totals(loan_ids=list(loan_ids), codes=[chart.RECOVERIES]):
        totals[row.loan_id] = totals.get(row.loan_id, ZERO) + row.credit - row.debit
    return totals


def written_off_outstanding(loan_ids: Sequence[int]) -> dict[int, Decimal]:
    """Per loan written off: the amount written off less the recoveries since, never below
    zero (a recovery beyond the write-off is income, not negative exposure)."""
    amounts = written_off(loan_ids)
    back = recovered(list(amounts))
    return {
        loan_id: max(amount - back.get(loan_id, ZERO), ZERO) for loan_id, amount in amounts.items()
    }


def _loans_exposure(
    borrower_ids: Sequence[int], currency: str | None, covered: set[int], exclude: int | None
) -> dict[int, Decimal]:
    loans = Loan.objects.filter(
        borrower_id__in=among(borrower_ids),
        status__in=COUNTED,
        product__product_type__in=limits.UNSECURED_CONSUMER_TYPES,
    )
    if currency is not None:
        loans = loans.filter(currency=currency)
    rows = [
        row
        for row in loans.values_list("id", "borrower_id", "status", "principal")
        if row[0] not in covered and row[0] != exclude
    ]
    owed = outstanding_principal([row[0] for row in rows if row[2] in Loan.OPEN_STATUSES])
    lost = written_off_outstanding([row[0] for row in rows if row[2] == Loan.Status.CHARGED_OFF])
    exposure: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for loan_id, borrower_id, status, principal in rows:
        if status == Loan.Status.APPROVED:
            exposure[borrower_id] += principal
        elif status == Loan.Status.CHARGED_OFF:
            exposure[borrower_id] += lost.get(loan_id, ZERO)
        else:
            exposure[borrower_id] += max(owed.get(loan_id, ZERO), ZERO)
    return exposure


def unsecured_exposure(
    borrower_ids: Sequence[int], *, currency: str | None = None, exclude_loan_id: int | None = None
) -> dict[int, Decimal]:
    """Per borrower, the exposure that counts against the per-lender limit (see the module
    docstring), in ``currency`` (None: every currency, for the decision's facts). A loan being
    checked is left out (``exclude_loan_id``): the caller adds its principal."""
    borrower_ids = sorted(set(borrower_ids))
    exposure: dict[int, Decimal] = defaultdict(lambda: ZERO)
    covered: set[int] = set()
    for source in _SOURCES.values():
        for share in source(borrower_ids, currency):
            exposure[share.borrower_id] += share.amount
            covered |= share.covered_loan_ids
    for borrower_id, amount in _loans_exposure(
        borrower_ids, currency, covered, exclude_loan_id
    ).items():
        exposure[borrower_id] += amount
    return exposure
