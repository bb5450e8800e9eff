"""Money helpers: Decimal conversion, rounding modes by name, currency minor units.

Every amount in the calculation core is a ``Decimal`` quantized to the loan currency's minor unit
with the product's rounding mode. This module is the one place that knows how.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

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
CENT = Decimal("0.01")
ZERO = Decimal("0")

# ISO 4217 minor units for the currencies the lenders here use; extend with `register_currency`.
_CURRENCY_DECIMAL_PLACES: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "SGD": 2,
    "JPY": 0,
    "KRW": 0,
}


class MoneyError(ValueError):
    """An amount, rounding mode or currency the calculation core cannot use."""


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


def minor_unit_for(currency: str) -> Decimal:
    """The minor unit of an ISO 4217 currency: CNY and USD 0.01, JPY 1."""
    try:
        places = _CURRENCY_DECIMAL_PLACES[currency.upper()]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}; register it first") from None
    return Decimal(1).scaleb(-places)


def register_currency(code: str, decimal_places: int) -> None:
    """Make a further ISO 4217 currency known with its number of decimal places."""
    if len(code) != 3 or not code.isalpha():
        raise MoneyError(f"currency code must be three letters, not {code!r}")
    to_minor_unit(decimal_places)
    _CURRENCY_DECIMAL_PLACES[code.upper()] = decimal_places


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
