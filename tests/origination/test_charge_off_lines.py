"""A charged-off loan blocks (or closes) its revolving line, and what was written off counts
against the line and the borrower's exposure until it is recovered (issue 23, item 2)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from ledger import chart
from ledger.services import EntrySpec, LineSpec, entry_post
from loans.models import Loan
from loans.selectors.exposure import unsecured_exposure, written_off_outstanding
from loans.services.applying import loan_lock
from loans.services.waivers import loan_write_off
from origination.errors import CreditLineStateError
from origination.models import CreditLimitChange
from origination.services.credit_lines import credit_line_available, credit_line_unfreeze
from origination.services.line_sync import credit_lines_sync

from .factories import ACTOR, TODAY, draw, make_product, open_line

pytestmark = pytest.mark.django_db
D = Decimal
PAST_DUE = TODAY + timedelta(days=40)
CHARGED_OFF_ON = TODAY + timedelta(days=200)


def charge_off(loan: Loan) -> None:
    with transaction.atomic():
        loan_write_off(
            loan=loan_lock(loan.pk), business_date=CHARGED_OFF_ON, actor=ACTOR, reason="180 dpd"
        )


def recover(loan: Loan, amount: str, key: str) -> None:
    """A recovery as the recoveries service books it: Dr cash / Cr 6111 with the loan's id."""
    entry_post(
        spec=EntrySpec(
            kind="recovery",
            business_date=CHARGED_OFF_ON,
            idempotency_key=key,
            lines=(
                LineSpec(account=chart.CASH, debit=D(amount)),
                LineSpec(account=chart.RECOVERIES, credit=D(amount), loan_id=loan.pk),
            ),
        ),
        actor=ACTOR,
    )


def charged_off_line(**product_rules):
    """A 60,000 line with 5,000 drawn, frozen past due, the loan then charged off."""
    cash = make_product("cash_loan", **product_rules)
    line = open_line(cash)
    assert line.limit == D("60000.00")
    loan = draw(line, cash, "5000", 6).loan
    Loan.objects.filter(pk=loan.pk).update(days_past_due=40)
    assert credit_lines_sync(business_date=PAST_DUE, loan_ids=[loan.pk]).frozen == 1
    charge_off(loan)
    return line, loan, cash


def test_a_charge_off_blocks_the_line_and_the_written_off_amount_stays_used():
    # given a 60,000 line, 5,000 drawn, frozen past due, the loan charged off
    line, loan, cash = charged_off_line()
    assert written_off_outstanding([loan.pk]) == {loan.pk: D("5000.00")}
    # when the close's sync runs next
    result = credit_lines_sync(business_date=CHARGED_OFF_ON, loan_ids=None)
    line.refresh_from_db()
    # then the line is blocked by the charge-off, not unfrozen, with 55,000 available
    assert (result.unfrozen, result.charged_off) == (0, 1)
    assert (line.status, line.freeze_reason) == ("frozen", "charged_off")
    assert line.available_amount == D("55000.00")
    assert credit_line_available(line=line) == D("55000.00")
    # and a 60,000 drawdown is refused
    with pytest.raises(CreditLineStateError):
        draw(line, cash, "60000", 12, on=CHARGED_OFF_ON)
    # the block is logged, and the next sync changes nothing
    change = CreditLimitChange.objects.filter(line=line).latest("id")
    assert (change.kind, change.reason, change.actor) == ("freeze", "charged_off", "eod")
    again = credit_lines_sync(business_date=CHARGED_OFF_ON + timedelta(days=1), loan_ids=None)
    assert (again.charged_off, again.unfrozen) == (0, 0)


def test_staff_lift_a_charge_off_block_only_once_the_write_off_is_recovered():
    line, loan, cash = charged_off_line()
    credit_lines_sync(business_date=CHARGED_OFF_ON, loan_ids=None)
    # a part recovered: 3,000 of the 5,000 written off still count
    recover(loan, "2000.00", "recovery-1")
    assert written_off_outstanding([loan.pk]) == {loan.pk: D("3000.00")}
    assert credit_line_available(line=line) == D("57000.00")
    with pytest.raises(CreditLineStateError, match="3000.00"):
        credit_line_unfreeze(line=line, reason="paid", actor="officer", business_date=TODAY)
    # all of it recovered (a recovery beyond the write-off is income, not negative exposure)
    recover(loan, "3500.00", "recovery-2")
    assert written_off_outstanding([loan.pk]) == {loan.pk: D("0.00")}
    assert credit_line_available(line=line) == D("60000.00")
    # the sync never lifts the block by itself; staff may now
    credit_lines_sync(business_date=CHARGED_OFF_ON + timedelta(days=1), loan_ids=None)
    line.refresh_from_db()
    assert (line.status, line.freeze_reason) == ("frozen", "charged_off")
    credit_line_unfreeze(line=line, reason="recovered", actor="officer", business_date=TODAY)
    credit_lines_sync(business_date=CHARGED_OFF_ON + timedelta(days=2), loan_ids=None)
    line.refresh_from_db()
    assert line.status == "active"


def test_a_product_whose_rule_is_close_closes_the_line_and_the_write_off_counts_on_its_own():
    line, loan, _ = charged_off_line(line_on_charge_off="close")
    borrower = line.borrower_id
    # while the line is open its limit covers the loan drawn on it
    assert unsecured_exposure([borrower])[borrower] == D("60000.00")
    credit_lines_sync(business_date=CHARGED_OFF_ON, loan_ids=None)
    line.refresh_from_db()
    assert (line.status, line.available_amount) == ("closed", D("0"))
    assert CreditLimitChange.objects.filter(line=line).latest("id").reason == "charged_off"
    # then the written-off amount is the borrower's exposure until recovered
    assert unsecured_exposure([borrower])[borrower] == D("5000.00")
    recover(loan, "1250.00", "recovery-1")
    assert unsecured_exposure([borrower])[borrower] == D("3750.00")


def test_a_line_cannot_be_drawn_between_the_charge_off_and_the_close():
    cash = make_product("cash_loan")
    line = open_line(cash)
    loan = draw(line, cash, "5000", 6).loan
    charge_off(loan)  # written off by staff: the line is still active until the close
    with pytest.raises(CreditLineStateError, match="charged-off"):
        draw(line, cash, "100", 6, on=CHARGED_OFF_ON)
