"""Money every app shares: one zero, one cent, one table of currency minor units (ISO 4217) and
the storage shape of amounts and rates. Pure Python: the calculation core imports it too.

Rounding modes and quantizing live with the calculators (`calc.money`); the ledger checks its
postings against the same table, so an amount the calculators produce is one it accepts.
"""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")

AMOUNT = {"max_digits": 20, "decimal_places": 2}
"""Every stored amount: `DecimalField(**AMOUNT)`."""
RATE = {"max_digits": 12, "decimal_places": 8}
"""Every stored rate, an annual fraction (0.18 = 18%): `DecimalField(**RATE)`."""

_DECIMAL_PLACES: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "SGD": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
}
"""ISO 4217 minor units (decimal places) of the currencies the lenders here use; extend it with
`register_currency`."""
_MINOR_UNITS = {code: Decimal(1).scaleb(-places) for code, places in _DECIMAL_PLACES.items()}


class MoneyError(ValueError):
    """An amount, rounding mode or currency the calculation core cannot use."""


def currency_decimal_places(currency: str) -> int:
    """Decimal places of an ISO 4217 currency: CNY 2, JPY 0. Unknown currencies are refused."""
    try:
        return _DECIMAL_PLACES[currency.upper()]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}; register it first") from None


def minor_unit_for(currency: str) -> Decimal:
    """The minor unit of an ISO 4217 currency: CNY and USD 0.01, JPY and VND 1."""
    unit = _MINOR_UNITS.get(currency)  # bulk posting asks once per entry: keep it a lookup
    return unit if unit is not None else Decimal(1).scaleb(-currency_decimal_places(currency))


def register_currency(code: str, decimal_places: int) -> None:
    """Make a further ISO 4217 currency known with its number of decimal places."""
    if len(code) != 3 or not code.isalpha():
        raise MoneyError(f"currency code must be three letters, not {code!r}")
    if isinstance(decimal_places, bool) or not isinstance(decimal_places, int):
        raise MoneyError(f"decimal places must be a whole number, not {decimal_places!r}")
    if not 0 <= decimal_places <= 8:
        raise MoneyError(f"decimal places must be between 0 and 8, not {decimal_places}")
    _DECIMAL_PLACES[code.upper()] = decimal_places
    _MINOR_UNITS[code.upper()] = Decimal(1).scaleb(-decimal_places)
