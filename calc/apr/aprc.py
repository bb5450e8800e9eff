"""The annual percentage rate of charge of the EU Consumer Credit Directive (``eu_aprc``) and of the
UK's total charge for credit rules (``uk_aprc``).

Directive 2008/48/EC, Annex I, Part I: the APRC is the rate X that equates the present value of
what the consumer receives with the present value of what they repay::

    Σ_k C_k (1 + X)^−t_k  =  Σ_l D_l (1 + X)^−s_l

with every interval t, s "expressed in years or in fractions of a year. A year is presumed to have
365 days (or 366 days for leap years), 52 weeks or 12 equal months" (remark (c)), and "the result
… expressed with an accuracy of at least one decimal place", a following figure of 5 or more
rounding up (remark (d)). The UK carries the same equation and remarks in the FCA's total charge
for credit rules (CONC App 1; Consumer Credit (Total Charge for Credit) Regulations 2010, SI
2010/1011, Schedule), and the APR is shown to one decimal place.

Time (remark (c) as the Commission's guidelines, SWD(2012) 128 §4.1.1, read it, and as the
Mortgage Credit Directive 2014/17/EU Annex I (c) and MCOB 10A.2.3R(3) spell it out): an interval
that is not a whole number of the series' periods is a whole number of them plus days. Whole
periods are counted *back from the payment* towards the drawdown — months for month-based series,
weeks for week-based ones, years for a single payment — and the days left over (first day
excluded, last included) are divided by the days of the complete year counted back from the last
of them: 366 when that year holds a 29 February, else 365. So t = w/12 (or w/52, or w) + d/Y,
and an odd first period compounds as a power of (1 + X), where Appendix J adds simple interest.

One advance net of any fee withheld at the start; payments after it. The root is found by Newton's
method on u = ln(1 + X): the residual Σ D e^(−u·s) − A is convex and strictly decreasing in u,
so Newton converges from any start (one overshoot at most, from above). Every payment of a
regular series, counted back in whole periods, leaves the same odd days, so the sum is evaluated
as a few polynomials in v = e^(−u/k) by Horner's rule, as the actuarial solver does.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from calc.apr.base import PRECISION, AprMethod, AprResult, checked_flows, rounded
from calc.apr.errors import AprError
from calc.apr.periods import (
    UnitPeriod,
    days_in_month,
    infer_unit_period,
    months_back,
    parse_unit_period,
    series_day,
    whole_months_back,
)
from core.money import ZERO as _ZERO

__all__ = ["annual_percentage_rate_of_charge", "year_fraction"]

_ONE = Decimal(1)
_TOLERANCE = Decimal("1e-20")
_MAX_ITERATIONS = 200
_MAX_STEP = Decimal(2)
_WEEKS = "weeks"
_MONTHS = "months"
_YEARS = "years"
_PER_YEAR = {_WEEKS: 52, _MONTHS: 12, _YEARS: 1}


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _year_days(last: date) -> int:
    """Days of the complete year counted back from ``last`` to the same day a year before:
    366 when that span (first day excluded) holds a 29 February."""
    year_before = months_back(last, 12, last.day)
    return (last - year_before).days


def _counting_unit(unit: UnitPeriod | None) -> str:
    if unit is None or unit in (UnitPeriod.TERM, UnitPeriod.ANNUAL):
        return _YEARS
    if unit.days is not None:
        return _WEEKS
    return _MONTHS


def _counted_day(payment: date, nominal_day: int | None) -> int:
    """The day of month counted back on: the series' day for a payment on a short month's end."""
    day = payment.day
    if nominal_day is not None and nominal_day > day == days_in_month(payment.year, payment.month):
        return nominal_day
    return day


def year_fraction(
    start: date, payment: date, unit: UnitPeriod | str | None = None, nominal_day: int | None = None
) -> tuple[int, int, int, int]:
    """The interval from the drawdown on ``start`` to ``payment`` as ``(whole, per_year, days,
    year_days)``: ``whole`` periods of 1/``per_year`` year counted back from the payment, then
    ``days`` over ``year_days`` (365 or 366). ``unit`` is the series' unit-period (None or the
    term: years); ``nominal_day`` the series' day of month, so a payment on a short month's last
    day counts back to the series' day (month ends to month ends)."""
    if payment < start:
        raise AprError(f"payment date {payment} is before the drawdown on {start}")
    counting = _counting_unit(None if unit is None else parse_unit_period(unit))
    if counting == _WEEKS:
        days = (payment - start).days
        whole, days = divmod(days, 7)
        return whole, 52, days, _year_days(start + timedelta(days=days)) if days else 365
    day = _counted_day(payment, nominal_day)
    months, back = whole_months_back(start, payment, day)
    if counting == _YEARS:
        years = months // 12
        back = months_back(payment, years * 12, day) if years else payment
        days = (back - start).days
        return years, 1, days, _year_days(back) if days else 365
    days = (back - start).days
    return months, 12, days, _year_days(back) if days else 365


