"""Interest accrual between dates: payoff quotes and the end-of-day close's daily accruals."""

from __future__ import annotations

import decimal
from datetime import date, timedelta
from decimal import Decimal

from calc.daycount import DayCount, interest_for_days, parse_day_count
from calc.money import Rounding

_PRECISION = 34


def accrued_interest(
    principal: Decimal,
    annual_rate: Decimal,
    start: date,
    end: date,
    day_count: DayCount | str = DayCount.ACT_360,
    rounding: Rounding | None = None,
) -> Decimal:
    """Simple interest on ``principal`` from ``start`` to ``end`` under ``day_count``:
    ``principal × annual_rate × days / basis``, rounded when ``rounding`` is given."""
    convention = parse_day_count(day_count)
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        interest = interest_for_days(
            principal, annual_rate, convention.days(start, end), convention
        )
    return interest if rounding is None else rounding(interest)


def accrued_through(
    period_interest: Decimal,
    period_start: date,
    period_end: date,
    as_of: date,
    rounding: Rounding,
) -> Decimal:
    """The part of a period's scheduled interest accrued by the end of ``as_of``: the interest
    × elapsed days / period days, rounded. It is monotone in ``as_of`` and equals
    ``period_interest`` exactly on ``period_end``, so booking the daily differences never
    drifts from the schedule."""
    total_days = (period_end - period_start).days
    if total_days <= 0:
        raise ValueError(f"period {period_start}..{period_end} has no days")
    elapsed = min(max((as_of - period_start).days, 0), total_days)
    if elapsed == total_days:
        return period_interest
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        return rounding(period_interest * elapsed / total_days)


def daily_accruals(
    period_interest: Decimal, period_start: date, period_end: date, rounding: Rounding
) -> list[tuple[date, Decimal]]:
    """The period's interest spread over its days, carrying sub-unit remainders: one
    ``(day, amount)`` per day from the day after ``period_start`` through ``period_end``.
    The amounts are non-negative and sum exactly to ``period_interest``."""
    accruals = []
    booked = Decimal(0)
    day = period_start
    one_day = timedelta(days=1)
    while day < period_end:
        day += one_day
        cumulative = accrued_through(period_interest, period_start, period_end, day, rounding)
        accruals.append((day, cumulative - booked))
        booked = cumulative
    return accruals
