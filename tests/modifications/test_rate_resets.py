"""Floating-rate loans: resets in the close from the dated index table, manual changes, floor.

The loan: 12,000 over 12 months from Jan 15, 2026, signed at 12%, following the one-year LPR
plus 6%, floor 10%, cap 15%, reset every 3 months on the start's day: first reset Apr 15. The
LPR in force on Apr 15, 2026 is 3.00% (fixing of Dec 22, 2025): 9% is below the floor, so 10%.
Rows 4–12 (periods from Apr 15) are rebuilt: 9,132.95 over 9 months at 10%/12:
PMT = 76.1079 × 1.0775492 / 0.0775492 = 1,057.5222 → 1,057.52, first interest 76.11.
"""

from datetime import date
from decimal import Decimal

import pytest

from calc.index_rates import IndexRateError, floating_rate, index_rate_on, next_reset
from loans.errors import LoanRuleError
from loans.models import LoanModification
from loans.services.modifications import modification_request

from ..lifecycle.factories import (
    assert_books_consistent,
    close_steps,
    make_active_loan,
    reload,
    schedule,
)

pytestmark = pytest.mark.django_db
D = Decimal
RESET = date(2026, 4, 15)
FLOATING = {
    "rate_index": "lpr_1y",
    "rate_margin": D("0.06"),
    "rate_floor": D("0.10"),
    "rate_ceiling": D("0.15"),
    "rate_reset_months": 3,
}


def test_index_table_and_reset_rule():
    assert index_rate_on("lpr_1y", date(2026, 4, 15)) == D("0.0300")
    assert index_rate_on("lpr_5y", date(2024, 3, 1)) == D("0.0395")
    assert floating_rate(D("0.03"), D("0.06"), D("0.10"), D("0.15")) == D("0.10")
    assert floating_rate(D("0.03"), D("0.14"), D("0.10"), D("0.15")) == D("0.15")
    assert next_reset(date(2026, 1, 31), 1, 0, date(2026, 2, 1)) == date(2026, 2, 28)
    assert next_reset(date(2026, 1, 15), 12, 1, date(2026, 1, 15)) == date(2027, 1, 1)
    with pytest.raises(IndexRateError):
        index_rate_on("shibor", date(2026, 1, 1))
    with pytest.raises(IndexRateError):
        index_rate_on("lpr_1y", date(2019, 1, 1))


def test_signing_copies_the_floating_terms_and_the_first_reset():
    loan = make_active_loan(**FLOATING)
    assert (loan.rate_index, loan.rate_floor, loan.next_rate_reset) == ("lpr_1y", D("0.10"), RESET)


def test_the_close_resets_on_the_reset_date_once():
    loan = make_active_loan(**FLOATING)
    close_steps(date(2026, 4, 14), "rate_resets", loan=loan)
    assert not LoanModification.objects.exists()
    close_steps(RESET, "rate_resets", "accrual", loan=loan)
    close_steps(RESET, "rate_resets", loan=loan)
    (reset,) = LoanModification.objects.all()
    loan = reload(loan)
    assert (loan.annual_rate, loan.next_rate_reset) == (D("0.10"), date(2026, 7, 15))
    assert (reset.kind, reset.status, reset.parameters["reset_date"]) == (
        "rate_change",
        "applied",
        "2026-04-15",
    )
    assert reset.installment_before == D("1066.19") and reset.installment_after == D("1057.52")
    new = [row for row in schedule(loan) if row.period_start >= RESET]
    assert len(new) == 9 and new[0].interest_due == D("76.11")
    assert sum(row.principal_due for row in new) == D("9132.95")
    assert [row.number for row in schedule(loan)] == list(range(1, 13))
    close_steps(date(2026, 4, 20), "accrual", loan=loan)
    assert_books_consistent(loan)


def test_a_rate_that_does_not_move_only_moves_the_reset_date():
    loan = make_active_loan(**{**FLOATING, "rate_margin": D("0.09")})
    close_steps(RESET, "rate_resets", loan=loan)
    assert not LoanModification.objects.exists()
    assert reload(loan).next_rate_reset == date(2026, 7, 15)


def test_a_manual_rate_change_below_the_floor_or_above_the_cap_is_refused():
    loan = make_active_loan(**FLOATING)
    for rate, rule in (("0.095", "below .* floor 0.10"), ("0.20", "above .* cap 0.15")):
        with pytest.raises(LoanRuleError, match=rule):
            modification_request(
                loan=loan,
                kind="rate_change",
                effective_date=date(2026, 1, 15),
                parameters={"annual_rate": rate},
                business_date=date(2026, 1, 15),
                requested_by="maker",
            )
    assert not LoanModification.objects.exists()
