"""Recoveries after charge-off: a payment on a written-off loan is accepted (borrower,
collections, agency, sale of the debt), booked Dr 1002 / Cr 6111 with the loan on the income
line, counted against the written-off amount, idempotent, and reversible when it bounces."""

from datetime import date
from decimal import Decimal

import pytest

from ledger import chart
from ledger.models import JournalEntry
from ledger.selectors import account_balance, loan_balances
from loans.errors import IdempotencyKeyReused, LoanRuleError, LoanStateError
from loans.models import Installment, Repayment
from loans.selectors.recoveries import loan_recovery
from loans.services.payoff import loan_pay_off
from loans.services.prepayments import loan_prepay
from loans.services.recoveries import loan_recover
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from loans.services.waivers import loan_write_off
from loans.transitions import loan_transition

from .factories import ACTOR, assert_books_consistent, make_active_loan, reload

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)
WRITTEN_OFF_ON = date(2026, 4, 20)
LATER = date(2026, 5, 6)


def written_off_loan():
    """12,000 over 12 months at 12%; the first installment paid, then written off by staff."""
    loan = make_active_loan(start=START)
    loan_repay(
        loan=loan,
        amount=D("1066.19"),
        value_date=date(2026, 2, 15),
        business_date=date(2026, 2, 15),
        idempotency_key=f"first:{loan.pk}",
    )
    loan_write_off(loan=reload(loan), business_date=WRITTEN_OFF_ON, actor=ACTOR, reason="gone")
    return reload(loan)


def schedule_picture(loan):
    return list(
        Installment.objects.filter(loan=loan)
        .order_by("number")
        .values_list("number", "status", "principal_paid", "interest_paid", "fee_paid")
    )


def recover(loan, amount, key, *, source="collections", on=LATER, **extra):
    return loan_recover(
        loan=loan,
        amount=D(amount),
        value_date=on,
        business_date=on,
        idempotency_key=key,
        source=source,
        actor=ACTOR,
        **extra,
    )


def test_a_repayment_on_a_charged_off_loan_is_booked_as_a_recovery():
    # Given a loan written off with 11,053.81 of principal and 0 of interest recognized
    loan = written_off_loan()
    figures = loan_recovery(loan=loan)
    assert (figures.written_off, figures.recovered) == (D("11053.81"), D("0"))
    assert figures.written_off_on == WRITTEN_OFF_ON
    before = schedule_picture(loan)
    # When the borrower pays 500.00 through the ordinary repayment service
    repayment = loan_repay(
        loan=loan,
        amount=D("500.00"),
        value_date=LATER,
        business_date=LATER,
        idempotency_key="after-charge-off",
        channel="bank_transfer",
    )
    # Then it is a recovery paid by the borrower, Dr cash / Cr 6111 with the loan on the income
    assert (repayment.kind, repayment.source, repayment.status) == (
        "recovery",
        "borrower",
        "posted",
    )
    entry = JournalEntry.objects.get(pk=repayment.entry_id)
    lines = sorted(entry.lines.values_list("account__code", "loan_id", "debit", "credit"))
    assert entry.kind == "recovery"
    assert lines == [
        (chart.CASH, None, D("500.00"), D("0")),
        (chart.RECOVERIES, loan.pk, D("0"), D("500.00")),
    ]
    assert loan_balances(loan_id=loan.pk)[chart.RECOVERIES] == D("500.00")
    assert loan_recovery(loan=loan).recovered == D("500.00")
    # and nothing is applied to the schedule, nor does the loan reopen
    assert schedule_picture(loan) == before
    assert reload(loan).status == "charged_off"
    assert_books_consistent(loan)


def test_recoveries_by_source_up_to_the_written_off_amount_then_refused_with_the_figures():
    loan = written_off_loan()
    recover(loan, "6000.00", "agency-1", source="agency")
    recover(loan, "5000.00", "sale-1", source="sale")
    # When 100.00 more than what is left (53.81) is offered
    with pytest.raises(LoanRuleError) as refused:
        recover(loan, "153.81", "too-much", on=date(2026, 5, 7))
    # Then it is refused with the figures, and nothing is posted
    assert "11053.81" in refused.value.detail and "53.81" in refused.value.detail
    assert refused.value.status_code == 422
    assert refused.value.context == {
        "written_off": "11053.81",
        "recovered": "11000.00",
        "recoverable": "53.81",
    }
    assert not Repayment.objects.filter(idempotency_key="too-much").exists()
    # The exact remainder is accepted: the loan is recovered in full
    recover(loan, "53.81", "last")
    assert loan_recovery(loan=loan).fully_recovered
    assert account_balance(code=chart.RECOVERIES) == D("11053.81")
    assert sorted(Repayment.objects.filter(kind="recovery").values_list("source", flat=True)) == [
        "agency",
        "collections",
        "sale",
    ]


