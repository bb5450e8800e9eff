"""Recording the lender's credit assessment of a borrower (the decision pipeline, a bureau
pull, staff through ``backoffice.backoffice_credit_assess``): the only scores prices follow."""

from __future__ import annotations

from datetime import date

from loans.errors import LoanRuleError
from loans.models import Borrower, CreditAssessment

MAX_SCORE = 9999


def credit_assessment_record(
    *,
    borrower: Borrower,
    score: int,
    source: str,
    business_date: date,
    assessed_by: str,
    provider: str = "",
    reference: str = "",
    reason: str = "",
) -> CreditAssessment:
    """A new assessment of ``borrower`` (rows are never edited: the newest supersedes)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        raise LoanRuleError(f"A credit score is a whole number from 0 to {MAX_SCORE}.")
    if source not in CreditAssessment.Source.values:
        raise LoanRuleError(f"Unknown assessment source {source!r}.")
    return CreditAssessment.objects.create(
        borrower=borrower,
        score=score,
        source=source,
        provider=provider[:64],
        reference=reference[:64],
        reason=reason[:255],
        assessed_by=assessed_by[:150],
        business_date=business_date,
    )
