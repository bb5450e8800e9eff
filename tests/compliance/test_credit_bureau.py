"""The credit-bureau file for hand-built histories: the 24-month repayment status string of a
loan paid on time, one 45 days late then cured, one charged off and one settled early; the
fixed-width layout; and the file's determinism."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from compliance.reports.base import ReportUnavailable
from compliance.reports.credit_bureau import RECORD_LENGTH, borrower_token
from compliance.reports.models import MonthEndCapture
from compliance.reports.month_end import month_end_backfill
from ledger.services import business_date_advance, business_date_current
from loans.models import Installment, Loan
from loans.transitions import loan_transition
from tests.lifecycle.factories import make_active_loan

from .helpers import exported, produce
from .portfolio import pay_off, repay_due

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)


def advance_to(day: date) -> None:
    while business_date_current() < day:
        business_date_advance(to=business_date_current() + timedelta(days=1))


def due_dates(loan: Loan) -> list[date]:
    return list(
        Installment.objects.filter(loan=loan).order_by("number").values_list("due_date", flat=True)
    )


@pytest.fixture
def histories() -> dict[str, Loan]:
    """Four 6-month loans disbursed on 2026-01-05 (due on the 5th, February to July), their
    repayments booked through the lifecycle services on the days they happen, no close run;
    then every month end to August captured (rebuilt from history)."""
    advance_to(START)
    loans = {
        name: make_active_loan("6000.00", 6, START)
        for name in ("on_time", "late", "charged_off", "settled_early")
    }
    dues = due_dates(loans["on_time"])
    events: dict[date, list] = {}
    for day in dues:
        events.setdefault(day, []).append(("on_time", "repay"))
    for day in dues[2:]:
        events.setdefault(day, []).append(("late", "repay"))
    events.setdefault(dues[0] + timedelta(days=45), []).append(("late", "repay"))
    events.setdefault(dues[0], []).append(("settled_early", "repay"))
    events.setdefault(date(2026, 3, 20), []).append(("settled_early", "pay_off"))
    events.setdefault(date(2026, 8, 4), []).append(("charged_off", "charge_off"))
    for day in sorted(events):
        advance_to(day)
        for name, action in events[day]:
            loan = Loan.objects.get(pk=loans[name].pk)
            if action == "repay":
                repay_due(loan, day, f"{name}:{day}")
            elif action == "pay_off":
                pay_off(loan, day)
            else:
                loan_transition(loan=loan, action="charge_off", actor="test", business_date=day)
    advance_to(date(2026, 9, 1))
    month_end_backfill(through=date(2026, 8, 31))
    return loans


def records(on: date) -> dict[str, tuple]:
    return {row[1]: row for row in produce("credit_bureau", on).rows}


def test_status_strings_of_four_histories(histories):
    july = records(date(2026, 7, 31))
    ref = {name: loan.reference for name, loan in histories.items()}
    # Paid on time: nothing due in January, then normal, settled in July.
    assert july[ref["on_time"]][-1] == "/" * 17 + "*NNNNNC"
    # 45 days late on the February installment, cured on 22 March (44 days past due the night
    # before): band 1 at the end of February, band 2 in March, then normal to settlement.
    assert july[ref["late"]][-1] == "/" * 17 + "*12NNNC"
    # Never paid: one band deeper every month (23, 54, 84, 115, 145, 176 days past due) …
    assert july[ref["charged_off"]][-1] == "/" * 17 + "*123456"
    assert july[ref["charged_off"]][9] == 176
    # … then written off in August: ended unsettled.
    august = records(date(2026, 8, 31))
    assert august[ref["charged_off"]][-1] == "/" * 16 + "*123456G"
    assert august[ref["charged_off"]][10] == "G"
    # Settled early in March: reported that month with C, then no more.
    march = records(date(2026, 3, 31))
    assert march[ref["settled_early"]][-1] == "/" * 21 + "*NC"
    assert ref["settled_early"] not in july
    assert set(august) == {ref["charged_off"]}
    assert march[ref["late"]][-1] == "/" * 21 + "*12"


def test_amounts_overdue_and_days_past_due_at_a_month_end(histories):
    july = records(date(2026, 7, 31))
    row = july[histories["charged_off"].reference]
    unpaid = Installment.objects.filter(
        loan=histories["charged_off"], due_date__lt=date(2026, 7, 31)
    )
    assert row[8] == sum(item.total_due for item in unpaid)
    assert row[7] == histories["charged_off"].principal  # nothing of the principal was repaid
    assert july[histories["on_time"].reference][7] == 0  # settled
    assert row[2] == borrower_token(histories["charged_off"].borrower.national_id_digest)
    assert histories["charged_off"].borrower.national_id not in exported(
        "credit_bureau", date(2026, 7, 31), "txt"
    )


def test_the_fixed_width_file_has_its_documented_layout_and_is_deterministic(histories):
    on = date(2026, 7, 31)
    text = exported("credit_bureau", on, "txt")
    assert text == exported("credit_bureau", on, "txt")
    lines = text.split("\n")
    assert lines[-1] == ""
    header, *body, trailer = lines[:-1]
    assert all(len(line) == RECORD_LENGTH for line in lines[:-1])
    assert header[:7] == "HILCB01" and header[23:29] == "202607" and header[29:37] == "20260731"
    assert body == sorted(body, key=lambda line: line[7:39])
    loan = histories["late"]
    (line,) = [line for line in body if line[7:39].rstrip() == loan.reference]
    assert line[0] == "D" and line[1:7] == "202607"
    assert line[71:79] == "20260105" and line[79:82] == "CNY"
    assert int(line[82:97]) == 600000 and int(line[97:100]) == 6
    assert int(line[100:115]) == 0 and int(line[115:130]) == 0 and int(line[130:134]) == 0
    assert line[134] == "C" and line[135:159] == "/" * 17 + "*12NNNC"
    assert int(trailer[1:10]) == len(body)
    assert int(trailer[10:28]) == sum(int(row[100:115]) for row in body)


def test_a_month_not_captured_is_refused_until_backfilled(histories):
    MonthEndCapture.objects.filter(month_end=date(2026, 4, 30)).delete()
    with pytest.raises(ReportUnavailable, match="2026-04-30"):
        produce("credit_bureau", date(2026, 7, 31))
    month_end_backfill(through=date(2026, 8, 31))
    assert produce("credit_bureau", date(2026, 7, 31)).totals["records"] == 3
