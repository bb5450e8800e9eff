"""Money helpers: Decimal conversion, rounding modes by name, currency minor units.

Every amount in the calculation core is a ``Decimal`` quantized to the loan currency's minor unit
with the product's rounding mode. This module is the one place that knows how; the currencies'
minor units are `core.money`'s table, the one the ledger checks postings against.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from core.money import CENT, ZERO, MoneyError, minor_unit_for, register_currency

__all__ = [
    "CENT",
    "DEFAULT_ROUNDING",
    "ROUNDING_MODES",
    "ZERO",
    "MoneyError",
    "Rounding",
    "is_quantized",
    "minor_unit_for",
    "quantize",
    "register_currency",
    "rounding_mode",
    "to_decimal",
    "to_minor_unit",
]

ROUNDING_MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "ceiling": decimal.ROUND_CEILING,
    "floor": decimal.ROUND_FLOOR,
}
"""Rounding modes by the names products store. ``down``/``up`` are toward/away from zero."""

DEFAULT_ROUNDING = "half_up"


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a Decimal; binary floating point is refused, never converted."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        raise MoneyError(f"money must be Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except decimal.InvalidOperation as exc:
            raise MoneyError(f"not a decimal number: {value!r}") from exc
    raise MoneyError(f"money must be Decimal, int or str, not {type(value).__name__}")


def rounding_mode(name: str) -> str:
    """The ``decimal`` rounding constant for a mode name such as ``"half_up"``."""
    try:
        return ROUNDING_MODES[name]
    except KeyError:
        known = ", ".join(sorted(ROUNDING_MODES))
        raise MoneyError(f"unknown rounding mode {name!r}; use one of: {known}") from None


def to_minor_unit(value: Decimal | int | str) -> Decimal:
    """Normalize a minor unit: ``2`` (decimal places) or ``Decimal("0.01")`` both give 0.01."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 8:
            raise MoneyError(f"decimal places must be between 0 and 8, not {value}")
        return Decimal(1).scaleb(-value)
    unit = to_decimal(value)
    if unit <= 0 or unit.normalize().as_tuple().digits != (1,):
        raise MoneyError(f"minor unit must be a power of ten such as 0.01 or 1, not {value}")
    if unit > 1:
        raise MoneyError(f"minor unit must be at most 1, not {value}")
    # Keep the exponent explicit so quantize() yields e.g. '12.30', not '12.3'.
    return Decimal(1).scaleb(unit.adjusted())


def quantize(
    amount: Decimal, minor_unit: Decimal = CENT, rounding: str = DEFAULT_ROUNDING
) -> Decimal:
    """Round ``amount`` to ``minor_unit`` with the named rounding mode."""
    return amount.quantize(minor_unit, rounding=rounding_mode(rounding))


def is_quantized(amount: Decimal, minor_unit: Decimal = CENT) -> bool:
    """True when ``amount`` has no digits below ``minor_unit``."""
    return amount == amount.quantize(minor_unit, rounding=decimal.ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class Rounding:
    """A product's rounding: a mode name and a minor unit, applied with ``rounding(amount)``."""

    mode: str = DEFAULT_ROUNDING
    minor_unit: Decimal = CENT

    def __post_init__(self) -> None:
        rounding_mode(self.mode)
        object.__setattr__(self, "minor_unit", to_minor_unit(self.minor_unit))

    def __call__(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.minor_unit, rounding=ROUNDING_MODES[self.mode])

    def down(self, amount: Decimal) -> Decimal:
        """Round toward zero regardless of the mode (used when rounding up would overdraw)."""
        return amount.quantize(self.minor_unit, rounding=decimal.ROUND_DOWN)

    def is_quantized(self, amount: Decimal) -> bool:
        return is_quantized(amount, self.minor_unit)
