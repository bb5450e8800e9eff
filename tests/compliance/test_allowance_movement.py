"""The IFRS 7.35H loss-allowance reconciliation: opening + transfers, new loans, derecognitions,
write-offs and remeasurement = closing in each stage, and the closing ties to the ledger."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from compliance.reports.allowance_movement import LINES, allowance_movement
from compliance.reports.registry import report_build
from ledger.selectors import account_balance, loan_balances
from ledger.services import business_date_open
from loans.models import Loan
from tests.lifecycle.factories import close_steps, make_active_loan

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)
NEXT = START + timedelta(days=1)


def allowance(loan) -> Decimal:
    return loan_balances(loan_id=loan.pk).get("1304", D(0))


def test_the_allowance_moves_by_stage_and_ties_to_the_ledger(settings):
    settings.PROVISIONING_BASIS = "ifrs9"
    settings.ECL_PD_FLOOR = "0.001"
    business_date_open(on=NEXT)
    performing = make_active_loan()
    paid = make_active_loan()
    worsening = make_active_loan()
    close_steps(START, "staging", "provisioning")
    opening = {loan.pk: allowance(loan) for loan in (performing, paid, worsening)}
    assert all(amount > 0 for amount in opening.values())
    # the next day: one loan leaves the book, one goes 95 days past due, one is new
    business_date_open(on=NEXT + timedelta(days=1))
    Loan.objects.filter(pk=paid.pk).update(status=Loan.Status.PAID_OFF)
    Loan.objects.filter(pk=worsening.pk).update(days_past_due=95)
    new = make_active_loan(start=NEXT)
    close_steps(NEXT, "staging", "provisioning")

    table = allowance_movement(opening=START, closing=NEXT)
    stage = {line: dict(amounts) for line, amounts in table.items()}
    assert stage["opening"] == {1: sum(opening.values(), D(0))}
    # the worsening loan's opening allowance moves whole from stage 1 to stage 3
    assert stage["transfer_to_stage_3"] == {1: -opening[worsening.pk], 3: opening[worsening.pk]}
    assert stage["derecognitions"] == {1: -opening[paid.pk]}
    assert stage["new_originations"] == {1: allowance(new)}
    assert stage["remeasurement"][3] == allowance(worsening) - opening[worsening.pk]
    assert stage["remeasurement"].get(1, D(0)) == allowance(performing) - opening[performing.pk]
    for number in (1, 2, 3):
        lines = sum((table[line].get(number, D(0)) for line in LINES[:-1]), D(0))
        assert lines == table["closing"].get(number, D(0))
    assert stage["closing"] == {
        1: allowance(performing) + allowance(new),
        3: allowance(worsening),
    }
    assert sum(stage["closing"].values(), D(0)) == account_balance(code="1304", as_of=NEXT)


def test_the_report_states_whether_it_ties(settings):
    settings.PROVISIONING_BASIS = "ifrs9"
    business_date_open(on=NEXT)
    make_active_loan()
    close_steps(START, "staging", "provisioning")
    report = report_build(name="allowance_movement", as_of=START)
    rows = {row[0]: row[1:] for row in report.rows}
    assert rows["closing"][-1] == report.totals["ledger_allowance"] > 0
    assert report.totals["ties"] is True
    assert list(rows) == list(LINES)
