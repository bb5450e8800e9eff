"""Every path that creates a loan is checked against the regulatory lending limits, at creation,
approval and disbursement; product saves refuse terms the product type's rules forbid (issue
23, item 3)."""

from datetime import date
from decimal import Decimal

import pytest

from loans.models import Loan
from loans.services.applications import loan_apply
from loans.services.disbursement import loan_disburse
from loans.services.lending_limits import LendingLimitExceeded
from loans.services.origination import loan_approve
from loans.services.products import ProductRuleError, product_save
from tests.products.conftest import make_product as unsaved_product

from .factories import ACTOR, make_borrower, make_product, reload

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 1, 15)


def apply(borrower, product, principal: str, term: int) -> Loan:
    return loan_apply(
        borrower=borrower,
        product_code=product.code,
        principal=D(principal),
        term=term,
        business_date=TODAY,
        actor=ACTOR,
    )


def approve(loan: Loan) -> Loan:
    return loan_approve(loan=loan, business_date=TODAY, actor=ACTOR)


def disburse(loan: Loan) -> Loan:
    return loan_disburse(loan=loan, business_date=TODAY, actor=ACTOR)


def test_a_policy_loan_with_no_collateral_and_a_12_month_term_is_refused():
    policy_loan = make_product(product_type="policy_loan", method="interest_only", max_term=12)
    with pytest.raises(LendingLimitExceeded, match="6 months") as refused:
        apply(make_borrower(), policy_loan, "10000.00", 12)
    assert refused.value.context["limit"] == "CN-policy-loan"
    # within the term, the direct path has no pledge to secure it
    with pytest.raises(LendingLimitExceeded, match="no cash value pledged"):
        apply(make_borrower(), policy_loan, "10000.00", 6)
    assert not Loan.objects.exists()


def test_a_24_month_bullet_is_refused():
    bullet = make_product(method="bullet", max_term=24)
    with pytest.raises(LendingLimitExceeded, match="24.0 months") as refused:
        apply(make_borrower(), bullet, "10000.00", 24)
    assert refused.value.context["limit"] == "CN-bullet-1y"
    assert refused.value.status_code == 422
    assert apply(make_borrower(), bullet, "10000.00", 12).status == "pending"


def test_one_borrower_cannot_get_two_250000_loans_over_the_200000_limit():
    cash = make_product()
    borrower = make_borrower()
    with pytest.raises(LendingLimitExceeded) as refused:
        apply(borrower, cash, "250000.00", 12)
    assert refused.value.context["limit"] == "CN-internet-consumer-200k"
    assert "above 200000.00" in refused.value.detail
    # one loan within the limit is disbursed; a second beyond what it leaves is refused
    disburse(approve(apply(borrower, cash, "150000.00", 12)))
    with pytest.raises(LendingLimitExceeded, match="at most 50000.00 more") as second:
        apply(borrower, cash, "60000.00", 12)
    assert second.value.context["exposure"] == "150000.00"
    assert apply(borrower, cash, "50000.00", 12).status == "pending"


def test_approval_counts_the_loans_approved_since_the_application():
    cash = make_product()
    borrower = make_borrower()
    # two applications of 150,000, each within the limit on its own (applications are not
    # commitments)
    first, second = (apply(borrower, cash, "150000.00", 12) for _ in range(2))
    approve(first)
    with pytest.raises(LendingLimitExceeded, match="exposure is 150000.00"):
        approve(second)
    assert reload(second).status == "pending"


def test_disbursement_checks_the_exposure_again():
    cash = make_product()
    borrower = make_borrower()
    first, second = (apply(borrower, cash, "150000.00", 12) for _ in range(2))
    disburse(approve(first))
    # the second was approved before approvals checked the limits
    Loan.objects.filter(pk=second.pk).update(status=Loan.Status.APPROVED)
    with pytest.raises(LendingLimitExceeded, match="exposure is 150000.00"):
        disburse(reload(second))
    assert reload(second).status == "approved"


def test_limits_apply_in_their_currency_only():
    yen = make_product(currency="JPY", min_amount=D("100000"), max_amount=D("5000000"))
    assert apply(make_borrower(), yen, "1000000", 12).status == "pending"


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"method": "bullet", "max_term": 24, "allowed_terms": []}, "max_term", "CN-bullet-1y"),
        (
            {"method": "bullet", "max_term": 24, "allowed_terms": [6, 18]},
            "allowed_terms",
            "CN-bullet-1y",
        ),
        ({"product_type": "policy_loan", "method": "interest_only"}, "allowed_terms", "6 months"),
        ({"max_amount": D("250000.00")}, "max_amount", "200000.00"),
    ],
)
def test_a_product_save_refuses_terms_its_type_forbids(fields, field, text):
    product = unsaved_product(code="limits-product", **fields)
    with pytest.raises(ProductRuleError) as refused:
        product_save(product=product, on_date=TODAY)
    assert any(text in message for message in refused.value.errors[field]), refused.value.errors
    assert product.pk is None


def test_a_product_within_its_types_rules_saves():
    saved = product_save(
        product=unsaved_product(code="bullet-1y", method="bullet", allowed_terms=[3, 6, 12]),
        on_date=TODAY,
    )
    assert saved.pk is not None
