"""One way to sign a contract (issue 22.2): a direct application and a drawdown both sign through
`loan_sign`, which copies the product's terms, writes one versioned snapshot and discloses the
APR by one rule; snapshots written before it still read."""

from datetime import date
from decimal import Decimal

import pytest

from calc.disclosure import disclosed_apr
from loans.models import Loan
from loans.services.origination import loan_create
from loans.services.quotes import product_quote
from loans.services.signing import SNAPSHOT_VERSION, signed_terms
from tests.origination.factories import TODAY, draw, open_line
from tests.origination.factories import make_product as make_origination_product

from .factories import make_borrower, make_product

pytestmark = pytest.mark.django_db
COPIED = (
    "currency",
    "penalty_rate",
    "grace_days",
    "allocation_order",
    "calendar",
    "shift_rule",
    "prepayment_mode",
    "cooling_off_days",
    "charge_off_days_past_due",
    "jurisdiction",
)


def assert_signed_from(loan: Loan) -> None:
    product = loan.product
    for name in COPIED:
        assert getattr(loan, name) == getattr(product, name), name
    terms = signed_terms(loan)
    assert terms.version == SNAPSHOT_VERSION == loan.terms_snapshot["version"]
    assert terms.product_code == product.code
    assert Decimal(terms.schedule_terms["principal"]) == loan.principal
    assert Decimal(terms.disclosure["apr_nominal"]) == loan.apr_nominal
    assert terms.disclosure["upfront_fee_withheld"] == loan.upfront_fee_withheld


def test_a_direct_loan_and_a_drawdown_write_one_snapshot_shape():
    direct = loan_create(
        borrower=make_borrower(),
        product=make_product(grace_days=3, cooling_off_days=10),
        principal=Decimal("6000.00"),
        term=6,
        application_date=date(2026, 1, 15),
        actor="tester",
    )
    cash = make_origination_product("cash_loan", grace_days=2)
    drawn = draw(open_line(cash), cash, "5000", 6).loan
    assert_signed_from(direct)
    assert_signed_from(drawn)
    assert set(direct.terms_snapshot) == set(drawn.terms_snapshot)
    assert signed_terms(drawn).pricing["credit_line"] == drawn.drawdown.line.reference
    assert drawn.application_date == drawn.start_date == TODAY


def test_a_fee_paid_with_the_first_installment_is_disclosed_by_the_same_rule():
    product = make_product(upfront_fee_rate=Decimal("0.02"), upfront_fee_withheld=False)
    loan = loan_create(
        borrower=make_borrower(),
        product=product,
        principal=Decimal("6000.00"),
        term=6,
        application_date=date(2026, 1, 15),
        actor="tester",
    )
    quote = product_quote(
        product=product, principal=loan.principal, term=6, start_date=loan.start_date
    ).quote
    apr, _ = disclosed_apr(quote, upfront_fee_withheld=False, jurisdiction="CN", cap_rule=None)
    # the fee is a flow of the first installment, not money withheld from the payout
    assert loan.apr_nominal == apr.nominal != quote.apr.nominal
    assert loan.terms_snapshot["disclosure"]["upfront_fee_withheld"] is False


def test_version_1_snapshots_of_both_shapes_still_read():
    direct = Loan(
        terms_snapshot={
            "product": {"code": "cash-12", "penalty_rate": "0.18"},
            "schedule_terms": {"principal": "6000.00", "term": 6},
            "level_amount": "1035.29",
        }
    )
    drawdown = Loan(
        terms_snapshot={
            "product": {"code": "shop-3", "method": "flat_fee"},
            "credit_line": "CL20260115AB",
            "pricing_band": "A",
            "base_rate": "0.12",
            "adjustments": [{"reason": "first_loan_discount", "change": "-0.01"}],
            "subsidy": "0",
            "guarantor_contact_allowed": True,
        }
    )
    read = signed_terms(direct)
    assert (read.version, read.product_code, read.level_amount) == (1, "cash-12", "1035.29")
    assert read.schedule_terms["term"] == 6 and read.disclosure is None
    read = signed_terms(drawdown)
    assert (read.version, read.product_code, read.schedule_terms) == (1, "shop-3", None)
    assert read.pricing["credit_line"] == "CL20260115AB"
    assert read.pricing["adjustments"][0]["change"] == "-0.01"
    assert read.guarantor_contact_allowed is True
