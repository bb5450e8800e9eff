"""Credit lines: drawdowns reduce the available amount, principal repaid restores it, limit
changes are logged, delinquency freezes and cure unfreezes, drawdowns are idempotent."""

from datetime import timedelta
from decimal import Decimal

import pytest

from loans.models import Loan
from loans.services.repayments import loan_repay
from origination.errors import (
    CreditLimitExceeded,
    CreditLineStateError,
    DrawdownIdempotencyConflict,
    OriginationError,
)
from origination.models import CreditLimitChange, Drawdown
from origination.services.credit_lines import (
    credit_line_available,
    credit_line_change_limit,
    credit_line_close,
    credit_line_freeze,
    credit_line_restore,
    credit_line_unfreeze,
)
from origination.services.line_sync import credit_lines_sync
from tests.lifecycle.factories import assert_books_consistent, schedule

from .factories import ACTOR, TODAY, draw, make_product, open_line

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def cash():
    return make_product("cash_loan")


@pytest.fixture
def line(cash):
    return open_line(cash)


def test_a_drawdown_reduces_the_available_amount_and_principal_repaid_restores_it(line, cash):
    # given a 60,000 line; when 10,000 is drawn
    loan = draw(line, cash, "10000", 12).loan
    line.refresh_from_db()
    assert line.available_amount == D("50000.00")
    # when the first installment is paid on its due date
    first = schedule(loan)[0]
    loan_repay(
        loan=loan,
        amount=first.principal_due + first.interest_due,
        value_date=first.due_date,
        business_date=first.due_date,
        idempotency_key="r1",
    )
    # then exactly its principal is available again (revolving), derived from the ledger
    assert credit_line_available(line=line) == D("50000.00") + first.principal_due
    assert credit_line_restore(
        loan=loan, principal_repaid=first.principal_due
    ).available_amount == (D("50000.00") + first.principal_due)
    assert_books_consistent(loan)


def test_a_drawdown_above_the_available_amount_is_refused(line, cash):
    draw(line, cash, "59000", 12)
    with pytest.raises(CreditLimitExceeded) as refused:
        draw(line, cash, "1000.01", 12)
    assert refused.value.context["available"] == "1000.00"
    draw(line, cash, "1000.00", 12)
    assert credit_line_available(line=line) == D("0")


def test_the_same_idempotency_key_draws_once(line, cash):
    first = draw(line, cash, "1000", 6, key="checkout-42")
    again = draw(line, cash, "1000", 6, key="checkout-42")
    assert again.pk == first.pk
    assert Drawdown.objects.count() == 1
    with pytest.raises(DrawdownIdempotencyConflict):
        draw(line, cash, "2000", 6, key="checkout-42")


def test_limit_changes_are_logged_with_reason_and_actor(line):
    credit_line_change_limit(
        line=line, new_limit=D("30000"), reason="income fell", actor="officer", business_date=TODAY
    )
    credit_line_change_limit(
        line=line, new_limit=D("45000"), reason="review", actor="officer", business_date=TODAY
    )
    log = list(line.changes.values_list("kind", "old_limit", "new_limit", "reason", "actor"))
    assert log == [
        ("open", D("0"), D("60000"), log[0][3], ACTOR),
        ("decrease", D("60000"), D("30000"), "income fell", "officer"),
        ("increase", D("30000"), D("45000"), "review", "officer"),
    ]
    with pytest.raises(OriginationError):
        credit_line_change_limit(
            line=line, new_limit=D("1"), reason=" ", actor="o", business_date=TODAY
        )


def test_a_lower_limit_than_what_is_owed_leaves_nothing_available(line, cash):
    draw(line, cash, "20000", 12)
    credit_line_change_limit(
        line=line, new_limit=D("10000"), reason="risk", actor="o", business_date=TODAY
    )
    line.refresh_from_db()
    assert (line.limit, line.available_amount) == (D("10000"), D("0"))
    assert credit_line_available(line=line) == D("0")


