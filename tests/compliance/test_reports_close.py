"""The reports follow the close: its last step produces the reports due for the date it closed,
a month end's capture and monthly reports included, once, whatever the interruptions."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from compliance.models import MonthEndCapture, ReportRun
from compliance.reports.registry import DAILY, REPORTS
from ledger.services import business_date_advance, business_date_current
from loans.eod import close_chunk_run, close_day_run, close_run_open, close_step_finish
from loans.models import CloseRun, CloseStepRun
from loans.models.eod import RunStatus
from tests.eod.helpers import make_loan

pytestmark = pytest.mark.django_db

ALL = {(spec.name, fmt) for spec in REPORTS.values() for fmt in spec.formats}
# Reports measured only on the book as the last close left it cannot be made for a date once a
# later close has run (the ECL): a late retry skips them.
LATE = {(name, fmt) for name, fmt in ALL if not REPORTS[name].latest_only}
DAILY_ONES = {
    (spec.name, fmt) for spec in REPORTS.values() if spec.schedule == DAILY for fmt in spec.formats
}


@pytest.fixture
def books(settings, tmp_path):
    """Two loans from 2026-01-01; the business date moved (without closes) to 2026-01-30."""
    settings.REPORTS_ROOT = str(tmp_path / "reports")
    make_loan(start=date(2026, 1, 1))
    make_loan(principal="3000.00", term=3, start=date(2026, 1, 1))
    while business_date_current() < date(2026, 1, 30):
        business_date_advance(to=business_date_current() + timedelta(days=1))


def produced(as_of: date) -> Counter:
    return Counter(ReportRun.objects.filter(as_of=as_of).values_list("name", "format"))


def close_up_to_reports(day: date) -> None:
    """The close of `day` run step by step and stopped (as if killed) before `reports`."""
    run = close_run_open(business_date=day)
    while run.current_step != "reports":
        chunks = CloseStepRun.objects.filter(run=run, step=run.current_step)
        for chunk in chunks.values_list("chunk", flat=True):
            close_chunk_run(business_date=day, step=run.current_step, chunk=chunk)
        close_step_finish(business_date=day, step=run.current_step)
        run.refresh_from_db()


def test_a_plain_day_gets_the_daily_reports_and_a_month_end_the_capture_and_every_report(books):
    close_day_run()
    assert set(produced(date(2026, 1, 30))) == DAILY_ONES
    close_day_run()
    assert MonthEndCapture.objects.filter(month_end=date(2026, 1, 31), loans=2).exists()
    assert set(produced(date(2026, 1, 31))) == ALL
    assert max(produced(date(2026, 1, 31)).values()) == 1
    assert ReportRun.objects.filter(trigger=ReportRun.Trigger.SCHEDULE).count() == len(
        DAILY_ONES
    ) + len(ALL)
    # Straight after the close, with no other command: the bureau file and the conduct report.
    for name, fmt in (("credit_bureau", "txt"), ("collection_conduct", "csv")):
        out = StringIO()
        call_command("report", name, "--format", fmt, stdout=out)
        assert out.getvalue()


def test_a_close_killed_before_its_reports_resumes_and_produces_each_report_once(books):
    close_day_run()  # 30 January
    close_up_to_reports(date(2026, 1, 31))
    assert business_date_current() == date(2026, 2, 1)
    assert not produced(date(2026, 1, 31))
    close_day_run()  # the next day is not held back by the unfinished reports
    assert set(produced(date(2026, 2, 1))) == DAILY_ONES
    resumed = close_day_run(business_date=date(2026, 1, 31))
    assert resumed.status == RunStatus.DONE
    close_day_run(business_date=date(2026, 1, 31))  # once more: nothing twice
    assert produced(date(2026, 1, 31)) == Counter(dict.fromkeys(LATE, 1))
    assert MonthEndCapture.objects.filter(month_end=date(2026, 1, 31)).count() == 1


def test_a_failed_report_is_recorded_on_the_run_and_retried_by_the_next_close(
    books, settings, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.REPORTS_ROOT = str(blocker)
    run = close_day_run()
    assert run.status == RunStatus.DONE and business_date_current() == date(2026, 1, 31)
    row = CloseStepRun.objects.get(run=run, step="reports")
    assert row.status == RunStatus.DONE
    assert "aging csv, json 2026-01-30" in row.error
    assert not produced(date(2026, 1, 30))
    settings.REPORTS_ROOT = str(tmp_path / "reports")
    close_day_run()
    assert set(produced(date(2026, 1, 30))) == DAILY_ONES & LATE
    assert set(produced(date(2026, 1, 31))) == ALL
    assert CloseStepRun.objects.filter(step="reports").exclude(error="").count() == 0


def test_a_catch_up_over_several_days_produces_every_month_end_it_crosses(books):
    call_command("close_day", "--days", "31", stdout=StringIO())
    assert business_date_current() == date(2026, 3, 2)
    assert set(MonthEndCapture.objects.values_list("month_end", flat=True)) == {
        date(2026, 1, 31),
        date(2026, 2, 28),
    }
    for month_end in (date(2026, 1, 31), date(2026, 2, 28)):
        assert set(produced(month_end)) == ALL
    assert CloseRun.objects.exclude(status=RunStatus.DONE).count() == 0
