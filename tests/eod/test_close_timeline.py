"""The close run's admin page as a timeline: steps in order with their chunks, times and
failures, bars placed on the run's time axis, and a retry button that resumes a failed close."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from loans.eod import close_day_run
from loans.eod import steps as eod_steps
from loans.models import CloseRun
from loans.selectors.close_timeline import StepLine, place_on_axis
from tests.api.conftest import PASSWORD, make_user
from tests.eod.helpers import make_loan

T0 = datetime(2026, 1, 1, 18, 0, tzinfo=UTC)


def test_bars_sit_on_the_runs_time_axis():
    lines = [
        StepLine("accrual", 1, started_at=T0, finished_at=T0 + timedelta(seconds=6)),
        StepLine(
            "penalties",
            2,
            started_at=T0 + timedelta(seconds=6),
            finished_at=T0 + timedelta(seconds=6, milliseconds=1),
        ),
        StepLine("due", 3, started_at=T0 + timedelta(seconds=8)),  # still running
        StepLine("snapshot", 4),  # not started
    ]
    place_on_axis(lines)
    assert [(line.offset, line.width) for line in lines] == [
        (0.0, 75.0),
        (75.0, 0.5),  # too short to see: the minimum width
        (100.0, 0.0),  # running, at the end of the span so far
        (0.0, 0.0),
    ]


def _page(user, run: CloseRun) -> str:
    browser = Client()
    assert browser.login(username=user.username, password=PASSWORD)
    response = browser.get(f"/admin/loans/closerun/{run.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_failed_close_shows_where_it_failed_and_retries_from_the_page(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given a close whose penalty step fails
    make_loan()
    real = eod_steps.BY_NAME["penalties"]

    def crash(chunk):
        raise RuntimeError("worker lost")

    monkeypatch.setitem(eod_steps.BY_NAME, "penalties", eod_steps.Step("penalties", crash))
    with pytest.raises(RuntimeError):
        close_day_run()
    run = CloseRun.objects.get()
    operator = make_user(staff=True, is_superuser=True)
    # when an operator opens the run
    html = _page(operator, run)
    # then the steps are in order, the failed one marked with its error, with a retry button
    assert 'data-step="accrual" data-status="done"' in html
    assert 'data-step="penalties" data-status="failed"' in html
    assert "worker lost" in html[html.index('data-step="penalties"') :], html[
        html.index('data-step="penalties"') :
    ][:600]
    assert 'id="retry-close"' in html
    # when they press retry (the step works again)
    monkeypatch.setitem(eod_steps.BY_NAME, "penalties", real)
    browser = Client()
    browser.login(username=operator.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = browser.post(f"/admin/loans/closerun/{run.pk}/retry/")
    assert response.status_code == 302 and len(queued) == 1
    # then the close is done, and the page has nothing left to retry
    run.refresh_from_db()
    assert run.status == "done"
    html = _page(operator, run)
    assert 'data-status="failed"' not in html and 'id="retry-close"' not in html


@pytest.mark.django_db
def test_only_a_user_who_may_change_closes_can_retry():
    make_loan()
    run = close_day_run()
    viewer = make_user(staff=True)
    browser = Client()
    browser.login(username=viewer.username, password=PASSWORD)
    assert browser.post(f"/admin/loans/closerun/{run.pk}/retry/").status_code == 403
