"""The close keeps credit lines in step with their loans (issue 9's freeze/unfreeze policy)."""

import pytest

from ledger.services import business_date_current
from loans.eod import close_day_run, close_step_names
from origination import close_steps as credit_lines_hook

pytestmark = pytest.mark.django_db


def test_close_runs_the_credit_line_sync_once_for_the_business_date(monkeypatch):
    # given the business date being closed
    closed = business_date_current()
    calls = []
    real = credit_lines_hook.credit_lines_sync

    def recording(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(credit_lines_hook, "credit_lines_sync", recording)
    # when the day is closed
    close_day_run(business_date=closed)
    # then the step ran after collections, once, for that date
    names = close_step_names()
    assert names.index("credit_lines") == names.index("collection") + 1
    assert calls == [{"business_date": closed}]
