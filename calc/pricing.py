"""Risk-based pricing (风险定价): credit-score bands → annual rate, never above a cap.

A band covers every score from its ``min_score`` up to the next band's; a band with
``min_score=None`` catches every lower score. A borrower without a score gets the worst band.

Against a cap the policy is explicit: ``clamp`` (default) prices at the cap and says so
(``capped=True``); ``reject`` raises ``PricingError``. The cap here bounds the *nominal* rate;
fees can still push the all-in APR past a jurisdiction's cap, which the product's worst-case
check (highest band, highest fees, shortest term) must verify with the APR itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from calc.money import to_decimal


class PricingError(ValueError):
    """Bands that do not make a price list, or a score or rate they cannot price."""


class CapPolicy(StrEnum):
    CLAMP = "clamp"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class ScoreBand:
    min_score: int | None
    """Lowest score in the band (inclusive); None: every score below the other bands."""
    annual_rate: Decimal
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "annual_rate", to_decimal(self.annual_rate))
        if self.annual_rate < 0:
            raise PricingError(f"band rate cannot be negative: {self.annual_rate}")


@dataclass(frozen=True, slots=True)
class PricedRate:
    annual_rate: Decimal
    band: ScoreBand
    capped: bool
    """True when the band's rate was above the cap and the cap was used instead."""


@dataclass(frozen=True, slots=True)
class RiskPricing:
    bands: tuple[ScoreBand, ...]
    cap: Decimal | None = None
    policy: CapPolicy = CapPolicy.CLAMP

    def __post_init__(self) -> None:
        if not self.bands:
            raise PricingError("risk-based pricing needs at least one band")
        ordered = sorted(
            self.bands,
            key=lambda band: -1 if band.min_score is None else band.min_score,
            reverse=True,
        )
        scores = [band.min_score for band in ordered]
        if scores.count(None) > 1 or len(set(scores)) != len(scores):
            raise PricingError("two bands start at the same score")
        object.__setattr__(self, "bands", tuple(ordered))
        object.__setattr__(self, "policy", CapPolicy(self.policy))
        if self.cap is not None:
            object.__setattr__(self, "cap", to_decimal(self.cap))

    def band_for(self, score: int | None) -> ScoreBand:
        if score is None:
            return max(self.bands, key=lambda band: band.annual_rate)
        if isinstance(score, bool) or not isinstance(score, int):
            raise PricingError(f"a credit score is a whole number, not {score!r}")
        for band in self.bands:
            if band.min_score is None or score >= band.min_score:
                return band
        raise PricingError(f"score {score} is below the lowest band ({self.bands[-1].min_score})")

    def rate_for(self, score: int | None) -> PricedRate:
        """The annual rate for a credit score (None: no score, the worst band)."""
        band = self.band_for(score)
        return self._apply_cap(band)

    def worst_case(self) -> PricedRate:
        """The highest rate any borrower can be priced at (after the cap)."""
        return self._apply_cap(max(self.bands, key=lambda band: band.annual_rate))

    def _apply_cap(self, band: ScoreBand) -> PricedRate:
        if self.cap is None or band.annual_rate <= self.cap:
            return PricedRate(band.annual_rate, band, capped=False)
        if self.policy is CapPolicy.REJECT:
            raise PricingError(
                f"band {band.name or band.min_score} prices at {band.annual_rate}, "
                f"above the cap {self.cap}"
            )
        return PricedRate(self.cap, band, capped=True)


def example_bands() -> tuple[ScoreBand, ...]:
    """The issue's example: ≥ 700 → 12%, 650–699 → 18%, below 650 → 24%."""
    return (
        ScoreBand(700, Decimal("0.12"), "prime"),
        ScoreBand(650, Decimal("0.18"), "near prime"),
        ScoreBand(None, Decimal("0.24"), "subprime"),
    )