def annual_percentage_rate_of_charge(
    advance: Decimal,
    start_date: date,
    payments: Iterable[tuple[Decimal, date]],
    *,
    unit_period: UnitPeriod | str | None = None,
    fee: Decimal = _ZERO,
    guess: Decimal | None = None,
    method: AprMethod | str = AprMethod.EU_APRC,
) -> AprResult:
    """The APRC of one drawdown of ``advance`` on ``start_date`` (less ``fee`` withheld) repaid by
    ``payments``. ``unit_period`` is the series' interval, which sets the whole periods counted
    (default: inferred from the dates; a single payment counts whole years). ``guess`` is a periodic rate of that unit-period to start
    from. ``method`` is ``eu_aprc`` or ``uk_aprc`` (the same equation; the label says whose)."""
    label = AprMethod(method)
    if not label.is_aprc:
        raise AprError(f"{label.value} is not an Annex I method")
    received, flows = checked_flows(advance, fee, start_date, payments)
    dates = [day for _, day in flows]
    if unit_period is not None:
        unit = parse_unit_period(unit_period)
    elif len(flows) == 1:
        unit = None  # a single payment: whole years, then days (98/7/EC Annex III, example 1)
    else:
        try:
            unit = infer_unit_period(dates)
        except AprError:
            unit = None  # irregular flows (remark (a)): whole years, then days
    counting = _counting_unit(unit)
    nominal_day = series_day(dates) if counting != _WEEKS and len(flows) > 1 else None
    with decimal.localcontext() as context:
        context.prec = PRECISION
        context.rounding = decimal.ROUND_HALF_EVEN
        per_year = _PER_YEAR[counting]
        groups: dict[tuple[int, int], dict[int, Decimal]] = {}
        at_start = _ZERO
        # Counted back in whole months, every payment on the same day of month reaches the same
        # date (the first such day on or after the drawdown): the days left are the same.
        stops: dict[int, tuple[int, int, int]] = {}
        for amount, day in flows:
            if counting == _MONTHS:
                counted = _counted_day(day, nominal_day)
                month_index = day.year * 12 + day.month
                stop = stops.get(counted)
                if stop is None:
                    whole, _, days, year_days = year_fraction(start_date, day, unit, nominal_day)
                    stops[counted] = (month_index - whole, days, year_days)
                else:
                    whole, days, year_days = month_index - stop[0], stop[1], stop[2]
            else:
                whole, _, days, year_days = year_fraction(start_date, day, unit, nominal_day)
            if not whole and not days:
                at_start += amount
                continue
            bucket = groups.setdefault((days, year_days), {})
            bucket[whole] = bucket.get(whole, _ZERO) + amount
        if at_start >= received:
            raise AprError("the payments on the drawdown date alone repay it: there is no rate")
        prepared = []
        for (days, year_days), coefficients in groups.items():
            dense = [_ZERO] * (max(coefficients) + 1)
            for whole, amount in coefficients.items():
                dense[whole] = amount
            prepared.append((Decimal(days) / year_days, dense))
        k = unit.periods_per_year if unit is not None and unit is not UnitPeriod.TERM else 1
        start = None if guess is None or guess <= -1 else (_ONE + guess).ln() * k
        log_rate = _solve(prepared, per_year, received - at_start, start)
        rate = log_rate.exp() - _ONE
        periodic = (log_rate / k).exp() - _ONE
        return AprResult(
            nominal=rounded(rate),
            effective=rounded(rate),
            periodic=rounded(periodic),
            unit_period=UnitPeriod.ANNUAL if unit in (None, UnitPeriod.TERM) else unit,
            periods_per_year=Decimal(k),
            method=label.value,
        )


def _evaluate(
    groups: list[tuple[Decimal, list[Decimal]]], per_year: int, log_rate: Decimal
) -> tuple[Decimal, Decimal]:
    """Σ D·e^(−u·s) at u = ``log_rate`` and its derivative −Σ D·s·e^(−u·s), with
    s = whole/per_year + fraction for each group's fraction of a year."""
    v = (-log_rate / per_year).exp()
    total = _ZERO
    slope = _ZERO
    for fraction, coefficients in groups:
        value = _ZERO
        derivative = _ZERO  # d value / dv, by Horner's rule alongside the value
        for coefficient in reversed(coefficients):
            derivative = derivative * v + value
            value = value * v + coefficient
        weighted = derivative * v  # Σ whole·D·v^whole
        odd = (-log_rate * fraction).exp() if fraction else _ONE
        total += odd * value
        slope -= odd * (weighted / per_year + fraction * value)
    return total, slope


def _solve(
    groups: list[tuple[Decimal, list[Decimal]]],
    per_year: int,
    received: Decimal,
    start: Decimal | None,
) -> Decimal:
    """u = ln(1 + X) solving Σ D·e^(−u·s) = ``received``, from ``start`` or a Newton step
    from zero on the linearized equation."""
    paid = sum((sum(dense, _ZERO) for _, dense in groups), _ZERO)
    weighted = sum(
        (
            amount * (Decimal(whole) / per_year + fraction)
            for fraction, dense in groups
            for whole, amount in enumerate(dense)
        ),
        _ZERO,
    )
    log_rate = start if start is not None else (paid - received) / weighted if weighted else _ZERO
    for _ in range(_MAX_ITERATIONS):
        value, slope = _evaluate(groups, per_year, log_rate)
        residual = value - received
        if not residual or not slope:
            return log_rate
        step = residual / slope
        if abs(step) > _MAX_STEP:
            # Far from the root the tangent can be nearly flat; move by at most e² in 1 + X.
            step = _MAX_STEP if step > 0 else -_MAX_STEP
        log_rate -= step
        if abs(step) <= _TOLERANCE:
            return log_rate
    raise AprError("the APRC iteration did not converge; check the cash flows")
