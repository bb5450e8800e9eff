"""A loan's whole life through the close: disbursement, a missed installment and its penalties,
a cure, a re-default, non-accrual and the charge-off, with the ledger checked by hand.

The loan (through the lifecycle services): 12,000 over 12 months at 12% a year, equal
installments of 1,066.19 (installment 1: 946.19 principal + 120.00 interest; installment 2:
955.65 + 110.54 on the 11,053.81 left), penalty interest 18% a year, no grace days, charge-off at
180 days past due. Disbursed 1 January 2026; installments due on the 1st of each month.
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger import chart
from ledger.models import JournalEntry
from ledger.selectors import account_balance, loan_balances, trial_balance
from ledger.services import business_date_current
from loans.models import Loan, LoanTransition, PenaltyCap
from loans.services.repayments import loan_repay
from tests.eod.helpers import balance_sheet, close, close_until, d
from tests.lifecycle.factories import make_active_loan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ZERO = Decimal("0")


def books(loan) -> dict[str, Decimal]:
    return balance_sheet(loan_balances(loan_id=loan.pk))


def income(code: str) -> Decimal:
    return account_balance(code=code)


def test_a_loan_from_disbursement_to_charge_off():
    start = business_date_current()
    assert start == date(2026, 1, 1)
    loan = make_active_loan(
        "12000.00", 12, start, annual_rate=Decimal("0.12"), penalty_rate=Decimal("0.18")
    )
    installments = {row.number: row for row in loan.installments.all()}
    assert (installments[1].principal_due, installments[1].interest_due) == (
        Decimal("946.19"),
        Decimal("120.00"),
    )
    assert installments[2].interest_due == Decimal("110.54")

    # January: interest accrues day by day; on 1 February the first period's 120.00 is all in.
    close_until(d("2026-02-02"))
    assert books(loan) == {
        chart.LOANS_PRINCIPAL: Decimal("12000.00"),
        chart.INTEREST_RECEIVABLE: Decimal("120.00"),
        chart.ALLOWANCE: Decimal("120.00"),  # normal: 1% of 12,000
    }
    assert Loan.objects.get(pk=loan.pk).status == "active"

    # Installment 1 is missed: from 2 February the loan is past due, penalty interest of
    # round(1,066.19 × 18% / 360) = 0.53 a day, special mention (2%: +120.00 allowance).
    close_until(d("2026-02-11"))  # closes 2 to 10 February: 9 days
    loan = Loan.objects.get(pk=loan.pk)
    assert (loan.status, loan.days_past_due, loan.risk_category) == (
        "delinquent",
        9,
        "special_mention",
    )
    assert books(loan)[chart.PENALTY_RECEIVABLE] == Decimal("4.77")  # 9 × 0.53
    assert books(loan)[chart.ALLOWANCE] == Decimal("240.00")

    # 11 February: the borrower pays installment 1 and its penalties (1,066.19 + 4.77).
    loan_repay(
        loan=loan,
        amount=Decimal("1070.96"),
        value_date=d("2026-02-11"),
        business_date=d("2026-02-11"),
        idempotency_key="whole-life-1",
    )
    close()  # the close of 11 February cures it
    loan = Loan.objects.get(pk=loan.pk)
    assert (loan.status, loan.days_past_due, loan.risk_category) == ("active", 0, "normal")
    assert books(loan) == {
        chart.LOANS_PRINCIPAL: Decimal("11053.81"),
        # installment 2: round(110.54 × 10 / 28) recognized from 1 to 11 February
        chart.INTEREST_RECEIVABLE: Decimal("39.48"),
        chart.ALLOWANCE: Decimal("110.54"),  # 1% of 11,053.81
    }
    assert income(chart.PENALTY_INCOME) == Decimal("4.77")

    # Installment 2 (1 March) is missed and nothing is ever paid again: delinquent from
    # 2 March, 90 days past due on 30 May: non-accrual, every unpaid interest and penalty
    # recognized so far leaves income for suspense.
    close_until(d("2026-05-30"))  # closes through 29 May: 89 days past due
    loan = Loan.objects.get(pk=loan.pk)
    assert (loan.days_past_due, loan.non_accrual) == (89, False)
    before = books(loan)
    interest_before = income(chart.INTEREST_INCOME)
    close()  # 30 May
    loan = Loan.objects.get(pk=loan.pk)
    assert (loan.days_past_due, loan.non_accrual, loan.risk_category) == (
        90,
        True,
        "special_mention",
    )
    after = books(loan)
    # Only the cash-collected income stays: installment 1's interest and the penalty paid.
    assert income(chart.INTEREST_INCOME) == Decimal("120.00")
    assert income(chart.PENALTY_INCOME) == Decimal("4.77")
    assert after[chart.INTEREST_SUSPENSE] == (
        after[chart.INTEREST_RECEIVABLE] + after[chart.PENALTY_RECEIVABLE]
    )
    # The reversal takes back all interest recognized and unpaid, the day's own accrual (booked
    # to income by the accrual step, before the state step) included.
    day_accrual = after[chart.INTEREST_RECEIVABLE] - before[chart.INTEREST_RECEIVABLE]
    reversal = JournalEntry.objects.get(kind="interest_suspense")
    assert reversal.lines.get(account__code=chart.INTEREST_INCOME).debit == (
        interest_before + day_accrual - Decimal("120.00")
    )

    # 91 days past due: substandard, 25% of 11,053.81 = 2,763.45.
    close()
    assert books(Loan.objects.get(pk=loan.pk))[chart.ALLOWANCE] == Decimal("2763.45")

    # 180 days past due on 28 August: charged off, everything written off in one entry.
    close_until(d("2026-08-28"))
    last = books(loan)
    assert Loan.objects.get(pk=loan.pk).status == "delinquent"
    close()
    loan = Loan.objects.get(pk=loan.pk)
    assert (loan.status, loan.days_past_due, loan.risk_category) == ("charged_off", 180, "loss")
    assert books(loan) == {}
    write_off = JournalEntry.objects.get(kind="write_off")
    lines = {
        code: (debit, credit)
        for code, debit, credit in write_off.lines.values_list("account__code", "debit", "credit")
    }
    owed_interest = lines[chart.INTEREST_RECEIVABLE][1]
    owed_penalty = lines[chart.PENALTY_RECEIVABLE][1]
    assert owed_interest > last[chart.INTEREST_RECEIVABLE]  # plus the close's own day
    assert lines[chart.LOANS_PRINCIPAL] == (ZERO, Decimal("11053.81"))
    assert lines[chart.INTEREST_SUSPENSE] == (owed_interest + owed_penalty, ZERO)
    assert lines[chart.ALLOWANCE] == (Decimal("2763.45"), ZERO)
    assert lines[chart.WRITE_OFF_EXPENSE] == (Decimal("8290.36"), ZERO)  # 11,053.81 - 2,763.45

    # The life's profit and loss: the cash lent and never repaid, and nothing else.
    assert income(chart.INTEREST_INCOME) == Decimal("120.00")
    assert income(chart.PENALTY_INCOME) == Decimal("4.77")
    assert account_balance(code=chart.CREDIT_IMPAIRMENT) == Decimal("2763.45")
    assert account_balance(code=chart.WRITE_OFF_EXPENSE) == Decimal("8290.36")
    assert account_balance(code=chart.CASH) == Decimal("-10929.04")  # -12,000 + 1,070.96
    assert trial_balance().balanced
    assert not PenaltyCap.objects.exists()  # 12% + 18% on the overdue part stays under 24%

    # Every state change, logged with its business date.
    assert list(
        LoanTransition.objects.filter(loan=loan)
        .order_by("id")
        .values_list("to_status", "business_date")
    ) == [
        ("approved", d("2026-01-01")),
        ("active", d("2026-01-01")),
        ("delinquent", d("2026-02-02")),
        ("active", d("2026-02-11")),
        ("delinquent", d("2026-03-02")),
        ("charged_off", d("2026-08-28")),
    ]
