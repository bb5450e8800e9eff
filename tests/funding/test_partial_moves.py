"""A part of a funder's share moves: 20 of the bank's 70 points of a loan sold to an ABS vehicle
at a price, then 10 more bought back by the platform under its guarantee. Each moves that part
of the bank's balances (exact to the cent), with the gain or loss; lines after the cut-off split
by the new shares, nothing before changes; every funder reconciles. Bad parts are refused and
change nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest

from calc.split import largest_remainder, split_by_weights
from funding.accounts import MOVED
from funding.errors import FundingError
from funding.models import AssetTransfer, Funder, LoanFunding
from funding.services.transfers import asset_transfer, share_buy_back
from ledger.models import JournalEntry, JournalLine
from ledger.services import business_date_current
from loans.services.repayments import loan_repay
from tests.eod.helpers import close_until
from tests.funding.helpers import arrangement, assert_reconciled, balances, entry_parts
from tests.lifecycle.factories import make_active_loan, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal


def current_shares(loan):
    return {
        row.funder.code: row.share
        for row in LoanFunding.objects.filter(loan=loan, valid_until__isnull=True)
    }


def books_before(codes, day):
    return {code: balances(code, as_of=day) for code in codes}


def test_a_part_of_a_share_sold_then_a_part_bought_back():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="pbank", name="Bank", kind="bank")
    vehicle = Funder.objects.create(code="pabs", name="ABS", kind="abs")
    product = make_product(annual_rate=D("0.12"), frequency="weekly")
    arrangement(product, shares=[(platform, "0.30", None), (bank, "0.70", None)], buyback=60)
    loan = make_active_loan("10000.03", 8, business_date_current(), product=product)
    close_until(loan.installments.get(number=1).due_date + timedelta(days=1))
    today = business_date_current()
    loan_repay(
        loan=loan,
        amount=D("1300.00"),
        value_date=today,
        business_date=today,
        idempotency_key="before-the-sale",
        actor="tester",
    )
    close_until(today + timedelta(days=1))
    cut_off = business_date_current()
    held = balances("pbank", as_of=cut_off - timedelta(days=1))
    before = books_before(("platform", "pbank"), cut_off - timedelta(days=1))

    with pytest.raises(FundingError, match="cannot move 0.71"):
        asset_transfer(
            reference="too-much",
            seller=bank,
            buyer=vehicle,
            loan_ids=[loan.pk],
            cut_off=cut_off,
            price=D("1.00"),
            actor="tester",
            share=D("0.71"),
        )
    with pytest.raises(FundingError, match="below the minimum"):
        asset_transfer(
            reference="platform-too-low",
            seller=platform,
            buyer=vehicle,
            loan_ids=[loan.pk],
            cut_off=cut_off,
            price=D("1.00"),
            actor="tester",
            share=D("0.01"),
        )
    assert current_shares(loan) == {"platform": D("0.3"), "pbank": D("0.7")}
    assert not AssetTransfer.objects.exists()

    transfer = asset_transfer(
        reference="part-to-abs",
        seller=bank,
        buyer=vehicle,
        loan_ids=[loan.pk],
        cut_off=cut_off,
        price=D("2500.00"),
        actor="tester",
        share=D("0.20"),
    )
    assert current_shares(loan) == {"platform": D("0.3"), "pbank": D("0.5"), "pabs": D("0.2")}
    assert transfer.share == D("0.2")
    # 20 of the bank's 70 points of each of its balances, by largest remainder.
    sold_principal = split_by_weights(held["1303"], [D("0.2"), D("0.5")])[0]
    assert balances("pabs")["1303"] == sold_principal
    assert balances("pbank")["1303"] == held["1303"] - sold_principal
    assert transfer.carrying_amount == sum(
        (split_by_weights(held[code], [D("0.2"), D("0.5")])[0] for code in MOVED if code in held),
        D(0),
    )
    assert balances("pbank")["6115"] == -transfer.gain_loss
    assert transfer.gain_loss == D("2500.00") - transfer.carrying_amount
    assert books_before(("platform", "pbank"), cut_off - timedelta(days=1)) == before
    assert_reconciled("platform", "pbank", "pabs")

    close_until(cut_off + timedelta(days=1))
    on = business_date_current()
    bank_due = balances("pbank")["1221"]
    bank_part = balances("pbank", as_of=on - timedelta(days=1))
    moved = share_buy_back(
        reference="part-back",
        seller=bank,
        loan_ids=[loan.pk],
        share=D("0.10"),
        on=on,
        actor="tester",
    )
    assert current_shares(loan) == {"platform": D("0.4"), "pbank": D("0.4"), "pabs": D("0.2")}
    face = sum(
        (
            split_by_weights(bank_part.get(code, D(0)), [D("0.1"), D("0.4")])[0]
            for code in ("1303", "1132", "1133", "1134")
        ),
        D(0),
    )
    assert moved[0].price == face
    assert balances("pbank")["1221"] == bank_due + face  # the platform owes it the face
    with pytest.raises(FundingError, match="exists already"):
        share_buy_back(
            reference="part-back",
            seller=bank,
            loan_ids=[loan.pk],
            share=D("0.10"),
            on=on,
            actor="tester",
        )
    with pytest.raises(FundingError, match="does not guarantee"):
        share_buy_back(
            reference="abs-back",
            seller=vehicle,
            loan_ids=[loan.pk],
            share=D("0.10"),
            on=on,
            actor="tester",
        )

    close_until(loan.installments.get(number=2).due_date + timedelta(days=1))
    today = business_date_current()
    paid = loan_repay(
        loan=loan,
        amount=D("1300.01"),
        value_date=today,
        business_date=today,
        idempotency_key="after-the-moves",
        actor="tester",
    )
    # The principal line split 40/40/20 (the cash line, the entry's largest, also carries the
    # entry's rounding).
    principal = JournalLine.objects.get(entry_id=paid.entry_id, account__code="1303").credit
    parts = entry_parts([paid.entry_id])
    assert [parts[code]["1303"] for code in ("platform", "pbank", "pabs")] == largest_remainder(
        -principal, [D("0.4"), D("0.4"), D("0.2")]
    )
    cash = [parts[code]["1002"] for code in ("platform", "pbank", "pabs")]
    assert sum(cash) == D("1300.01")
    assert all(
        abs(part - D("1300.01") * share) <= D("0.02")
        for part, share in zip(cash, (D("0.4"), D("0.4"), D("0.2")), strict=True)
    )
    assert JournalEntry.objects.filter(kind="guarantee_buyback").count() == 2
    assert_reconciled("platform", "pbank", "pabs")
