"""Reference rates as dated data, and a floating rate's reset: index + margin within floor and cap.

An index is a table of fixings (effective date, annual rate); a date takes the latest fixing on
or before it. Shipped: the one-year and the five-year loan prime rate (LPR, 贷款市场报价利率)
since the August 2019 reform, one row per change of the monthly fixing (the one-year table is
the rate-cap module's). Add an index with ``INDEXES[name] = (...)``; fixings after the release
(or a simulated market) are data (`loans.IndexFixing`), passed in as `extra`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from calc.calendar import add_months
from calc.rate_caps import ONE_YEAR_LPR

FIVE_YEAR_LPR: tuple[tuple[date, Decimal], ...] = (
    (date(2019, 8, 20), Decimal("0.0485")),
    (date(2019, 11, 20), Decimal("0.0480")),
    (date(2020, 2, 20), Decimal("0.0475")),
    (date(2020, 4, 20), Decimal("0.0465")),
    (date(2022, 1, 20), Decimal("0.0460")),
    (date(2022, 5, 20), Decimal("0.0445")),
    (date(2022, 8, 22), Decimal("0.0430")),
    (date(2023, 6, 20), Decimal("0.0420")),
    (date(2024, 2, 20), Decimal("0.0395")),
    (date(2024, 7, 22), Decimal("0.0385")),
    (date(2024, 10, 21), Decimal("0.0360")),
    (date(2025, 5, 20), Decimal("0.0350")),
)

INDEXES: dict[str, tuple[tuple[date, Decimal], ...]] = {
    "lpr_1y": ONE_YEAR_LPR,
    "lpr_5y": FIVE_YEAR_LPR,
}


class IndexRateError(ValueError):
    """An unknown index, or no fixing on the date asked."""


def index_rate_on(
    index: str, on_date: date, extra: tuple[tuple[date, Decimal], ...] = ()
) -> Decimal:
    """The fixing of `index` in force on `on_date`: the latest on or before it of the shipped
    table and `extra` (fixings kept as data elsewhere; on the same date, the extra one)."""
    try:
        table = INDEXES[index]
    except KeyError:
        known = ", ".join(sorted(INDEXES))
        raise IndexRateError(f"unknown rate index {index!r}; use one of: {known}") from None
    in_force = [
        (when, rank, rate) for rank, rows in ((0, table), (1, extra)) for when, rate in rows
    ]
    in_force = [fixing for fixing in in_force if fixing[0] <= on_date]
    if not in_force:
        raise IndexRateError(f"no {index} fixing on {on_date}: the table starts {table[0][0]}")
    return max(in_force)[2]


def floating_rate(
    index_rate: Decimal,
    margin: Decimal,
    floor: Decimal | None = None,
    cap: Decimal | None = None,
) -> Decimal:
    """Index + margin, raised to the floor and lowered to the cap."""
    rate = index_rate + margin
    if floor is not None and rate < floor:
        rate = floor
    if cap is not None and rate > cap:
        rate = cap
    return rate


def next_reset(start: date, months: int, reset_day: int, after: date) -> date:
    """The first reset date after `after` for a loan starting on `start`, resetting every
    `months` months on day `reset_day` of the month (0: the start's day)."""
    if months < 1:
        raise IndexRateError(f"a reset every {months} months is not a reset")
    anchor = reset_day or start.day
    step = 1
    while True:
        day = add_months(start, months * step, anchor)
        if day > after:
            return day
        step += 1
