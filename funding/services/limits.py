"""A partner's exposure limit, checked with the lending limits at creation, approval, drawdown
and disbursement (`loans.services.lending_limits` calls it); at approval the loan's shares are
fixed from its arrangement."""

from __future__ import annotations

from decimal import Decimal

from core.money import ZERO
from loans.models import Loan
from loans.services.lending_limits import LendingLimitExceeded, LendingTerms

from ..models import ArrangementShare, Funder
from ..selectors.exposure import funder_exposure
from .arrangements import arrangement_for, loan_funding_assign


def funding_limits_check(terms: LendingTerms) -> None:
    from ledger.services import business_date_current

    today = business_date_current()
    arrangement = arrangement_for(product_id=terms.product_id, loan_id=terms.loan_id, on=today)
    if arrangement is None:
        return
    if terms.loan_id is not None:
        loan = Loan.objects.get(pk=terms.loan_id)
        if loan.status in (Loan.Status.PENDING, Loan.Status.APPROVED):
            loan_funding_assign(loan=loan, arrangement=arrangement)
    for row in ArrangementShare.objects.filter(arrangement=arrangement).select_related("funder"):
        funder = row.funder
        if funder.is_platform or funder.exposure_limit is None:
            continue
        # One decision at a time per funder: its exposure cannot be spent twice.
        list(Funder.objects.select_for_update().filter(pk=funder.pk).values_list("pk"))
        exposure = funder_exposure(funder, exclude_loan_id=terms.loan_id)
        added = (row.share * terms.principal).quantize(Decimal("0.01"))
        if exposure + added > funder.exposure_limit:
            headroom = max(funder.exposure_limit - exposure, ZERO)
            raise LendingLimitExceeded(
                f"Funder {funder.code}'s exposure is {exposure} {funder.currency}; its "
                f"{row.share:.2%} share of {terms.principal} adds {added}, making "
                f"{exposure + added}, above its limit of {funder.exposure_limit} "
                f"(at most {headroom} more).",
                limit=f"funder-exposure:{funder.code}",
                exposure=str(exposure),
                amount=str(added),
                headroom=str(headroom),
            )
