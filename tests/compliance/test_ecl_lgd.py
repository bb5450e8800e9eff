"""LGD from the book's own write-offs and the recoveries on them, with the configured value
while the history is thin."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from calc.ecl import lgd_from_recoveries
from compliance.ecl import ecl_measure, lgd_estimates
from compliance.models import LoanStage
from ledger.services import EntrySpec, entry_post
from loans.models import Loan
from loans.posting_rules import WRITE_OFF_KIND, recovery_lines, write_off_lines
from tests.lifecycle.factories import make_active_loan, make_product

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)
LATER = START + timedelta(days=60)
CONFIGURED = {"default": D("0.45")}


def write_off(loan, principal: str, allowance: str) -> None:
    lines = write_off_lines(loan.pk, {"1303": D(principal), "1304": D(allowance)})
    entry_post(
        spec=EntrySpec(
            kind=WRITE_OFF_KIND,
            business_date=START,
            lines=tuple(lines),
            idempotency_key=f"test-write-off:{loan.pk}",
        )
    )


def recover(loan, amount: str, on: date) -> None:
    entry_post(
        spec=EntrySpec(
            kind="recovery",
            business_date=on,
            lines=tuple(recovery_lines(loan_id=loan.pk, amount=D(amount))),
            idempotency_key=f"test-recovery:{loan.pk}:{on}:{amount}",
        )
    )


@pytest.fixture
def product():
    return make_product()


@pytest.fixture
def history(product):
    first, second = make_active_loan(product=product), make_active_loan(product=product)
    write_off(first, "1000.00", "100.00")  # 100 from the allowance, 900 to expense
    write_off(second, "1000.00", "1500.00")  # 1,000 from the allowance, 500 released
    recover(first, "300.00", START + timedelta(days=10))
    recover(second, "100.00", START + timedelta(days=20))
    recover(second, "500.00", LATER + timedelta(days=1))  # after the date measured
    return first, second


def test_lgd_is_one_minus_recoveries_over_losses_once_history_suffices(settings, history):
    settings.ECL_LGD_MIN_WRITE_OFFS = 2
    settings.ECL_LGD_WORKOUT_DAYS = 30
    settings.ECL_LGD_FLOOR = "0.10"
    code = history[0].product.code
    # losses 2,000, recovered 400 by the date: 1 − 0.2
    assert lgd_estimates(as_of=LATER, configured=CONFIGURED)[code] == D("0.8000")
    # and the ECL of a defaulted loan of the product uses it
    loan = make_active_loan(product=history[0].product)
    LoanStage.objects.create(loan=loan, stage=3, since=LATER)
    Loan.objects.filter(pk=loan.pk).update(days_past_due=0)
    settings.ECL_LGD = {"default": "0.45"}
    (result,) = [item for item in ecl_measure(as_of=LATER) if item.loan_id == loan.pk]
    assert result.ecl == D("9600.00")  # 80% of 12,000
    assert (result.lgd, result.lgd_source) == (D("0.8000"), "recoveries on 2 write-offs")


def test_thin_or_recent_history_keeps_the_configured_lgd(settings, history):
    code = history[0].product.code
    settings.ECL_LGD_WORKOUT_DAYS = 30
    settings.ECL_LGD_MIN_WRITE_OFFS = 3
    assert lgd_estimates(as_of=LATER, configured=CONFIGURED).get(code, D("0.45")) == D("0.45")
    # written off too recently to have been worked out
    settings.ECL_LGD_MIN_WRITE_OFFS = 2
    settings.ECL_LGD_WORKOUT_DAYS = 180
    assert lgd_estimates(as_of=LATER, configured=CONFIGURED).get(code, D("0.45")) == D("0.45")


def test_the_estimate_is_floored_and_capped():
    common = {"fallback": D("0.45"), "floor": D("0.10"), "min_write_offs": 1}
    assert lgd_from_recoveries(written_off=5, losses=D("100"), recoveries=D("95"), **common) == (
        D("0.10"),
        "recoveries on 5 write-offs",
    )
    assert lgd_from_recoveries(written_off=5, losses=D("100"), recoveries=D("-5"), **common)[
        0
    ] == D("1")
    assert lgd_from_recoveries(written_off=0, losses=D("0"), recoveries=D("0"), **common)[0] == D(
        "0.45"
    )
