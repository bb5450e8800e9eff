"""The credit-bureau file for hand-built histories: the 24-month repayment status string of a
loan paid on time, one 45 days late then cured, one charged off and one settled early; the
fixed-width layout; and the file's determinism."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from compliance.models import MonthEndCapture
from compliance.reports.base import ReportUnavailable
from compliance.reports.credit_bureau import RECORD_LENGTH, borrower_token
from compliance.reports.month_end import month_end_backfill
from ledger.services import business_date_advance, business_date_current
from loans.models import Installment, Loan, Repayment
from loans.services.recoveries import loan_recover
from loans.services.reversals import repayment_reverse
from loans.services.waivers import loan_write_off
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
    assert july[ref["on_time"]][11] == "/" * 17 + "*NNNNNC"
    # 45 days late on the February installment, cured on 22 March (44 days past due the night
    # before): band 1 at the end of February, band 2 in March, then normal to settlement.
    assert july[ref["late"]][11] == "/" * 17 + "*12NNNC"
    # Never paid: one band deeper every month (23, 54, 84, 115, 145, 176 days past due) …
    assert july[ref["charged_off"]][11] == "/" * 17 + "*123456"
    assert july[ref["charged_off"]][9] == 176
    # … then written off in August: ended unsettled.
    august = records(date(2026, 8, 31))
    assert august[ref["charged_off"]][11] == "/" * 16 + "*123456G"
    assert august[ref["charged_off"]][10] == "G"
    # Settled early in March: reported that month with C, then no more.
    march = records(date(2026, 3, 31))
    assert march[ref["settled_early"]][11] == "/" * 21 + "*NC"
    assert ref["settled_early"] not in july
    assert set(august) == {ref["charged_off"]}
    assert march[ref["late"]][11] == "/" * 21 + "*12"


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
    assert header[:7] == "HILCB02" and header[23:29] == "202607" and header[29:37] == "20260731"
    assert body == sorted(body, key=lambda line: line[7:39])
    loan = histories["late"]
    (line,) = [line for line in body if line[7:39].rstrip() == loan.reference]
    assert line[0] == "D" and line[1:7] == "202607"
    assert line[71:79] == "20260105" and line[79:82] == "CNY"
    assert int(line[82:97]) == 600000 and int(line[97:100]) == 6
    assert int(line[100:115]) == 0 and int(line[115:130]) == 0 and int(line[130:134]) == 0
    assert line[134] == "C" and line[135:159] == "/" * 17 + "*12NNNC"
    assert line[159:174] == "0" * 15  # nothing recovered: it was never written off
    assert int(trailer[1:10]) == len(body)
    assert int(trailer[10:28]) == sum(int(row[100:115]) for row in body)
    assert int(trailer[110:128]) == 0 and trailer[128:] == " " * 46


def test_the_pushed_stream_leaves_the_connection_as_it_found_it(histories):
    from django.db import connection

    from core.db import stream_pushed

    def jit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            return cursor.fetchone()[0]

    before = jit()
    on = date(2026, 7, 31)
    assert len(list(produce("credit_bureau", on).rows)) == 3  # the one settled early is gone
    assert jit() == before
    # a reader that stops half-way (a client gone): the rest is discarded, the connection usable
    rows = stream_pushed("SELECT g FROM generate_series(1, 100000) g", [], rows=100)
    assert [next(rows) for _ in range(3)] == [(1,), (2,), (3,)]
    rows.close()
    assert jit() == before and Loan.objects.count() == 4


def test_a_month_not_captured_is_refused_until_backfilled(histories):
    MonthEndCapture.objects.filter(month_end=date(2026, 4, 30)).delete()
    with pytest.raises(ReportUnavailable, match="2026-04-30"):
        produce("credit_bureau", date(2026, 7, 31))
    month_end_backfill(through=date(2026, 8, 31))
    assert produce("credit_bureau", date(2026, 7, 31)).totals["records"] == 3


def test_a_written_off_account_is_reported_with_its_recoveries():
    # Given a 6,000 loan written off on 4 August with nothing paid (6,000.00 off the books),
    # 2,500 recovered by an agency in September, 3,500 from the debt's sale in October, and the
    # October payment bounced in December
    advance_to(START)
    loan = make_active_loan("6000.00", 6, START)
    events = {
        date(2026, 8, 4): lambda day: loan_write_off(
            loan=Loan.objects.get(pk=loan.pk), business_date=day, actor="test", reason="lost"
        ),
        date(2026, 9, 10): lambda day: recover(loan, "2500.00", "agency", day),
        date(2026, 10, 12): lambda day: recover(loan, "3500.00", "sale", day),
        date(2026, 12, 3): lambda day: repayment_reverse(
            repayment=Repayment.objects.get(idempotency_key="sale"),
            business_date=day,
            actor="test",
            reason="bounced",
        ),
    }
    for day, event in events.items():
        advance_to(day)
        event(day)
    advance_to(date(2027, 1, 1))
    month_end_backfill(through=date(2026, 12, 31))

    def record(on: date):
        return records(on).get(loan.reference)

    # Then August reports the write-off, September the partial recovery (still G), October the
    # account recovered in full (R); November, with no recovery, reports nothing; December the
    # bounce: G again, with what is left recovered
    assert record(date(2026, 8, 31))[10:] == ("G", "/" * 16 + "*123456G", D("0"))
    assert record(date(2026, 9, 30))[10:] == ("G", "/" * 15 + "*123456GG", D("2500.00"))
    assert record(date(2026, 10, 31))[10:] == ("R", "/" * 14 + "*123456GGR", D("6000.00"))
    assert record(date(2026, 11, 30)) is None
    assert record(date(2026, 12, 31))[10:] == ("G", "/" * 12 + "*123456GGR*G", D("2500.00"))
    # and the fixed-width file carries the recovered amount in fen, totalled in the trailer
    lines = exported("credit_bureau", date(2026, 10, 31), "txt").splitlines()
    (line,) = [row for row in lines[1:-1] if row[7:39].rstrip() == loan.reference]
    assert len(line) == RECORD_LENGTH == 174
    assert line[134] == "R" and int(line[159:174]) == 600000
    assert int(lines[-1][110:128]) == 600000


def recover(loan: Loan, amount: str, source: str, day: date) -> Repayment:
    return loan_recover(
        loan=Loan.objects.get(pk=loan.pk),
        amount=D(amount),
        value_date=day,
        business_date=day,
        idempotency_key=source,
        source=source,
        actor="test",
    )


def test_a_record_pads_its_numbers_as_the_layout_says_signs_first():
    from compliance.reports.credit_bureau import _number, detail_record

    for value in (0, 7, -7, 123456789, -123456789, 10**14 - 1, -(10**13)):
        assert f"{value:015d}" == _number(value, 15)
    row = ("2026-07", "LN1", "t" * 32, date(2026, 1, 5), "CNY", D("6000.00"), 6)
    row += (D("-0.01"), D("12.34"), 12345, "N", "/" * 23 + "N", D("0.00"))
    record = detail_record(row)
    assert record[1:7] == "202607" and record[71:79] == "20260105"
    assert record[97:100] == "006" and record[100:115] == "-00000000000001"
    assert record[115:130] == "000000000001234" and record[130:134] == "9999"


@pytest.mark.parametrize("currency", ["CNY", "JPY"])
def test_a_records_amounts_are_in_the_currencys_minor_units_as_the_trailers(currency):
    from compliance.reports.credit_bureau import _minor, _number, detail_record

    amounts = (D("6000.00"), D("-0.01"), D("12.50"), D("13.50"), D("99999999.99"))
    for amount in amounts:
        row = ("2026-07", "LN1", "t" * 32, date(2026, 1, 5), currency, amount, 6, amount)
        row += (amount, 0, "N", "/" * 23 + "N", amount)
        record = detail_record(row)
        # the amount, the balance, the amount overdue and the recovered amount
        fields = (record[82:97], record[100:115], record[115:130], record[159:174])
        assert fields == (_number(_minor(amount, currency), 15),) * 4
    # yen have no minor unit: the cents round half to even, as the trailer's totals do
    minor = "12" if currency == "JPY" else "1250"
    assert detail_record(row[:5] + (D("12.50"),) + row[6:])[82:97] == minor.rjust(15, "0")


def test_a_history_is_the_same_whatever_order_or_gaps_its_month_ends_come_in():
    from compliance.reports.credit_bureau import _History, history_months

    months = history_months(date(2026, 6, 30))
    history = _History(months)
    opened = date(2025, 3, 14)  # the history's ninth month
    since = months[8:-1]
    codes = ["N", "1", "2", "N", "N", "3", "N", "N", "N", "N", "N", "N", "N", "N", "N"]
    every_month = history(opened, since, codes, "1")
    assert every_month == "/" * 8 + "".join(codes) + "1"
    assert history(opened, since[::-1], codes[::-1], "1") == every_month
    # a month without a status is `*`; one stored before the account opened is not reported
    gap = [day for day in since if day != months[10]]
    earlier = [months[2], *gap]
    assert history(opened, earlier, ["G", *codes[:2], *codes[3:]], "1") == (
        "/" * 8 + "N1*N" + "".join(codes[4:]) + "1"
    )
    assert history(date(2026, 6, 1), [], [], "N") == "/" * 23 + "N"
    assert history(date(2023, 1, 1), [], [], "N") == "*" * 23 + "N"
