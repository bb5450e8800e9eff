"""Joint lending end to end: a loan co-lent 30/70 with a guaranteed bank, its books per funder
through the close, a repayment, the bank's settlement, the buyback at the threshold and a later
collection that is the platform's; a three-funder loan whose trust share is sold to an ABS
vehicle mid-life. Each funder reconciles and the funders sum to the whole."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from calc.split import largest_remainder
from events.models import Event
from funding.models import Funder, LoanFunding, SettlementRun
from funding.selectors.statements import settlement_statement
from funding.services.settlement import funder_settle
from funding.services.transfers import asset_transfer
from ledger.services import business_date_current
from loans.models import Loan
from loans.services.lending_limits import LendingLimitExceeded
from loans.services.repayments import loan_repay
from tests.eod.helpers import close_until
from tests.funding.helpers import arrangement, assert_reconciled, balances
from tests.lifecycle.factories import make_active_loan, make_loan, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal


def test_co_lent_loan_through_repayment_settlement_and_buyback():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(
        code="bank", name="Partner bank", kind="bank", exposure_limit=D("10000")
    )
    product = make_product(annual_rate=D("0.12"), frequency="weekly")
    arrangement(product, shares=[(platform, "0.30", None), (bank, "0.70", D("0.08"))])
    start = business_date_current()
    loan = make_active_loan("12000.00", 12, start, product=product)
    shares = {row.funder.code: row.share for row in LoanFunding.objects.filter(loan=loan)}
    assert shares == {"platform": D("0.3"), "bank": D("0.7")}

    # The bank's limit: 8,400 held; 70% of another 12,000 would make 16,800 > 10,000.
    with pytest.raises(LendingLimitExceeded) as refused:
        make_loan("12000.00", 12, start, product=product)
    assert "8400.00" in str(refused.value) and "1600.00 more" in str(refused.value)

    # The disbursement: the bank's books hold 70% of the principal, funded through the platform.
    assert balances("bank") == {"1303": D("8400.00"), "1221": D("-8400.00")}
    assert balances("platform")["1303"] == D("3600.00")

    close_until(loan.installments.get(number=1).due_date + timedelta(days=1))
    today = business_date_current()
    first = loan.installments.get(number=1)
    loan_repay(
        loan=loan,
        amount=first.principal_due + first.interest_due,
        value_date=today,
        business_date=today,
        idempotency_key="pay-1",
        actor="tester",
    )
    statement = settlement_statement(funder=bank, on=today)
    assert statement.principal == largest_remainder(first.principal_due, [D("0.3"), D("0.7")])[1]
    # A week's interest, 12,000 × 12% × 7/360 = 28.00: the bank's 70% is 19.60 at 12%, of which
    # it keeps 8/12; 19.60 × 4/12 = 6.5333 → 6.53 is the platform's service fee.
    assert first.interest_due == D("28.00")
    assert statement.interest == D("19.60") and statement.service_fee == D("6.53")
    run = funder_settle(funder=bank, on=today, actor="tester")
    assert run.net_amount == statement.collections - D("6.53")
    assert funder_settle(funder=bank, on=today, actor="tester").pk == run.pk
    assert SettlementRun.objects.count() == 1
    bank_books = balances("bank")
    assert (
        bank_books["6421"] == D("6.53") and bank_books["1003"] == run.transferred == run.net_amount
    )
    assert balances("platform")["6051"] == D("-6.53")
    # The payable to partners: what the bank was owed on the day is cleared by the settlement;
    # its funding of the disbursement is still owed to the platform.
    assert balances("platform").get("2203") == -bank_books["1221"]
    assert_reconciled("bank", "platform")
    call_command("trial_balance", funder="bank")
    call_command("reconcile", funder="bank")
    with pytest.raises(CommandError):
        call_command("trial_balance", funder="nobody")

    # Installment 2 is missed: at 3 days past due the platform buys the bank's share back.
    second = loan.installments.get(number=2)
    close_until(second.due_date + timedelta(days=4))
    assert Loan.objects.get(pk=loan.pk).days_past_due >= 3
    current = LoanFunding.objects.filter(loan=loan, valid_until__isnull=True)
    assert [(row.funder.code, row.share) for row in current] == [("platform", D("1"))]
    (bought,) = Event.objects.filter(type="funding.bought_back", subject=f"loan/{loan.pk}")
    assert (bought.data["funder"], D(bought.data["share"])) == ("bank", D("0.7"))
    bank_books = balances("bank")
    for code in ("1303", "1132", "1134"):
        assert code not in bank_books
    assert "1221" in bank_books  # the compensation, owed to the bank until settled
    assert_reconciled("bank", "platform")

    # A later collection is the platform's alone.
    today = business_date_current()
    loan_repay(
        loan=loan,
        amount=D("500.00"),
        value_date=today,
        business_date=today,
        idempotency_key="pay-2",
        actor="tester",
    )
    assert settlement_statement(funder=bank, on=today).collections == 0
    assert_reconciled("bank", "platform")


def test_three_funders_and_an_abs_transfer_mid_life():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="bank3", name="Bank", kind="bank")
    trust = Funder.objects.create(code="trust", name="Trust", kind="trust")
    vehicle = Funder.objects.create(code="abs1", name="ABS 2026-1", kind="abs")
    product = make_product(annual_rate=D("0.18"), frequency="weekly")
    arrangement(
        product,
        shares=[(platform, "0.30", None), (bank, "0.45", None), (trust, "0.25", D("0.10"))],
        buyback=60,
    )
    start = business_date_current()
    loan = make_active_loan("10000.01", 6, start, product=product)
    # 10,000.01 × 30/45/25: 3,000.003 / 4,500.0045 / 2,500.0025 → the cent to the bank.
    assert balances("bank3")["1303"] == D("4500.01")
    assert balances("trust")["1303"] == D("2500.00")
    close_until(start + timedelta(days=3))
    cut_off = business_date_current()
    before = balances("trust")
    carrying = before["1303"] + before.get("1132", D(0)) - before.get("1304", D(0)) * -1
    transfer = asset_transfer(
        reference="abs-2026-1",
        seller=trust,
        buyer=vehicle,
        loan_ids=[loan.pk],
        cut_off=cut_off,
        price=D("2490.00"),
        actor="tester",
    )
    assert transfer.carrying_amount == carrying
    assert transfer.gain_loss == D("2490.00") - carrying
    assert balances("trust").get("1303") is None
    assert balances("abs1")["1303"] == before["1303"]
    assert balances("trust")["6115"] == -(transfer.gain_loss)
    close_until(loan.installments.get(number=1).due_date + timedelta(days=1))
    today = business_date_current()
    loan_repay(
        loan=loan,
        amount=D("1000.00"),
        value_date=today,
        business_date=today,
        idempotency_key="pay-abs",
        actor="tester",
    )
    assert settlement_statement(funder=trust, on=today).collections == 0
    assert settlement_statement(funder=vehicle, on=today).collections > 0
    assert_reconciled("platform", "bank3", "trust", "abs1")


def test_a_partner_bearing_losses_shares_the_write_off_and_the_recovery():
    from loans.services.recoveries import loan_recover

    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="lossbank", name="Bank bearing losses", kind="bank")
    product = make_product(annual_rate=D("0.12"), frequency="weekly", charge_off_days_past_due=3)
    arrangement(product, shares=[(platform, "0.40", None), (bank, "0.60", None)], guarantee=False)
    start = business_date_current()
    loan = make_active_loan("3000.00", 4, start, product=product)
    close_until(loan.installments.get(number=1).due_date + timedelta(days=5))
    assert Loan.objects.get(pk=loan.pk).status == "charged_off"
    books = balances("lossbank")
    assert "1303" not in books  # written off, its 60% of the loss in its own books
    assert books["6711"] + books.get("1304", D(0)) + books.get("6701", D(0)) > D("1700")
    today = business_date_current()
    loan_recover(
        loan=loan,
        amount=D("100.01"),
        value_date=today,
        business_date=today,
        idempotency_key="recovered",
        source="borrower",
    )
    # 100.01 × 40/60: 40.004 / 60.006 → the cent to the bank's larger remainder.
    assert settlement_statement(funder=bank, on=today).recoveries == D("60.01")
    assert balances("lossbank")["6111"] == D("-60.01")
    assert_reconciled("lossbank", "platform")
