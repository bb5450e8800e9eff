"""The regulatory limits every loan is checked against, whichever path creates it: a direct
application (``origination.loan_create``), a drawdown on a credit line, or a back-office
creation; and again at approval and at disbursement, where the borrower's exposure may have
changed since.

One function, ``lending_limits_check``: the term limits of the product type and method (a
single bullet runs at most a year; a policy loan at most six months), the collateral a secured
type needs (a policy loan lends at most 90% of the pledged cash value), and the per-borrower
exposure limit of unsecured consumer credit (``calc.limits``; exposure as
``loans.selectors.exposure`` counts it). It locks the borrower's row first, so two approvals
or disbursements for one borrower are decided one after the other and cannot both pass on the
same headroom; callers run it inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calc import limits
from core.money import ZERO
from loans.errors import LoanRuleError
from loans.models import Borrower, Collateral, Loan, Product
from loans.selectors.exposure import unsecured_exposure


class LendingLimitExceeded(LoanRuleError):
    code = "lending-limit"
    title = "The loan is beyond a regulatory lending limit."


@dataclass(frozen=True)
class PledgedPolicy:
    """An insurance policy pledged for a policy loan: its cash value secures the loan."""

    insurer: str
    policy_number: str
    cash_value: Decimal
    valued_on: date


@dataclass(frozen=True)
class LendingTerms:
    """What the limits are checked on. ``loan_id``: the loan itself when it is rechecked (left
    out of the exposure, its principal added); ``on_line``: a drawdown, whose principal the
    line's limit already counts in the exposure."""

    borrower_id: int
    jurisdiction: str
    product_type: str
    method: str
    currency: str
    principal: Decimal
    term: int
    frequency: str
    cash_value: Decimal | None = None
    loan_id: int | None = None
    on_line: bool = False
    product_id: int | None = None


def lending_terms_for_product(
    *,
    borrower_id: int,
    product: Product,
    principal: Decimal,
    term: int,
    collateral: PledgedPolicy | None = None,
    on_line: bool = False,
) -> LendingTerms:
    return LendingTerms(
        borrower_id=borrower_id,
        jurisdiction=product.jurisdiction,
        product_type=product.product_type,
        method=product.method,
        currency=product.currency,
        principal=principal,
        term=term,
        frequency=product.frequency,
        cash_value=None if collateral is None else collateral.cash_value,
        on_line=on_line,
        product_id=product.pk,
    )


def lending_terms_for_loan(loan: Loan) -> LendingTerms:
    """A signed loan's terms as signed (its snapshot's product type, its pledged collateral)."""
    snapshot = (loan.terms_snapshot or {}).get("product") or {}
    product_type = snapshot.get("product_type") or loan.product.product_type
    cash_value = (
        Collateral.objects.filter(loan_id=loan.pk, status=Collateral.Status.PLEDGED)
        .values_list("cash_value", flat=True)
        .first()
    )
    return LendingTerms(
        borrower_id=loan.borrower_id,
        jurisdiction=loan.jurisdiction,
        product_type=product_type,
        method=loan.method,
        currency=loan.currency,
        principal=loan.principal,
        term=loan.term,
        frequency=loan.frequency,
        cash_value=cash_value,
        loan_id=loan.pk,
        product_id=loan.product_id,
    )


def borrower_lock(borrower_id: int) -> None:
    """The borrower's row, locked to the end of the transaction: what is granted to one
    borrower is decided by one transaction at a time."""
    list(Borrower.objects.select_for_update().filter(pk=borrower_id).values_list("pk"))


_checks: dict[str, Callable[[LendingTerms], None]] = {}


def lending_check_register(name: str, check: Callable[[LendingTerms], None]) -> None:
    """A check an app above this one adds to every lending-limit check (a funder's exposure
    limit): it raises `LendingLimitExceeded` to refuse."""
    _checks[name] = check


def lending_limits_check(terms: LendingTerms) -> None:
    """Refuse (``LendingLimitExceeded``, 422, with the figures and the rule's name) a loan
    beyond a term, collateral or exposure limit. Locks the borrower's row (see the module
    docstring)."""
    borrower_lock(terms.borrower_id)
    try:
        limits.term_check(
            jurisdiction=terms.jurisdiction,
            product_type=terms.product_type,
            method=terms.method,
            term=terms.term,
            frequency=terms.frequency,
        )
        limits.collateral_check(
            jurisdiction=terms.jurisdiction,
            product_type=terms.product_type,
            amount=terms.principal,
            cash_value=terms.cash_value,
        )
    except limits.LimitBreach as exc:
        raise LendingLimitExceeded(str(exc), limit=exc.limit) from exc
    _exposure_check(terms)
    for check in _checks.values():
        check(terms)


def _exposure_check(terms: LendingTerms) -> None:
    limit = limits.exposure_limit(terms.jurisdiction, terms.product_type)
    if limit is None or limit.currency != terms.currency:
        return
    exposure = unsecured_exposure(
        [terms.borrower_id], currency=limit.currency, exclude_loan_id=terms.loan_id
    ).get(terms.borrower_id, ZERO)
    added = ZERO if terms.on_line else terms.principal
    if exposure + added > limit.amount:
        headroom = max(limit.amount - exposure, ZERO)
        if terms.on_line:
            why = f"the line's limit included, it is above {limit.amount}"
        else:
            why = (
                f"{terms.principal} more would make {exposure + added}, above {limit.amount} "
                f"(at most {headroom} more)"
            )
        raise LendingLimitExceeded(
            f"{limit.source}: the borrower's exposure is {exposure} {limit.currency}; {why}.",
            limit=limit.name,
            exposure=str(exposure),
            amount=str(terms.principal),
            headroom=str(headroom),
        )
