"""Who bears the credit losses moves the loss: on a loan 40/60 whose arrangement puts the
losses on one funder, the provisions, the write-off and the later recovery are all that
funder's; the other gives up its receivables against a claim settled in cash, and books no loss
and no recovery. Every funder reconciles and the funders sum to the whole."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from funding.errors import FundingError
from funding.models import Funder
from funding.selectors.statements import settlement_statement
from funding.services.arrangements import arrangement_shares_check
from ledger.models import JournalEntry
from ledger.services import business_date_current
from loans.models import Loan
from loans.services.recoveries import loan_recover
from tests.eod.helpers import close_until
from tests.funding.helpers import arrangement, assert_reconciled, balances, entry_parts
from tests.lifecycle.factories import make_active_loan, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal
LOSS = ("1304", "6701", "6711", "6111")
RECEIVABLES = ("1303", "1132", "1133", "1134")


def whole(loan, codes):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.code, sum(l.debit - l.credit) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.loan_id = %s AND a.code = ANY(%s) GROUP BY 1""",
            [loan.pk, list(codes)],
        )
        return {code: amount for code, amount in cursor.fetchall() if amount}


def only(books, codes):
    return {code: amount for code, amount in books.items() if code in codes}


@pytest.mark.parametrize("bearer", ["platform", "partner"])
def test_the_loss_and_the_recovery_land_on_the_funder_that_bears_them(bearer):
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="wbank", name="Bank", kind="bank")
    product = make_product(annual_rate=D("0.12"), frequency="weekly", charge_off_days_past_due=3)
    arrangement(
        product,
        shares=[
            (platform, "0.40", None, bearer == "platform"),
            (bank, "0.60", None, bearer == "partner"),
        ],
        guarantee=True,
        buyback=60,  # after the write-off: the loss is moved by who bears it, not bought back
    )
    start = business_date_current()
    loan = make_active_loan("3000.01", 4, start, product=product)
    close_until(loan.installments.get(number=1).due_date + timedelta(days=5))
    assert Loan.objects.get(pk=loan.pk).status == "charged_off"
    bearer_code, other_code = (
        ("platform", "wbank") if bearer == "platform" else ("wbank", "platform")
    )

    loss = whole(loan, LOSS)
    assert loss.get("6711", D(0)) + loss.get("6701", D(0)) > D("2900")
    assert only(balances(bearer_code), LOSS) == loss
    assert only(balances(other_code), LOSS) == {}
    # Both gave up their receivables; the bank's claim on the platform (1221) settles the loss
    # moved between them: the platform owes it the receivables it gave up, or it owes the
    # platform the platform's.
    # (Each line is split on its own, so a funder's part of interest and penalties accrued day
    # by day can differ by cents from its part of their sum written off.)
    assert whole(loan, RECEIVABLES) == {}
    for code in ("wbank", "platform"):
        left = only(balances(code), RECEIVABLES)
        assert "1303" not in left and all(abs(amount) < D("0.05") for amount in left.values())
    write_off = JournalEntry.objects.get(idempotency_key=f"write-off:{loan.pk}")
    parts = entry_parts([write_off.pk])
    assert only(parts[other_code], LOSS) == {}
    claim = parts["wbank"]["1002"]
    assert claim == -sum((v for k, v in parts["wbank"].items() if k != "1002"), D(0))
    if bearer == "platform":
        assert claim > D("1700")  # the bank's receivables, owed to it by the platform
    else:
        assert -claim > D("1100")  # the platform's, owed to it by the bank
    assert_reconciled("wbank", "platform")

    today = business_date_current()
    loan_recover(
        loan=loan,
        amount=D("100.01"),
        value_date=today,
        business_date=today,
        idempotency_key="recovered",
        source="borrower",
    )
    recovered = settlement_statement(funder=bank, on=today).recoveries
    assert recovered == (D("100.01") if bearer == "partner" else D(0))
    assert balances(bearer_code)["6111"] == D("-100.01")
    assert "6111" not in balances(other_code)
    assert_reconciled("wbank", "platform")


def test_an_arrangement_where_no_funder_bears_the_losses_is_refused():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="nobank", name="Bank", kind="bank")
    with pytest.raises(FundingError, match="bear the credit losses"):
        arrangement_shares_check(
            shares=[(platform, D("0.5"), False), (bank, D("0.5"), False)],
            platform_guarantee=True,
        )
