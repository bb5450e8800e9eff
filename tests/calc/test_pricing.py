from decimal import Decimal

import pytest

from calc.pricing import (
    CapPolicy,
    PricingError,
    RiskPricing,
    ScoreBand,
    example_bands,
)

D = Decimal


@pytest.mark.parametrize(
    ("score", "rate"),
    [(850, "0.12"), (700, "0.12"), (699, "0.18"), (650, "0.18"), (649, "0.24"), (300, "0.24")],
)
def test_bands_and_their_boundaries(score, rate):
    pricing = RiskPricing(example_bands())
    priced = pricing.rate_for(score)
    assert priced.annual_rate == D(rate)
    assert not priced.capped


def test_no_score_gets_the_worst_band():
    pricing = RiskPricing(example_bands())
    assert pricing.rate_for(None).annual_rate == D("0.24")
    assert pricing.worst_case().annual_rate == D("0.24")


def test_bands_may_be_given_in_any_order():
    shuffled = tuple(reversed(example_bands()))
    assert RiskPricing(shuffled).rate_for(700).annual_rate == D("0.12")


def test_clamped_to_the_cap():
    pricing = RiskPricing(example_bands(), cap=D("0.20"))
    priced = pricing.rate_for(649)
    assert (priced.annual_rate, priced.capped, priced.band.name) == (D("0.20"), True, "subprime")
    assert pricing.rate_for(650).annual_rate == D("0.18")
    assert pricing.worst_case().annual_rate == D("0.20")


def test_rejected_above_the_cap():
    pricing = RiskPricing(example_bands(), cap=D("0.20"), policy=CapPolicy.REJECT)
    assert pricing.rate_for(699).annual_rate == D("0.18")
    with pytest.raises(PricingError, match="above the cap 0.20"):
        pricing.rate_for(649)
    with pytest.raises(PricingError):
        pricing.worst_case()


def test_a_rate_equal_to_the_cap_is_allowed():
    pricing = RiskPricing(example_bands(), cap=D("0.24"), policy="reject")
    assert pricing.rate_for(600).annual_rate == D("0.24")


def test_bad_bands_and_scores():
    with pytest.raises(PricingError):
        RiskPricing(())
    with pytest.raises(PricingError, match="same score"):
        RiskPricing((ScoreBand(700, D("0.1")), ScoreBand(700, D("0.2"))))
    with pytest.raises(PricingError, match="negative"):
        ScoreBand(700, D("-0.1"))
    no_floor = RiskPricing((ScoreBand(700, D("0.12")), ScoreBand(650, D("0.18"))))
    with pytest.raises(PricingError, match="below the lowest band"):
        no_floor.rate_for(600)
    with pytest.raises(PricingError, match="whole number"):
        no_floor.rate_for("700")
