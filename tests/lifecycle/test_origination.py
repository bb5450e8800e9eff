"""Signing a loan: terms snapshot, APR disclosure, approval and the state machine's refusals."""

from datetime import date
from decimal import Decimal

import pytest

from loans.errors import LoanRuleError, LoanStateError
from loans.models import LoanTransition
from loans.services.disbursement import loan_disburse
from loans.services.origination import loan_approve, loan_cancel, loan_create, loan_reject
from loans.transitions import loan_transition

from .factories import ACTOR, make_active_loan, make_borrower, make_loan, make_product, reload

pytestmark = pytest.mark.django_db
START = date(2026, 1, 15)


def test_a_pending_loan_snapshots_its_terms_and_discloses_the_apr():
    # given a product with a withheld upfront fee
    product = make_product(upfront_fee_amount=Decimal("100.00"), fee_rate=Decimal("0.001"))
    # when a loan is signed on it
    loan = make_loan("6000.00", 6, START, product=product, approve=False)
    # then the loan carries the terms, and editing the product later changes nothing
    assert loan.status == "pending"
    assert (loan.principal, loan.term, loan.annual_rate) == (Decimal("6000.00"), 6, Decimal("0.12"))
    assert loan.upfront_fee == Decimal("100.00") and loan.upfront_fee_withheld
    assert loan.terms_snapshot["product"]["code"] == product.code
    assert loan.apr_nominal > Decimal("0.12") and loan.apr_cap is not None
    product.annual_rate = Decimal("0.20")
    product.save()
    assert reload(loan).annual_rate == Decimal("0.12")


def test_a_fee_paid_with_the_first_installment_gives_a_lower_apr_than_one_withheld():
    withheld = make_loan("6000.00", 6, START, upfront_fee_amount=Decimal("90.00"))
    financed = make_loan(
        "6000.00", 6, START, upfront_fee_amount=Decimal("90.00"), upfront_fee_withheld=False
    )
    assert financed.apr_nominal < withheld.apr_nominal


def test_an_apr_above_the_cap_is_refused_with_the_figures():
    product = make_product(annual_rate=Decimal("0.30"))
    with pytest.raises(LoanRuleError) as refused:
        loan_create(
            borrower=make_borrower(),
            product=product,
            principal=Decimal("1000.00"),
            term=3,
            application_date=START,
            actor=ACTOR,
        )
    assert "cap" in str(refused.value) and refused.value.context["apr"]


def test_approve_reject_and_cancel_are_logged_and_illegal_moves_refused():
    # given a pending loan
    loan = make_loan(approve=False)
    # when it is approved, then every transition is logged with actor and business date
    loan = loan_approve(loan=loan, business_date=START, actor="officer", reason="score ok")
    log = LoanTransition.objects.get(loan=loan)
    assert (log.from_status, log.to_status, log.actor) == ("pending", "approved", "officer")
    # approving twice is illegal
    with pytest.raises(LoanStateError):
        loan_approve(loan=loan, business_date=START, actor=ACTOR)
    loan = loan_cancel(loan=loan, business_date=START, actor=ACTOR, reason="withdrawn")
    assert loan.status == "cancelled"
    with pytest.raises(LoanStateError):
        loan_disburse(loan=loan, business_date=START, actor=ACTOR)
    rejected = loan_reject(loan=make_loan(), business_date=START, actor=ACTOR)
    assert rejected.status == "rejected"


def test_a_disbursed_loan_is_not_withdrawn_and_cannot_skip_states():
    loan = make_active_loan()
    with pytest.raises(LoanStateError):
        loan_cancel(loan=loan, business_date=START, actor=ACTOR)
    with pytest.raises(LoanStateError):
        loan_transition(loan=loan, action="close", actor=ACTOR, business_date=START)
    with pytest.raises(LoanStateError):
        loan_transition(loan=loan, action="reopen", actor=ACTOR, business_date=START)
    with pytest.raises(LoanStateError):
        loan_disburse(loan=loan, business_date=START, actor=ACTOR)
    with pytest.raises(LoanStateError):
        loan_disburse(loan=make_loan(approve=False), business_date=START, actor=ACTOR)
