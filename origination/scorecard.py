"""The built-in points scorecard: characteristics binned into points, with reason codes.

Pure (no Django), configured by a policy's ``scorecard`` section::

    {"base_points": 400,
     "characteristics": [
        {"name": "age", "feature": "age", "reason_code": "S01",
         "reason": "Age band of the applicant",
         "bins": [{"below": 22, "points": 10}, {"below": 30, "points": 40},
                  {"below": null, "points": 60}],
         "missing_points": 0},
        {"name": "channel", "feature": "channel", "reason_code": "S07", "reason": "...",
         "values": {"app": 20, "merchant": 10}, "default_points": 0}]}

A numeric characteristic takes the first bin whose ``below`` (exclusive upper bound) is above the
value; ``below: null`` closes the list. A categorical one looks the value up in ``values``.

Reason codes follow adverse-action practice: each characteristic's shortfall is the most points
it could give minus the points it gave; the characteristics with the largest shortfall, in the
scorecard's order on ties, are the reasons, best explaining why the score was not higher.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


class ScorecardError(ValueError):
    """A scorecard configuration that cannot score (the message names the characteristic)."""


@dataclass(frozen=True, slots=True)
class Attribute:
    """What one characteristic contributed."""

    name: str
    value: object
    points: int
    max_points: int
    reason_code: str
    reason: str

    @property
    def shortfall(self) -> int:
        return self.max_points - self.points


@dataclass(frozen=True, slots=True)
class ScoreResult:
    score: int
    attributes: tuple[Attribute, ...]
    reason_codes: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "points": {a.name: a.points for a in self.attributes},
            "reason_codes": list(self.reason_codes),
        }


@dataclass(frozen=True, slots=True)
class _Characteristic:
    name: str
    feature: str
    reason_code: str
    reason: str
    bins: tuple[tuple[Decimal | None, int], ...]
    values: Mapping[str, int]
    default_points: int
    missing_points: int
    max_points: int

    def points_for(self, value: object) -> int:
        if value is None or value == "":
            return self.missing_points
        if self.bins:
            number = Decimal(str(value))
            for below, points in self.bins:
                if below is None or number < below:
                    return points
            return self.missing_points
        return self.values.get(str(value), self.default_points)


class Scorecard:
    """A compiled scorecard: parse the configuration once, score many applications."""

    def __init__(self, config: Mapping[str, object]):
        try:
            self.base_points = int(config.get("base_points", 0))
            self.characteristics = tuple(
                self._compile(item) for item in config.get("characteristics", ())
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise ScorecardError(f"invalid scorecard: {exc}") from exc
        if not self.characteristics:
            raise ScorecardError("a scorecard needs at least one characteristic")
        self.max_reasons = int(config.get("max_reasons", 4))

    @staticmethod
    def _compile(item: Mapping[str, object]) -> _Characteristic:
        name = str(item["name"])
        bins = tuple(
            (None if b.get("below") is None else Decimal(str(b["below"])), int(b["points"]))
            for b in item.get("bins", ())
        )
        values = {str(k): int(v) for k, v in dict(item.get("values", {})).items()}
        if bool(bins) == bool(values):
            raise ScorecardError(f"characteristic {name!r} needs either bins or values")
        bounds = [below for below, _ in bins]
        if None in bounds[:-1] or bounds != sorted(bounds, key=lambda b: (b is None, b)):
            raise ScorecardError(f"characteristic {name!r}: bins must rise, open bin last")
        default_points = int(item.get("default_points", 0))
        missing_points = int(item.get("missing_points", 0))
        candidates = [p for _, p in bins] or [*values.values(), default_points]
        return _Characteristic(
            name=name,
            feature=str(item.get("feature", name)),
            reason_code=str(item["reason_code"]),
            reason=str(item.get("reason", name)),
            bins=bins,
            values=values,
            default_points=default_points,
            missing_points=missing_points,
            max_points=max([*candidates, missing_points]),
        )

    def score(self, features: Mapping[str, object]) -> ScoreResult:
        attributes = []
        total = self.base_points
        for characteristic in self.characteristics:
            value = features.get(characteristic.feature)
            points = characteristic.points_for(value)
            total += points
            attributes.append(
                Attribute(
                    characteristic.name,
                    value,
                    points,
                    characteristic.max_points,
                    characteristic.reason_code,
                    characteristic.reason,
                )
            )
        ranked = sorted(
            (a for a in attributes if a.shortfall > 0),
            key=lambda a: -a.shortfall,  # sorted() is stable: ties keep the scorecard's order
        )
        reasons = tuple(a.reason_code for a in ranked[: self.max_reasons])
        return ScoreResult(total, tuple(attributes), reasons)

    def reason_texts(self) -> dict[str, str]:
        return {c.reason_code: c.reason for c in self.characteristics}
