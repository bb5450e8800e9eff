"""A simulated book with co-lent and own-funded loans: every funder reconciles (its trial
balance, its books recomputed line by line, its month-end file) and the funders sum to the
whole journal; the partners were settled every day."""

import pytest
from django.core.management import call_command

from demo.simulation import portfolio_simulate
from funding.models import Funder, LoanFunding, SettlementRun
from funding.selectors.reconcile import funder_reconcile
from ledger.services import business_date_current
from loans.models import Loan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_each_funder_reconciles_and_the_funders_sum_to_the_whole():
    portfolio_simulate(loans=24, days=40, seed=7)
    co_lent = set(LoanFunding.objects.values_list("loan_id", flat=True))
    disbursed = set(Loan.objects.exclude(disbursed_on=None).values_list("id", flat=True))
    assert co_lent & disbursed and disbursed - co_lent  # a mix
    for funder in Funder.objects.all():
        assert funder_reconcile(code=funder.code) == [], funder.code
        call_command("trial_balance", funder=funder.code)
        call_command("reconcile", funder=funder.code)
    days = SettlementRun.objects.filter(funder__code="demo-bank").count()
    assert days == 40
    assert SettlementRun.objects.filter(business_date=business_date_current()).count() == 0
