"""A reversal splits exactly as the entry it reverses: a repayment split 30/70, the bank's
share then sold, the repayment reversed: the bank gets back exactly its part and the buyer
none of it; every funder still reconciles. An entry wholly one funder's reverses wholly to it."""

from datetime import timedelta
from decimal import Decimal

import pytest

from funding.models import Funder
from funding.services.settlement import funder_settle
from funding.services.transfers import asset_transfer
from ledger.models import JournalEntry
from ledger.services import business_date_current, entry_reverse
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from tests.eod.helpers import close_until
from tests.funding.helpers import arrangement, assert_reconciled, entry_parts
from tests.lifecycle.factories import make_active_loan, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal


def negated(parts):
    return {
        funder: {code: -amount for code, amount in accounts.items()}
        for funder, accounts in parts.items()
    }


def test_a_reversal_after_a_transfer_gives_each_funder_back_its_own_part():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="rbank", name="Bank", kind="bank")
    vehicle = Funder.objects.create(code="rabs", name="ABS", kind="abs")
    product = make_product(annual_rate=D("0.12"), frequency="weekly")
    arrangement(product, shares=[(platform, "0.30", None), (bank, "0.70", None)], buyback=60)
    loan = make_active_loan("1000.03", 6, business_date_current(), product=product)
    close_until(loan.installments.get(number=1).due_date + timedelta(days=1))
    paid_on = business_date_current()
    repayment = loan_repay(
        loan=loan,
        amount=D("171.37"),
        value_date=paid_on,
        business_date=paid_on,
        idempotency_key="pay-then-bounce",
        actor="tester",
    )
    paid = entry_parts([repayment.entry_id])
    assert set(paid) == {"platform", "rbank"}
    # 171.37 × 30/70: 51.411 / 119.959 → the cent to the bank.
    assert paid["rbank"]["1002"] == D("119.96") and paid["platform"]["1002"] == D("51.41")

    run = funder_settle(funder=bank, on=paid_on, actor="tester")
    settled = JournalEntry.objects.get(pk__in=run.entry_ids, kind="funder_settlement")
    close_until(paid_on + timedelta(days=1))
    asset_transfer(
        reference="sold-after-payment",
        seller=bank,
        buyer=vehicle,
        loan_ids=[loan.pk],
        cut_off=business_date_current(),
        price=D("500.00"),
        actor="tester",
    )
    close_until(paid_on + timedelta(days=2))
    repayment_reverse(
        repayment=repayment, business_date=business_date_current(), actor="tester", reason="bounced"
    )
    reversal = JournalEntry.objects.get(reverses_id=repayment.entry_id)
    assert reversal.business_date > paid_on
    assert entry_parts([reversal.pk]) == negated(paid)
    assert entry_parts([repayment.entry_id, reversal.pk]) == {}
    assert_reconciled("platform", "rbank", "rabs")

    # An entry wholly one funder's (its settlement): so is its reversal, whatever the shares.
    settled_parts = entry_parts([settled.pk])
    assert set(settled_parts) == {"rbank"}
    undone = entry_reverse(entry_id=settled.pk, business_date=business_date_current())
    assert entry_parts([undone.entry_id]) == negated(settled_parts)
    assert_reconciled("platform", "rbank", "rabs")
