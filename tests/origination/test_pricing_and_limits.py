"""Risk-based band, limit and rate; dynamic drawdown pricing; regulatory limits as data (pure)."""

from datetime import date
from decimal import Decimal

import pytest

from calc import limits
from origination.policy_default import DEFAULT_POLICY
from origination.pricing import (
    PricingRuleError,
    band_for,
    bands_from_policy,
    credit_limit,
    drawdown_rate,
    priced_quote,
)

BANDS = bands_from_policy(DEFAULT_POLICY["bands"])
DYNAMIC = DEFAULT_POLICY["dynamic_pricing"]
CAP = Decimal("0.24")
CASH = {
    "code": "cash",
    "product_type": "cash_loan",
    "currency": "CNY",
    "jurisdiction": "CN",
    "cap_rule": "",
    "method": "equal_installment",
    "frequency": "monthly",
    "day_count": "act/360",
    "rounding": "half_up",
    "fee_rate": "0",
    "upfront_fee_amount": "0",
    "upfront_fee_rate": "0",
    "min_amount": "100",
    "max_amount": "200000",
}


@pytest.mark.parametrize(
    ("score", "band"), [(800, "A"), (720, "A"), (719, "B"), (680, "B"), (640, "C"), (600, "D")]
)
def test_the_band_is_the_highest_one_the_score_reaches(score, band):
    assert band_for(BANDS, score).name == band


def test_below_every_band_there_is_none():
    assert band_for(BANDS, 599) is None


def limit(band="B", income="12000", product_max="200000", headroom="200000", **kw):
    chosen = next(b for b in BANDS if b.name == band)
    return credit_limit(
        band=chosen,
        monthly_income=Decimal(income),
        product_max=Decimal(product_max),
        regulatory_headroom=None if headroom is None else Decimal(headroom),
        rounding_unit=Decimal("100"),
        **kw,
    )


def test_limit_is_income_times_the_band_multiple_rounded_down():
    decided = limit(income="8333.33")  # B: 5 × 8333.33 = 41666.65
    assert (decided.limit, decided.binding) == (Decimal("41600.00"), "income")


def test_limit_never_exceeds_the_band_maximum():
    assert (limit(band="A", income="50000").limit, limit(band="A", income="50000").binding) == (
        Decimal("100000.00"),
        "band",
    )


def test_limit_never_exceeds_the_product_maximum():
    decided = limit(band="A", income="50000", product_max="50000")
    assert (decided.limit, decided.binding) == (Decimal("50000.00"), "product")


def test_limit_never_exceeds_the_regulatory_headroom():
    decided = limit(band="A", income="50000", headroom="35050.50")
    assert (decided.limit, decided.binding) == (Decimal("35000.00"), "regulatory")


def test_one_off_and_secured_limits_take_the_request_and_collateral_ceilings():
    assert limit(band="A", income="50000", requested=Decimal("5000")).binding == "requested"
    decided = limit(band="A", income="50000", collateral_max=Decimal("9000.00"))
    assert (decided.limit, decided.binding) == (Decimal("9000.00"), "collateral")


def test_first_loan_discount():
    rate = drawdown_rate(
        base_rate=Decimal("0.18"),
        cap=CAP,
        config=DYNAMIC,
        is_first_loan=True,
        on_time_installments=0,
        late_installments=0,
    )
    assert rate.annual_rate == Decimal("0.17")
    assert rate.adjustments == (("first_loan_discount", Decimal("-0.01")),)


def test_on_time_history_lowers_the_next_rate_in_steps_up_to_a_ceiling():
    def rate(on_time, late=0):
        return drawdown_rate(
            base_rate=Decimal("0.18"),
            cap=CAP,
            config=DYNAMIC,
            is_first_loan=False,
            on_time_installments=on_time,
            late_installments=late,
        ).annual_rate

    assert rate(5) == Decimal("0.18")
    assert rate(6) == Decimal("0.175")
    assert rate(12) == Decimal("0.170")
    assert rate(100) == Decimal("0.15")  # at most 3 points off
    # each late installment cancels three on-time ones
    assert rate(12, late=2) == Decimal("0.175")
    assert rate(12, late=3) == Decimal("0.18")


