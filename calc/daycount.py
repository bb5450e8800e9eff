"""Day-count conventions: how many days of interest a period earns and on what year basis.

``ACT/360``  actual calendar days over a 360-day year (Chinese lenders' "daily rate = annual / 360").
``ACT/365F`` actual calendar days over a fixed 365-day year (leap years are not special).
``30/360``   the 30/360 *bond basis* of ISDA 2006 section 4.16(f) (also called 30/360 US without
             the February end-of-month rule): D1 = 31 becomes 30; D2 = 31 becomes 30 only when
             D1 is then 30. Days = 360·ΔY + 30·ΔM + ΔD.
``30E/360``  the Eurobond basis of ISDA 4.16(g): both 31sts become 30.

A year fraction is kept as a pair (days, basis) so that interest is computed as
``principal × rate × days / basis`` with a single division, never a rounded fraction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum


class DayCountError(ValueError):
    """An unknown day count or a period that ends before it starts."""


class DayCount(StrEnum):
    ACT_360 = "act/360"
    ACT_365F = "act/365f"
    THIRTY_360 = "30/360"
    THIRTY_E_360 = "30e/360"

    @property
    def basis(self) -> int:
        """Days in the convention's year."""
        return 365 if self is DayCount.ACT_365F else 360

    def days(self, start: date, end: date) -> int:
        """Interest days from ``start`` (exclusive) to ``end`` (inclusive) under this convention."""
        if end < start:
            raise DayCountError(f"period ends ({end}) before it starts ({start})")
        if self is DayCount.ACT_360 or self is DayCount.ACT_365F:
            return (end - start).days
        d1, d2 = start.day, end.day
        if self is DayCount.THIRTY_360:
            if d1 == 31:
                d1 = 30
            if d2 == 31 and d1 == 30:
                d2 = 30
        else:
            d1 = min(d1, 30)
            d2 = min(d2, 30)
        return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)

    def year_fraction(self, start: date, end: date) -> Decimal:
        """``days / basis`` as a Decimal at the current context precision."""
        return Decimal(self.days(start, end)) / self.basis


def parse_day_count(value: DayCount | str) -> DayCount:
    """Accept ``"ACT/360"``, ``"act/365f"``, ``"30/360"`` … in any case."""
    if isinstance(value, DayCount):
        return value
    normalized = str(value).strip().lower().replace("actual", "act")
    aliases = {"act/365": "act/365f", "act/365fixed": "act/365f", "30/360us": "30/360"}
    normalized = aliases.get(normalized.replace(" ", ""), normalized)
    try:
        return DayCount(normalized)
    except ValueError:
        known = ", ".join(member.value for member in DayCount)
        raise DayCountError(f"unknown day count {value!r}; use one of: {known}") from None


def interest_for_days(
    principal: Decimal, annual_rate: Decimal, days: int, day_count: DayCount
) -> Decimal:
    """Unrounded simple interest on ``principal`` for ``days`` convention days."""
    return principal * annual_rate * days / day_count.basis
