"""How reports reach people: the `report` command, the back-office API, stored runs with their
checksums, the admin page with its charts and download button, and the schedule."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from compliance.models import LoanMonthEnd, MonthEndCapture, ReportRun
from compliance.reports.charts import report_charts
from compliance.reports.export import parse_csv
from compliance.reports.registry import REPORTS, report_build
from compliance.reports.runs import report_run_produce, reports_produce_due
from ledger import chart
from ledger.services import business_date_advance, business_date_current
from tests.lifecycle.factories import make_active_loan

from .helpers import balance

pytestmark = pytest.mark.django_db

URL = "/api/v1/backoffice/reports/"


def advance_to(day: date) -> None:
    while business_date_current() < day:
        business_date_advance(to=business_date_current() + timedelta(days=1))


@pytest.fixture
def books(settings, tmp_path):
    """Two loans disbursed on 2026-01-01; the business date is 2026-01-10 (9 January closed).
    Report files go to a temporary directory."""
    settings.REPORTS_ROOT = str(tmp_path)
    make_active_loan("12000.00", 12, date(2026, 1, 1))
    make_active_loan("3000.00", 3, date(2026, 1, 1))
    advance_to(date(2026, 1, 10))
    return date(2026, 1, 9)


@pytest.fixture
def staff(client):
    user = User.objects.create_user("analyst", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    client.force_login(user)
    return client


def run(*args: str) -> str:
    out = StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_json_with_totals_for_the_last_closed_date(books):
    document = json.loads(run("aging", "--format", "json"))
    assert document["as_of"] == "2026-01-09"
    assert Decimal(document["totals"]["principal"]) == Decimal("15000.00")
    assert document["rows"][0]["product"]


def test_the_command_prints_csv_for_a_date_and_refuses_bad_input(books):
    rows = parse_csv(
        run("aging", "--date", "2026-01-05"), REPORTS["aging"].build.__globals__["COLUMNS"]
    )
    assert sum(row[4] for row in rows) == balance(chart.LOANS_PRINCIPAL, date(2026, 1, 5))
    with pytest.raises(CommandError, match="no report 'agin'"):
        run("agin")
    with pytest.raises(CommandError, match="not a date"):
        run("aging", "--date", "2026-13-01")
    with pytest.raises(CommandError, match="not closed yet"):
        run("aging", "--date", "2026-01-10")
    with pytest.raises(CommandError, match="comes as"):
        run("aging", "--format", "txt")


def test_the_command_saves_a_run_whose_file_matches_its_checksum(books):
    out = run("credit_bureau", "--format", "txt", "--save")
    saved = ReportRun.objects.get()
    assert saved.sha256 in out
    content = saved.file.read()
    assert hashlib.sha256(content).hexdigest() == saved.sha256 and len(content) == saved.size
    assert saved.rows == 2 and saved.totals["records"] == 2


def test_the_api_needs_a_staff_user_with_the_report_permission(books, client):
    assert client.get(URL + "aging").status_code in (401, 403)
    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)
    response = client.get(URL + "aging")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")


def test_the_api_returns_json_and_csv(books, staff):
    response = staff.get(URL + "classification", {"date": "2026-01-09"})
    assert response.status_code == 200
    document = json.loads(b"".join(response.streaming_content))
    assert Decimal(document["totals"]["principal"]) == balance(chart.LOANS_PRINCIPAL, books)
    csv = staff.get(URL + "aging", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert b"".join(csv.streaming_content).startswith(b"product,status,bucket,loans")
    listing = staff.get(URL.rstrip("/")).json()
    assert [item["name"] for item in listing] == list(REPORTS)


@pytest.mark.parametrize(
    ("path", "query", "status", "code"),
    [
        ("nonsense", {}, 404, "report-not-found"),
        ("aging", {"date": "yesterday"}, 400, "report-date"),
        ("aging", {"date": "2026-01-10"}, 400, "report-date"),
        ("aging", {"date": "2026-01-09", "start": "2026-01-10"}, 400, "report-date"),
        ("aging", {"product": "no-such"}, 400, "report-parameter"),
        ("aging", {"format": "xml"}, 400, "report-parameter"),
    ],
)
def test_the_api_answers_bad_requests_with_problems(books, staff, path, query, status, code):
    response = staff.get(URL + path, query)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(code)


def test_the_admin_lists_runs_and_downloads_and_draws_the_charts(books, admin_client):
    page = admin_client.get("/admin/compliance/reportrun/reports/")
    assert page.status_code == 200
    body = page.content.decode()
    charts = ("aging", "vintage", "roll_rates", "income", "stage_exposure", "stage_allowance")
    for chart_id in charts:
        assert f'id="chart-{chart_id}"' in body
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 320"') == len(
        charts
    )
    produced = admin_client.post(
        "/admin/compliance/reportrun/reports/", {"name": "aging", "format": "csv", "date": ""}
    )
    saved = ReportRun.objects.get()
    assert produced.status_code == 302 and produced["Location"].endswith(f"/{saved.pk}/download/")
    download = admin_client.get(produced["Location"])
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == saved.sha256 == download["X-Content-SHA256"]
    listing = admin_client.get("/admin/compliance/reportrun/")
    assert listing.status_code == 200 and b"Download" in listing.content


def test_due_reports_are_the_daily_ones_after_each_close_and_the_monthly_ones_at_month_end(
    books,
):
    # The close produces them (its `reports` step); beat only triggers the close.
    assert not PeriodicTask.objects.filter(task="compliance.tasks.produce_due_reports").exists()
    reports_produce_due()
    daily = set(ReportRun.objects.values_list("name", "format"))
    assert daily == {
        ("aging", "csv"),
        ("aging", "json"),
        ("classification", "csv"),
        ("classification", "json"),
    }
    assert reports_produce_due() == []  # nothing twice
    advance_to(date(2026, 2, 1))
    reports_produce_due()
    produced = ReportRun.objects.filter(as_of=date(2026, 1, 31))
    assert {run.name for run in produced} == set(REPORTS)
    assert produced.filter(name="credit_bureau", format="txt").exists()
    assert MonthEndCapture.objects.filter(month_end=date(2026, 1, 31)).exists()
    assert LoanMonthEnd.objects.filter(month_end=date(2026, 1, 31)).count() == 2
    for saved in produced:
        assert hashlib.sha256(saved.file.read()).hexdigest() == saved.sha256


def test_a_run_is_recorded_with_who_asked(books):
    saved = report_run_produce(name="income", fmt="json", actor="auditor")
    assert saved.produced_by == "auditor" and saved.start == date(2026, 1, 1)
    assert saved.file.name.endswith("income_2026-01-01_2026-01-09.json")


def test_the_charts_read_the_stored_runs_and_draw_the_same_as_computed(books):
    advance_to(date(2026, 2, 1))
    computed = report_charts()
    reports_produce_due()
    assert ReportRun.objects.filter(as_of=date(2026, 1, 31), format="json").count() == len(REPORTS)
    drawn = report_charts()
    # the stage mix reads the month-end captures (made by the month-end reports), not the runs
    for name in ("stage_exposure", "stage_allowance"):
        drawn.pop(name), computed.pop(name)
    assert drawn == computed


def test_month_end_capture_is_idempotent_and_only_for_month_ends(books):
    advance_to(date(2026, 2, 3))
    out = StringIO()
    call_command("month_end_capture", stdout=out)
    assert "2026-01-31" in out.getvalue()
    first = MonthEndCapture.objects.get()
    call_command("month_end_capture", "--date", "2026-01-31", stdout=StringIO())
    assert MonthEndCapture.objects.get() == first
    assert LoanMonthEnd.objects.filter(month_end=date(2026, 1, 31)).count() == 2
    with pytest.raises(CommandError, match="not the last day of a month"):
        call_command("month_end_capture", "--date", "2026-01-30", stdout=StringIO())


def test_balances_of_a_date_long_past_are_summed_from_the_lines_to_the_same_figures(
    books, monkeypatch
):
    from compliance.reports import state

    recent = report_build(name="aging", as_of=date(2026, 1, 3))
    monkeypatch.setattr(state, "ROLL_BACK_DAYS", 0)
    long_past = report_build(name="aging", as_of=date(2026, 1, 3))
    assert (long_past.rows, long_past.totals) == (recent.rows, recent.totals)
    assert long_past.totals["principal"] == balance(chart.LOANS_PRINCIPAL, date(2026, 1, 3))


def test_a_report_built_once_for_all_its_formats_writes_what_each_built_alone_would(books):
    advance_to(date(2026, 2, 1))
    reports_produce_due()  # each report built once, then written in each of its formats
    scheduled = ReportRun.objects.filter(as_of=date(2026, 1, 31), trigger="schedule")
    for name in ("aging", "classification", "credit_bureau"):
        for fmt in REPORTS[name].formats:
            shared = scheduled.get(name=name, format=fmt)
            alone = report_run_produce(name=name, fmt=fmt, as_of=date(2026, 1, 31))
            assert (alone.sha256, alone.rows, alone.totals) == (
                shared.sha256,
                shared.rows,
                shared.totals,
            ), (name, fmt)