def test_delinquency_freezes_the_line_and_cure_unfreezes_it_by_policy(line, cash):
    loan = draw(line, cash, "5000", 6).loan
    # the close found the loan 3 days past due
    Loan.objects.filter(pk=loan.pk).update(days_past_due=3)
    result = credit_lines_sync(business_date=TODAY + timedelta(days=40), loan_ids=[loan.pk])
    line.refresh_from_db()
    assert (result.frozen, line.status, line.freeze_reason) == (1, "frozen", "delinquency")
    with pytest.raises(CreditLineStateError):
        draw(line, cash, "100", 6)
    # running the sync again changes nothing
    assert (
        credit_lines_sync(business_date=TODAY + timedelta(days=40), loan_ids=[loan.pk]).frozen == 0
    )
    # cured
    Loan.objects.filter(pk=loan.pk).update(days_past_due=0)
    result = credit_lines_sync(business_date=TODAY + timedelta(days=41), loan_ids=None)
    line.refresh_from_db()
    assert (result.unfrozen, line.status) == (1, "active")
    kinds = list(CreditLimitChange.objects.filter(line=line).values_list("kind", "actor"))
    assert kinds[-2:] == [("freeze", "eod"), ("unfreeze", "eod")]


def test_cure_does_not_unfreeze_when_the_policy_says_so(cash):
    from .factories import make_policy

    make_policy(credit_line={"freeze_days_past_due": 1, "unfreeze_on_cure": False})
    line = open_line(cash)
    loan = draw(line, cash, "5000", 6).loan
    Loan.objects.filter(pk=loan.pk).update(days_past_due=5)
    credit_lines_sync(business_date=TODAY, loan_ids=[loan.pk])
    Loan.objects.filter(pk=loan.pk).update(days_past_due=0)
    credit_lines_sync(business_date=TODAY, loan_ids=[loan.pk])
    line.refresh_from_db()
    assert line.status == "frozen"


def test_a_line_frozen_by_staff_stays_frozen_on_cure(line):
    credit_line_freeze(
        line=line, reason="fraud investigation", actor="officer", business_date=TODAY
    )
    credit_lines_sync(business_date=TODAY, loan_ids=None)
    line.refresh_from_db()
    assert line.status == "frozen"
    credit_line_unfreeze(line=line, reason="cleared", actor="officer", business_date=TODAY)
    line.refresh_from_db()
    assert line.status == "active"


def test_expired_and_closed_lines_cannot_be_drawn(line, cash):
    with pytest.raises(CreditLineStateError):
        draw(line, cash, "100", 6, on=line.expires_on + timedelta(days=1))
    credit_line_close(line=line, reason="borrower asked", actor="officer", business_date=TODAY)
    with pytest.raises(CreditLineStateError):
        draw(line, cash, "100", 6)


def test_the_sync_closes_expired_lines(line):
    credit_lines_sync(business_date=line.expires_on + timedelta(days=1), loan_ids=None)
    line.refresh_from_db()
    assert (line.status, line.available_amount) == ("closed", D("0"))


def test_a_product_type_the_line_does_not_cover_is_refused(line):
    with pytest.raises(OriginationError):
        draw(line, make_product("policy_loan"), "1000", 6)


def test_a_drawdown_is_refused_while_the_borrowers_exposure_is_above_the_regulatory_limit(
    line, cash
):
    from loans.services.lending_limits import LendingLimitExceeded
    from tests.lifecycle.factories import make_active_loan

    # given a 140,000 direct loan beside the 60,000 line (200,000 in all)
    make_active_loan("140000.00", 12, TODAY, borrower=line.borrower, product=cash)
    draw(line, cash, "1000", 6)
    # when the line's limit is found raised past the regulatory limit (e.g. before the check)
    type(line).objects.filter(pk=line.pk).update(limit=D("70000.00"))
    line.refresh_from_db()
    # then the next drawdown is refused, naming the exposure
    with pytest.raises(LendingLimitExceeded, match="exposure is 210000.00"):
        draw(line, cash, "1000", 6)
