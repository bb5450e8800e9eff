"""The funders' books read archived months: once the journal's old months move to the archive,
every funder's trial balance, reconcile, month-end file and settlement statement of those
months read exactly as before."""

from datetime import timedelta
from decimal import Decimal

import pytest

from funding.models import Funder
from funding.selectors.books import funder_trial_balance
from funding.selectors.files import funder_file_rows
from funding.selectors.reconcile import funder_reconcile
from funding.selectors.statements import settlement_statement
from funding.services.settlement import funder_settle
from ledger.models import JournalLine
from ledger.partitions import add_months, journal_archive, month_start
from ledger.services import business_date_current
from loans.services.repayments import loan_repay
from tests.eod.helpers import close_until
from tests.funding.helpers import arrangement
from tests.lifecycle.factories import make_active_loan, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal
CODES = ("platform", "abank")


def everything_read(paid_on, start):
    bank = Funder.objects.get(code="abank")
    reads = []
    for code in CODES:
        funder = Funder.objects.get(code=code)
        for as_of in (None, start, paid_on):
            reads.append((code, as_of, funder_trial_balance(code=code, as_of=as_of).rows))
        reads.append((code, "file", list(funder_file_rows(funder=funder, as_of=paid_on))))
    reads.append(("statement", settlement_statement(funder=bank, on=paid_on).as_dict()))
    reads.append(("statement", settlement_statement(funder=bank, on=start).as_dict()))
    return reads


def test_a_funders_books_read_the_same_after_their_months_are_archived():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="abank", name="Bank", kind="bank")
    product = make_product(annual_rate=D("0.12"), frequency="weekly")
    arrangement(product, shares=[(platform, "0.30", None), (bank, "0.70", D("0.08"))], buyback=60)
    start = business_date_current()
    loan = make_active_loan("5000.03", 10, start, product=product)
    close_until(loan.installments.get(number=1).due_date + timedelta(days=1))
    paid_on = business_date_current()
    loan_repay(
        loan=loan,
        amount=D("600.00"),
        value_date=paid_on,
        business_date=paid_on,
        idempotency_key="archived-pay",
        actor="tester",
    )
    funder_settle(funder=bank, on=paid_on, actor="tester")
    before = add_months(month_start(paid_on), 1)
    close_until(before + timedelta(days=1))
    read = everything_read(paid_on, start)
    assert read[-2][1]["interest"] != "0"  # the statement of a day with collections

    journal_archive(before=before)

    assert not JournalLine.objects.filter(business_date__lt=before).exists()
    assert everything_read(paid_on, start) == read
    for code in CODES:
        assert funder_reconcile(code=code) == [], code
        assert funder_reconcile(code=code, as_of=paid_on) == [], code