def test_discounts_never_go_below_the_floor_and_rates_never_above_the_cap():
    floored = drawdown_rate(
        base_rate=Decimal("0.07"),
        cap=CAP,
        config=DYNAMIC,
        is_first_loan=True,
        on_time_installments=100,
        late_installments=0,
    )
    assert floored.annual_rate == Decimal("0.06")
    capped = drawdown_rate(
        base_rate=Decimal("0.30"),
        cap=CAP,
        config=DYNAMIC,
        is_first_loan=False,
        on_time_installments=0,
        late_installments=0,
    )
    assert capped.annual_rate == CAP


def test_priced_quote_lowers_the_rate_until_the_apr_with_fees_is_within_the_cap():
    product = {**CASH, "upfront_fee_rate": "0.02"}
    rate, quote = priced_quote(
        product,
        principal=Decimal("10000"),
        term=6,
        start_date=date(2026, 1, 15),
        annual_rate=Decimal("0.24"),
    )
    assert rate < Decimal("0.24")
    assert quote.rate_cap.within_cap
    assert quote.apr.nominal <= Decimal("0.24")


def test_fees_alone_above_the_cap_cannot_be_priced():
    product = {**CASH, "upfront_fee_rate": "0.20"}
    with pytest.raises(PricingRuleError):
        priced_quote(
            product,
            principal=Decimal("1000"),
            term=3,
            start_date=date(2026, 1, 15),
            annual_rate=Decimal("0.1"),
        )


def test_the_200k_limit_is_data_per_borrower_per_lender_for_unsecured_types():
    assert limits.exposure_headroom("CN", "cash_loan", Decimal("150000")) == Decimal("50000.00")
    assert limits.exposure_headroom("CN", "cash_loan", Decimal("250000")) == Decimal("0.00")
    assert limits.exposure_headroom("CN", "policy_loan", Decimal("250000")) is None
    assert limits.exposure_headroom("US", "cash_loan", Decimal("250000")) is None


def test_single_bullet_loans_run_at_most_one_year():
    limits.term_check(
        jurisdiction="CN", product_type="cash_loan", method="bullet", term=12, frequency="monthly"
    )
    with pytest.raises(limits.LimitBreach) as refused:
        limits.term_check(
            jurisdiction="CN",
            product_type="cash_loan",
            method="bullet",
            term=13,
            frequency="monthly",
        )
    assert refused.value.limit == "CN-bullet-1y"
    with pytest.raises(limits.LimitBreach):
        limits.term_check(
            jurisdiction="CN",
            product_type="cash_loan",
            method="bullet",
            term=400,
            frequency="daily",
        )
    limits.term_check(
        jurisdiction="CN",
        product_type="cash_loan",
        method="equal_installment",
        term=36,
        frequency="monthly",
    )


def test_policy_loans_lend_at_most_90_percent_for_at_most_6_months():
    limits.collateral_check(
        jurisdiction="CN",
        product_type="policy_loan",
        amount=Decimal("90000"),
        cash_value=Decimal("100000"),
    )
    with pytest.raises(limits.LimitBreach):
        limits.collateral_check(
            jurisdiction="CN",
            product_type="policy_loan",
            amount=Decimal("90000.01"),
            cash_value=Decimal("100000"),
        )
    with pytest.raises(limits.LimitBreach):
        limits.collateral_check(
            jurisdiction="CN", product_type="policy_loan", amount=Decimal("1"), cash_value=None
        )
    limits.term_check(
        jurisdiction="CN",
        product_type="policy_loan",
        method="interest_only",
        term=6,
        frequency="monthly",
    )
    with pytest.raises(limits.LimitBreach) as refused:
        limits.term_check(
            jurisdiction="CN",
            product_type="policy_loan",
            method="interest_only",
            term=7,
            frequency="monthly",
        )
    assert refused.value.limit == "CN-policy-loan"
