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


INSTALLMENT_ROUNDING_MODES: dict[str, str] = {
    "up": decimal.ROUND_UP,
    "half_up": decimal.ROUND_HALF_UP,
    "down": decimal.ROUND_DOWN,
}
INSTALLMENT_UNITS = ("cent", "whole_unit", "multiple")


@dataclass(frozen=True, slots=True)
class InstallmentRounding:
    """How a schedule's level installment is rounded: to the minor unit (``cent``, whatever the
    currency's minor unit is), to a whole unit of the currency (``whole_unit``: whole yuan), or
    to a ``multiple`` of an amount (10, 100, 0.05), each ``up``, ``half_up`` or ``down``.

    Written as a short spec a product stores: ``cent`` (the product's rounding mode, as before),
    ``cent:up``, ``whole_unit:up``, ``multiple:10``, ``multiple:100:down``. Without a mode, a whole
    unit or a multiple rounds half-up.
    """

    unit: str = "cent"
    multiple: Decimal | None = None
    mode: str | None = None

    def __post_init__(self) -> None:
        if self.unit not in INSTALLMENT_UNITS:
            raise MoneyError(
                f"installment rounding unit {self.unit!r} is not one of: "
                f"{', '.join(INSTALLMENT_UNITS)}"
            )
        if self.mode is not None and self.mode not in INSTALLMENT_ROUNDING_MODES:
            raise MoneyError(
                f"installment rounding mode {self.mode!r} is not one of: "
                f"{', '.join(INSTALLMENT_ROUNDING_MODES)}"
            )
        if self.unit == "multiple":
            if self.multiple is None:
                raise MoneyError("installment rounding to a multiple needs the multiple, e.g. 10")
            multiple = to_decimal(self.multiple)
            if not multiple.is_finite() or multiple <= 0:
                raise MoneyError(f"the installment multiple must be positive, not {multiple}")
            object.__setattr__(self, "multiple", multiple)
        elif self.multiple is not None:
            raise MoneyError(f"only unit 'multiple' takes a multiple, not {self.unit!r}")

    @classmethod
    def parse(cls, spec: InstallmentRounding | str | None) -> InstallmentRounding:
        """``cent``, ``cent:up``, ``whole_unit:half_up``, ``multiple:100``, ``multiple:10:down``."""
        if isinstance(spec, InstallmentRounding):
            return spec
        text = "cent" if spec is None else str(spec).strip().lower()
        parts = [part.strip() for part in text.split(":")] if text else ["cent"]
        if parts[0] == "multiple":
            if len(parts) not in (2, 3):
                raise MoneyError(f"expected multiple:N or multiple:N:MODE, not {spec!r}")
            return cls("multiple", parts[1], parts[2] if len(parts) == 3 else None)
        if len(parts) > 2:
            raise MoneyError(f"expected UNIT or UNIT:MODE, not {spec!r}")
        return cls(parts[0], None, parts[1] if len(parts) == 2 else None)

    @property
    def spec(self) -> str:
        parts = [self.unit]
        if self.multiple is not None:
            parts.append(format(self.multiple.normalize(), "f"))
        if self.mode is not None:
            parts.append(self.mode)
        return ":".join(parts)

    @property
    def is_minor_unit(self) -> bool:
        """Rounding to the minor unit with the product's own mode: the schedule as before."""
        return self.unit == "cent" and self.mode is None

    def step(self, minor_unit: Decimal) -> Decimal:
        """The increment level installments move in, a whole number of minor units."""
        if self.unit == "cent":
            return minor_unit
        step = Decimal(1) if self.unit == "whole_unit" else self.multiple
        assert step is not None
        if step < minor_unit or not is_quantized(step, minor_unit):
            raise MoneyError(
                f"an installment multiple of {step} is not a whole number of the minor unit "
                f"{minor_unit}"
            )
        return step

    def rounding(self, default_mode: str) -> str:
        """The ``decimal`` rounding constant: this rounding's mode, else the product's."""
        if self.mode is None:
            return ROUNDING_MODES[default_mode] if self.unit == "cent" else decimal.ROUND_HALF_UP
        return INSTALLMENT_ROUNDING_MODES[self.mode]

    def apply(self, amount: Decimal, minor_unit: Decimal, default_mode: str) -> Decimal:
        """``amount`` rounded to a multiple of the step, in the minor unit's exponent."""
        step = self.step(minor_unit)
        steps = (amount / step).to_integral_value(rounding=self.rounding(default_mode))
        return (steps * step).quantize(minor_unit)
