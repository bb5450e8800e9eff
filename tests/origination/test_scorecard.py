"""The built-in points scorecard and the pluggable scoring interface (pure)."""

from decimal import Decimal

import pytest

from origination.policy_default import DEFAULT_POLICY
from origination.scorecard import Scorecard, ScorecardError
from origination.scoring import (
    BUILTIN,
    ScoreOutcome,
    ScoringError,
    provider_for,
    register_provider,
)

CARD = {
    "base_points": 100,
    "max_reasons": 2,
    "characteristics": [
        {
            "name": "income",
            "feature": "monthly_income",
            "reason_code": "S02",
            "bins": [{"below": 5000, "points": 10}, {"below": None, "points": 50}],
            "missing_points": 0,
        },
        {
            "name": "history",
            "feature": "on_time",
            "reason_code": "S04",
            "bins": [{"below": 6, "points": 20}, {"below": None, "points": 40}],
        },
        {
            "name": "channel",
            "feature": "channel",
            "reason_code": "S07",
            "values": {"app": 30, "web": 10},
            "default_points": 0,
        },
    ],
}


def test_points_add_up_per_bin_and_category():
    # given a scorecard; when an applicant is scored
    result = Scorecard(CARD).score(
        {"monthly_income": Decimal("6000"), "on_time": 3, "channel": "web"}
    )
    # then base + income 50 + history 20 + channel 10
    assert result.score == 180
    assert {a.name: a.points for a in result.attributes} == {
        "income": 50,
        "history": 20,
        "channel": 10,
    }


def test_bins_have_exclusive_upper_bounds():
    card = Scorecard(CARD)
    assert card.score({"monthly_income": Decimal("4999.99")}).attributes[0].points == 10
    assert card.score({"monthly_income": Decimal("5000")}).attributes[0].points == 50


def test_missing_values_take_the_missing_points():
    result = Scorecard(CARD).score({})
    assert [a.points for a in result.attributes] == [0, 0, 0]
    assert result.score == 100


def test_reason_codes_rank_by_points_lost_and_stop_at_max():
    # income lost 40, history lost 20, channel lost 20 (tie: scorecard order)
    result = Scorecard(CARD).score(
        {"monthly_income": Decimal("100"), "on_time": 0, "channel": "web"}
    )
    assert result.reason_codes == ("S02", "S04")


def test_a_perfect_applicant_has_no_reasons():
    result = Scorecard(CARD).score(
        {"monthly_income": Decimal("9000"), "on_time": 9, "channel": "app"}
    )
    assert result.reason_codes == ()


@pytest.mark.parametrize(
    "broken",
    [
        {"characteristics": []},
        {"characteristics": [{"name": "x", "reason_code": "S1"}]},
        {
            "characteristics": [
                {
                    "name": "x",
                    "reason_code": "S1",
                    "bins": [{"below": None, "points": 1}, {"below": 3, "points": 2}],
                }
            ]
        },
    ],
)
def test_a_broken_scorecard_is_refused(broken):
    with pytest.raises(ScorecardError):
        Scorecard(broken)


def test_the_default_policy_scorecard_compiles_and_scores_a_thin_file():
    outcome = provider_for(None).score(
        features={
            "age": 30,
            "monthly_income": Decimal("12000"),
            "exposure_to_income": Decimal("0"),
            "on_time_installments": 0,
            "max_days_past_due": 0,
            "months_with_lender": 0,
            "channel": "app",
        },
        config=DEFAULT_POLICY["scorecard"],
    )
    assert outcome.provider == BUILTIN
    assert outcome.score == 690
    assert outcome.reason_codes[:2] == ("S04", "S06")


class FixedBureau:
    """An external score: not pure, so its answer is stored with the facts."""

    name = "test-bureau"
    pure = False
    calls = 0

    def score(self, *, features, config):
        FixedBureau.calls += 1
        return ScoreOutcome(712, ("B1",), self.name, {"model": "v3"})


def test_external_providers_plug_in_by_name():
    register_provider(FixedBureau())
    assert provider_for("test-bureau").score(features={}, config={}).score == 712


def test_an_unknown_provider_is_an_error():
    with pytest.raises(ScoringError):
        provider_for("nobody")
    with pytest.raises(ScoringError):
        register_provider(object())
