"""Step 4: penalty interest on overdue amounts, capped at the all-in cost ceiling."""

from datetime import date
from decimal import Decimal

import pytest

from ledger import chart
from ledger.models import JournalEntry, JournalLine
from ledger.selectors import account_balance
from ledger.services import business_date_current
from loans.eod.common import Chunk
from loans.eod.penalties import cost_limits, penalties_accrue
from loans.models import Loan, PenaltyCap
from tests.eod.helpers import balances, close, close_until, d, make_loan


def test_cost_limits_measure_the_contract_and_the_overdue_days():
    # One installment of 1,000 principal and 20 interest due on day 30, unpaid on day 40.
    start = date(2026, 1, 1)
    rows = [
        (
            "due",
            None,
            date(2026, 1, 31),
            Decimal("1000"),
            Decimal("0"),
            Decimal("20"),
            Decimal("0"),
            Decimal("0"),
        )
    ]
    allowed, charged = cost_limits(
        rows,
        disbursed=start,
        today=date(2026, 2, 10),
        cap_rate=Decimal("0.24"),
        basis=360,
        upfront_fee=Decimal("5"),
    )
    assert allowed == Decimal("0.24") * 1000 * 40 / 360  # 26.67: principal outstanding 40 days
    assert charged == Decimal("25")  # upfront fee + interest
    # Paid on time, its principal counts to the due date only.
    paid = [
        (
            "paid",
            date(2026, 1, 25),
            date(2026, 1, 31),
            Decimal("1000"),
            Decimal("1000"),
            Decimal("20"),
            Decimal("0"),
            Decimal("0"),
        )
    ]
    allowed, _ = cost_limits(
        paid,
        disbursed=start,
        today=date(2026, 2, 10),
        cap_rate=Decimal("0.24"),
        basis=360,
        upfront_fee=Decimal("0"),
    )
    assert allowed == Decimal("0.24") * 1000 * 30 / 360


@pytest.mark.django_db
def test_penalty_interest_accrues_daily_on_overdue_principal_and_interest():
    # Given 12,000 at 18% (installment 1: 920.16 principal + 180.00 interest, due 1 February)
    # and a 27% penalty rate
    loan = make_loan()
    close_until(d("2026-02-02"))
    assert not JournalEntry.objects.filter(kind="penalty").exists()
    # When the installment stays unpaid for three days
    close(3)
    # Then each day accrues round(1,100.16 × 27% / 360) = 0.83: Dr 1134 / Cr 6031
    days = list(
        JournalEntry.objects.filter(kind="penalty")
        .order_by("business_date")
        .values_list("business_date", flat=True)
    )
    assert days == [d("2026-02-02"), d("2026-02-03"), d("2026-02-04")]
    assert balances(loan)[chart.PENALTY_RECEIVABLE] == Decimal("2.49")
    assert account_balance(code=chart.PENALTY_INCOME) == Decimal("2.49")
    assert loan.installments.get(number=1).penalty_due == Decimal("2.49")
    assert not PenaltyCap.objects.exists()


@pytest.mark.django_db
def test_no_penalty_within_the_grace_days():
    loan = make_loan(grace_days=3)
    close_until(d("2026-02-05"))
    assert not JournalEntry.objects.filter(kind="penalty").exists()
    close()
    assert balances(loan)[chart.PENALTY_RECEIVABLE] == Decimal("0.83")


@pytest.mark.django_db
def test_penalties_stop_at_the_cap_and_the_cut_is_recorded():
    # Given 1,000 for one month at 20% (interest 16.67, due 1 February), a 60% penalty rate and
    # a 24% cap: the contract uses 16.67 of the 20.67 the cap allows over its 31 days, and every
    # day the principal stays overdue the cap allows 0.24 × 1,000 / 360 = 0.67 more
    loan = make_loan(
        principal="1000.00", annual_rate="0.20", term=1, penalty_rate="0.60", apr_cap="0.24"
    )
    assert loan.installments.get().interest_due == Decimal("16.67")
    # When it stays unpaid from 2 to 6 February
    close_until(d("2026-02-07"))
    # Then 1.69 a day (1,016.67 × 60% / 360) until the headroom runs out, then what it allows
    booked = list(
        JournalLine.objects.filter(entry__kind="penalty", account__code=chart.PENALTY_RECEIVABLE)
        .order_by("business_date")
        .values_list("debit", flat=True)
    )
    assert booked == [Decimal(x) for x in ("1.69", "1.69", "1.69", "1.59", "0.67")]
    caps = list(
        PenaltyCap.objects.filter(loan=loan).values_list(
            "business_date", "penalty_uncapped", "penalty_booked", "allowed_cost", "charged_cost"
        )
    )
    assert caps == [
        (d("2026-02-05"), Decimal("1.69"), Decimal("1.59"), Decimal("23.33"), Decimal("21.74")),
        (d("2026-02-06"), Decimal("1.69"), Decimal("0.67"), Decimal("24.00"), Decimal("23.33")),
    ]
    # And the all-in cost charged never exceeds what the cap allows on the principal-days
    installment = loan.installments.get()
    principal_days = Decimal(1000) * (d("2026-02-06") - d("2026-01-01")).days
    assert installment.interest_due + installment.penalty_due <= (
        Decimal("0.24") * principal_days / 360
    )


@pytest.mark.django_db
def test_penalties_of_a_non_accrual_loan_go_to_suspense():
    loan = make_loan()
    close_until(d("2026-02-02"))
    Loan.objects.filter(pk=loan.pk).update(non_accrual=True)
    close()
    entry = JournalEntry.objects.get(kind="penalty")
    assert sorted(entry.lines.values_list("account__code", "debit", "credit")) == [
        (chart.PENALTY_RECEIVABLE, Decimal("0.83"), Decimal("0")),
        (chart.INTEREST_SUSPENSE, Decimal("0"), Decimal("0.83")),
    ]


@pytest.mark.django_db
def test_running_the_step_again_books_nothing_twice():
    loan = make_loan()
    close_until(d("2026-02-03"))
    today = business_date_current()
    first = penalties_accrue(Chunk(today))
    second = penalties_accrue(Chunk(today))
    assert (first.entries, second.entries) == (1, 0)
    assert loan.installments.get(number=1).penalty_due == Decimal("1.66")
