"""The close as a pipeline: apps register steps, settings.CLOSE_STEPS orders them, and the close
refuses to start when the two disagree."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.test import override_settings

from compliance.models import LoanMonthEnd, MonthEndCapture
from ledger.services import business_date_current
from loans.eod import CloseStepsMisconfigured, close_day_run, close_run_open, close_step_names
from loans.eod.steps import BY_NAME
from loans.models import CloseRun

from .helpers import close_until, make_loan

ORDER = (
    "rate_resets",
    "accrual",
    "due",
    "delinquency",
    "penalties",
    "states",
    "buyback",
    "staging",
    "provisioning",
    "collection",
    "credit_lines",
    "snapshot",
    "month_end",
    "journal",
    "advance",
    "auto_debit",
    "reports",
)
README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_steps_run_in_the_order_settings_give():
    assert close_step_names() == ORDER


def test_each_app_contributes_its_own_steps():
    owners = {name: step.run.__module__.split(".")[0] for name, step in BY_NAME.items()}
    assert owners == {
        "rate_resets": "loans",
        "accrual": "loans",
        "due": "loans",
        "delinquency": "loans",
        "penalties": "loans",
        "states": "loans",
        "snapshot": "loans",
        "journal": "loans",
        "advance": "loans",
        "buyback": "funding",
        "staging": "compliance",
        "provisioning": "compliance",
        "month_end": "compliance",
        "reports": "compliance",
        "collection": "collection",
        "credit_lines": "origination",
        "auto_debit": "payments",
    }


def test_the_readme_lists_the_steps_in_the_same_order():
    text = README.read_text()
    table = text[text.index("<!-- close-steps") : text.index("<!-- /close-steps -->")]
    assert tuple(re.findall(r"^\| `(\w+)` \|", table, re.M)) == ORDER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("names", "complaint"),
    [
        (tuple(name for name in ORDER if name != "collection"), "not in CLOSE_STEPS: collection"),
        ((*ORDER, "bank_sweep"), "not registered: bank_sweep"),
        ((*ORDER, "due"), "named twice"),
    ],
)
def test_a_close_refuses_to_start_when_settings_and_registry_disagree(names, complaint):
    with (
        override_settings(CLOSE_STEPS=names),
        pytest.raises(CloseStepsMisconfigured, match=complaint),
    ):
        close_run_open()
    assert not CloseRun.objects.exists()


@pytest.mark.django_db
def test_the_close_of_a_months_last_day_captures_the_month_once():
    # given a loan, closed up to the last day of January
    loan = make_loan(start=date(2025, 12, 1))  # its first installment unpaid since January 1
    close_until(date(2026, 1, 31))
    assert business_date_current() == date(2026, 1, 31)
    assert not MonthEndCapture.objects.exists()
    # when January 31 is closed
    close_day_run()
    # then the month is captured by the close, as the close left the loans (and the reports
    # step, before January's bureau file, rebuilds December, which no close captured)
    capture = MonthEndCapture.objects.get(month_end=date(2026, 1, 31))
    assert (capture.source, capture.loans) == ("live", 1)
    state = LoanMonthEnd.objects.get(month_end=date(2026, 1, 31))
    assert (state.loan_id, state.status, state.days_past_due) == (loan.pk, "delinquent", 30)
    assert MonthEndCapture.objects.get(month_end=date(2025, 12, 31)).source == "reconstructed"
    # and closing the day again (a resumed close) captures nothing twice
    close_day_run(business_date=date(2026, 1, 31))
    assert MonthEndCapture.objects.get(month_end=date(2026, 1, 31)) == capture
    close_day_run()
    assert MonthEndCapture.objects.count() == 2