def test_a_recovery_is_idempotent_on_its_key():
    loan = written_off_loan()
    first = recover(loan, "300.00", "once")
    again = recover(loan, "300.00", "once")
    assert again.pk == first.pk
    assert JournalEntry.objects.filter(kind="recovery").count() == 1
    with pytest.raises(IdempotencyKeyReused):
        recover(loan, "301.00", "once")
    with pytest.raises(IdempotencyKeyReused):
        recover(loan, "300.00", "once", source="agency")
    assert loan_recovery(loan=loan).recovered == D("300.00")


def test_a_bounced_recovery_is_reversed_and_no_longer_counts():
    loan = written_off_loan()
    bounced = recover(loan, "11053.81", "cheque")
    assert loan_recovery(loan=loan).remaining == 0
    # When the payment bounces
    reversed_recovery = repayment_reverse(
        repayment=bounced, business_date=date(2026, 5, 8), actor=ACTOR, reason="cheque bounced"
    )
    # Then its entry is mirrored (the loan's income line too) and it counts for nothing
    assert reversed_recovery.status == "reversed"
    reversal = JournalEntry.objects.get(reverses_id=bounced.entry_id)
    assert sorted(reversal.lines.values_list("account__code", "loan_id", "debit", "credit")) == [
        (chart.CASH, None, D("0"), D("11053.81")),
        (chart.RECOVERIES, loan.pk, D("11053.81"), D("0")),
    ]
    assert loan_recovery(loan=loan).recovered == 0
    assert account_balance(code=chart.RECOVERIES) == 0
    # Reversing it again changes nothing; the full amount can be recovered again
    assert repayment_reverse(repayment=bounced, business_date=date(2026, 5, 9), actor=ACTOR)
    assert JournalEntry.objects.filter(reverses_id=bounced.entry_id).count() == 1
    recover(loan, "11053.81", "transfer", on=date(2026, 5, 9))
    assert loan_recovery(loan=loan).fully_recovered
    assert_books_consistent(loan)


def test_a_loan_closed_after_its_charge_off_still_takes_recoveries():
    loan = written_off_loan()
    loan_transition(loan=loan, action="close", actor=ACTOR, business_date=LATER, reason="sold")
    recovery = recover(reload(loan), "7000.00", "sale", source="sale")
    assert recovery.kind == "recovery" and reload(loan).status == "closed"


def test_what_a_recovery_cannot_be():
    loan = written_off_loan()
    common = {"business_date": LATER, "idempotency_key": "x", "actor": ACTOR}
    # before the write-off, after the business date, or from an unknown source
    with pytest.raises(LoanRuleError, match="before loan"):
        recover(loan, "10.00", "early", on=date(2026, 4, 19))
    with pytest.raises(LoanRuleError, match="after the business date"):
        loan_recover(
            loan=loan, amount=D("10"), value_date=date(2026, 5, 7), source="agency", **common
        )
    with pytest.raises(LoanRuleError, match="not a recovery source"):
        recover(loan, "10.00", "odd", source="lottery")
    # a prepayment or a payoff on a charged-off loan
    with pytest.raises(LoanStateError, match="recovery"):
        loan_prepay(loan=loan, amount=D("10.00"), value_date=LATER, **common)
    with pytest.raises(LoanStateError, match="recovery"):
        loan_pay_off(loan=loan, amount=D("10.00"), value_date=LATER, **common)
    # a recovery on a loan never written off, or a source on an ordinary repayment
    open_loan = make_active_loan(start=START)
    with pytest.raises(LoanStateError, match="charged-off"):
        recover(open_loan, "10.00", "open")
    with pytest.raises(LoanRuleError, match="source"):
        loan_repay(
            loan=open_loan,
            amount=D("10.00"),
            value_date=date(2026, 2, 1),
            business_date=date(2026, 2, 1),
            idempotency_key="with-source",
            source="agency",
        )
    assert not Repayment.objects.filter(kind="recovery").exists()
    assert not JournalEntry.objects.filter(kind="recovery").exists()
