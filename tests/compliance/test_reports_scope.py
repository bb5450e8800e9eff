"""The reports of one closed date share what they read (`reports_scope`): the daily aging and
classification reports read the grouped portfolio and the classification policies once, and
produce the same files as when each reads its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import ReportRun
from compliance.reports.runs import report_runs_produce, reports_due_produce
from compliance.reports.scope import reports_scope, shared
from ledger.services import business_date_advance, business_date_current
from loans.eod import close_day_run
from tests.eod.helpers import make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings, tmp_path) -> date:
    """Two loans, the business date moved to 2026-01-20 and that day closed."""
    settings.REPORTS_ROOT = str(tmp_path / "reports")
    make_loan(start=date(2026, 1, 1))
    make_loan(principal="3000.00", term=3, start=date(2026, 1, 1))
    while business_date_current() < date(2026, 1, 20):
        business_date_advance(to=business_date_current() + timedelta(days=1))
    close_day_run()
    return date(2026, 1, 20)


def _reads(queries, marker: str) -> int:
    return sum(1 for query in queries.captured_queries if marker in query["sql"])


def test_daily_reports_read_the_grouped_portfolio_once(closed):
    before = {
        (name, fmt): sha
        for name, fmt, sha in ReportRun.objects.filter(as_of=closed).values_list(
            "name", "format", "sha256"
        )
    }
    assert {name for name, _ in before} == {"aging", "classification"}
    ReportRun.objects.filter(as_of=closed).delete()
    with CaptureQueriesContext(connection) as queries:
        produced = reports_due_produce(closed=closed)
    assert {(run.name, run.format): run.sha256 for run in produced.runs} == before
    assert _reads(queries, "FROM loans_portfoliosnapshot ps") == 1
    assert _reads(queries, 'FROM "compliance_classificationrule"') == 1


def test_each_report_reads_its_own_outside_a_scope(closed):
    with CaptureQueriesContext(connection) as queries:
        for name in ("aging", "classification"):
            report_runs_produce(name=name, formats=("csv",), as_of=closed)
    assert _reads(queries, "FROM loans_portfoliosnapshot ps") == 2


def test_shared_reads_once_per_scope_and_every_time_outside():
    calls = []

    def read():
        calls.append(1)
        return len(calls)

    assert (shared("k", read), shared("k", read)) == (1, 2)
    with reports_scope():
        assert (shared("k", read), shared("k", read)) == (3, 3)
        with reports_scope():
            assert shared("k", read) == 3
    assert shared("k", read) == 4
