"""The funders' books split in Python (what SQLite runs, `make run`'s demo) are the books the
PostgreSQL statement derives: on a simulated book with co-lent loans (settled daily) and a part
of a partner's share sold mid-way, every funder's trial balance, month-end file and daily
statements read the same both ways, and its reconcile passes on the Python books."""

from datetime import timedelta
from decimal import Decimal

import pytest

from demo.simulation import portfolio_simulate
from funding.models import Funder, LoanFunding
from funding.selectors import exposure, split_lines
from funding.selectors.books import funder_trial_balance
from funding.selectors.files import funder_file_rows
from funding.selectors.reconcile import funder_reconcile
from funding.selectors.statements import settlement_statement
from funding.services.transfers import asset_transfer
from ledger.services import business_date_current

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def everything_read():
    today = business_date_current()
    reads = {}
    for funder in Funder.objects.order_by("code"):
        reads["trial balance", funder.code] = funder_trial_balance(code=funder.code).rows
        reads["file", funder.code] = list(funder_file_rows(funder=funder, as_of=today))
        if not funder.is_platform:
            for back in range(45):
                day = today - timedelta(days=back)
                reads["statement", funder.code, day] = settlement_statement(
                    funder=funder, on=day
                ).as_dict()
    return reads


def days(reads):
    return {key[2] for key in reads if key[0] == "statement"}


def test_the_books_split_in_python_are_the_books_the_sql_derives(monkeypatch):
    portfolio_simulate(loans=16, days=45, seed=11)
    trust = Funder.objects.get(code="demo-trust")
    held = list(
        LoanFunding.objects.filter(funder=trust, valid_until__isnull=True).values_list(
            "loan_id", flat=True
        )[:3]
    )
    assert held
    asset_transfer(
        reference="python-books",
        seller=trust,
        buyer=Funder.objects.create(code="pyabs", name="ABS", kind="abs"),
        loan_ids=held,
        cut_off=business_date_current(),
        price=Decimal("100.00"),
        actor="tester",
        share=Decimal("0.05"),
    )
    in_sql = everything_read()
    assert len(in_sql["file", "demo-bank"]) > 2 and len(in_sql["file", "pyabs"]) == 4
    assert any(
        Decimal(in_sql["statement", "demo-bank", day]["collections"]) for day in days(in_sql)
    )

    monkeypatch.setattr(split_lines, "derived_in_sql", lambda: False)
    for module in ("books", "balances", "files", "reconcile", "statements"):
        monkeypatch.setattr(f"funding.selectors.{module}.derived_in_sql", lambda: False)
    assert everything_read() == in_sql
    for funder in Funder.objects.all():
        assert funder_reconcile(code=funder.code) == [], funder.code


def test_a_partners_exposure_reads_the_same_without_sql(monkeypatch):
    portfolio_simulate(loans=12, days=20, seed=5)
    partners = Funder.objects.exclude(kind="platform")
    in_sql = [exposure.funder_exposure(funder) for funder in partners]
    assert all(in_sql)
    monkeypatch.setattr(exposure.connection, "vendor", "sqlite")
    assert [exposure.funder_exposure(funder) for funder in partners] == in_sql
