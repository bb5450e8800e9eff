"""The actuarial method of US Regulation Z Appendix J (``us_reg_z``), which China's IRR disclosure
(``cn_irr``) shares.

A standalone calculator: it imports nothing of the project, and everything is ``Decimal``.

The borrower receives the advance net of any fee withheld at the start and then makes payments on
given dates. The periodic rate ``i`` is the one root of Appendix J's general equation (b)(8) for a
single advance::

    A = Σ_j  P_j / ((1 + f_j·i) · (1 + i)^t_j)

where, for each payment ``j``, ``t_j`` is the number of whole unit-periods and ``f_j`` the
fraction of a unit-period between the advance and the payment, counted *back from the payment*
(Appendix J (b)(5)): whole months back on the payment's day (month ends to month ends) at 30 days
each, plus the remaining days, over 30 for a monthly unit-period (30·m for an m-month unit, 15
for a semimonth); days over 7·w for a w-week unit. The results are

* ``nominal``  = periodic rate × unit-periods per year — the APR disclosed in the US and the
  annualized rate (年化利率) China's IRR disclosure asks for;
* ``effective`` = (1 + periodic)^k − 1 over the k unit-periods in a year.

A single-payment transaction uses its whole term as the unit-period (at most a year; Appendix J
(b)(5)(vi)-(vii)), so the APR is the simple rate ``(P/A − 1) × 12 / months`` for a term of whole
months and ``(P/A − 1) × 365 / days`` otherwise.

Every Appendix J (c) worked example is reproduced to its published two decimals by the tests.

The root is found by Newton's method in Decimal, safeguarded by a bracket: with positive payments
the right-hand side is a convex, strictly decreasing function of ``i`` on (−1, ∞), so Newton steps
from below the root never overshoot, and a step from above that would leave (−1, ∞) is replaced by
bisection. Sums over the payments are evaluated by Horner's rule in ``v = 1/(1+i)``, one pass per
iteration, so 360 payments cost a few thousand Decimal operations per step; the iteration stops
when the periodic rate moves by less than 1e-16. Negative rates (payments totalling less than the
advance) are returned as computed; no rate at all is an ``AprError``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from calc.apr.base import (
    PRECISION,
    AprMethod,
    AprResult,
    checked_flows,
    rounded,
)
from calc.apr.errors import AprError
from calc.apr.periods import (
    UnitPeriod,
    count_back_months,
    days_in_month,
    infer_unit_period,
    months_back,
    parse_unit_period,
    series_day,
    whole_months_back,
)
from core.money import ZERO as _ZERO

__all__ = ["annual_percentage_rate"]

_ONE = Decimal(1)
_TOLERANCE = Decimal("1e-16")
_MAX_ITERATIONS = 300


def _evaluate(
    groups: list[tuple[Decimal, list[Decimal]]], rate: Decimal
) -> tuple[Decimal, Decimal]:
    """The general equation's residual Σ P/((1+f·i)(1+i)^t) − A at ``rate`` and its derivative."""
    v = _ONE / (_ONE + rate)
    total = _ZERO
    slope = _ZERO
    for fraction, coefficients in groups:
        value = _ZERO
        derivative = _ZERO
        for coefficient in reversed(coefficients):
            derivative = derivative * v + value
            value = value * v + coefficient
        if fraction:
            odd = _ONE + fraction * rate
            total += value / odd
            slope -= (derivative * v * v + value * fraction / odd) / odd
        else:
            total += value
            slope -= derivative * v * v
    return total, slope


def _solve(groups: list[tuple[Decimal, list[Decimal]]], guess: Decimal) -> Decimal:
    low = -_ONE
    high: Decimal | None = None
    rate = guess if guess > low else _ZERO
    for _ in range(_MAX_ITERATIONS):
        residual, slope = _evaluate(groups, rate)
        if not residual:
            return rate
        if residual > 0:
            low = rate
        else:
            high = rate
        candidate = rate - residual / slope if slope < 0 else rate
        if candidate <= low or (high is not None and candidate >= high) or candidate == rate:
            # bisect inside the bracket, or (no upper bound yet) step outwards
            candidate = rate * 2 + 1 if high is None else (low + high) / 2
        if abs(candidate - rate) <= _TOLERANCE:
            return candidate
        rate = candidate
    raise AprError("the APR iteration did not converge; check the cash flows")


def annual_percentage_rate(
    advance: Decimal,
    start_date: date,
    payments: Iterable[tuple[Decimal, date]],
    *,
    unit_period: UnitPeriod | str | None = None,
    fee: Decimal = _ZERO,
    guess: Decimal | None = None,
    method: AprMethod | str = AprMethod.US_REG_Z,
) -> AprResult:
    """The APR of one advance on ``start_date`` repaid by ``payments`` (``(amount, date)`` pairs)
    by Appendix J's actuarial method; ``method`` names the disclosure it serves (``us_reg_z`` or
    ``cn_irr``, which share the equation).

    ``fee`` is withheld from the advance at the start (the borrower receives ``advance − fee``).
    ``unit_period`` defaults to the most frequent interval between payments; a single payment
    always uses its term. ``guess`` is a starting periodic rate (the contract's periodic rate
    makes a quote converge in two or three steps).
    """
    label = method.value if isinstance(method, AprMethod) else AprMethod(method).value
    received, flows = checked_flows(advance, fee, start_date, payments)
    if len(flows) == 1:
        return _single_payment(received, start_date, flows[0], label)

    unit = (
        infer_unit_period([day for _, day in flows])
        if unit_period is None
        else parse_unit_period(unit_period)
    )
    if unit is UnitPeriod.TERM:
        raise AprError("the term is a unit-period only for a single payment")
    nominal_day = series_day([day for _, day in flows]) if unit.months else None
    with decimal.localcontext() as context:
        context.prec = PRECISION
        context.rounding = decimal.ROUND_HALF_EVEN
        groups = _build_groups(received, start_date, flows, unit, nominal_day)
        _check_root_exists(groups, received)
        start = guess if guess is not None else _first_guess(groups, received)
        periodic = _solve(groups, start)
        per_year = Decimal(unit.periods_per_year)
        nominal = periodic * per_year
        effective = (_ONE + periodic) ** unit.periods_per_year - _ONE
        return AprResult(
            nominal=rounded(nominal),
            effective=rounded(effective),
            periodic=rounded(periodic),
            unit_period=unit,
            periods_per_year=per_year,
            method=label,
        )


def _build_groups(
    received: Decimal,
    start_date: date,
    flows: list[tuple[Decimal, date]],
    unit: UnitPeriod,
    nominal_day: int | None,
) -> list[tuple[Decimal, list[Decimal]]]:
    """Payment coefficients by fraction f, each a dense list indexed by whole unit-periods t;
    the advance is a negative coefficient at t = 0, f = 0."""
    by_fraction: dict[tuple[int, int], dict[int, Decimal]] = {(0, 1): {0: -received}}
    step_days = unit.days
    per_unit = 15 if unit is UnitPeriod.SEMIMONTHLY else 30 * (unit.months or 1)
    start_month = start_date.year * 12 + start_date.month - 1
    # For a day of month D, counting whole months back from any payment due on D stops at the
    # same month: the first one (from the start's) whose day D, clamped, is not before the
    # start. Caching that month and the days left over makes each payment O(1).
    stops: dict[int, tuple[int, int]] = {}
    for amount, day in flows:
        if step_days is not None:
            days = (day - start_date).days
            whole, numerator, denominator = days // step_days, days % step_days, step_days
        else:
            counted_day = day.day
            month_end = counted_day == days_in_month(day.year, day.month)
            if nominal_day and counted_day < nominal_day and month_end:
                counted_day = nominal_day
            if unit is UnitPeriod.ANNUAL:
                whole, numerator, denominator = count_back_months(
                    start_date, day, unit, counted_day
                )
            else:
                stop = stops.get(counted_day)
                if stop is None:
                    stop = stops[counted_day] = _first_month_on_or_after(
                        start_date, start_month, counted_day
                    )
                stop_month, leftover = stop
                months = day.year * 12 + day.month - 1 - stop_month
                days = 30 * months + leftover
                whole, numerator, denominator = days // per_unit, days % per_unit, per_unit
        key = (numerator, denominator) if numerator else (0, 1)
        bucket = by_fraction.get(key)
        if bucket is None:
            bucket = by_fraction[key] = {}
        bucket[whole] = bucket.get(whole, _ZERO) + amount
    groups = []
    for (numerator, denominator), coefficients in by_fraction.items():
        dense = [_ZERO] * (max(coefficients) + 1)
        for whole, amount in coefficients.items():
            dense[whole] = amount
        groups.append((Decimal(numerator) / denominator, dense))
    return groups


def _first_month_on_or_after(start: date, start_month: int, day: int) -> tuple[int, int]:
    """The first month index (year × 12 + month − 1) whose ``day`` (clamped to the month) is on
    or after ``start``, and the days from ``start`` to that date."""
    month = start_month
    while True:
        year, index = divmod(month, 12)
        candidate = date(year, index + 1, min(day, days_in_month(year, index + 1)))
        if candidate >= start:
            return month, (candidate - start).days
        month += 1


def _check_root_exists(groups: list[tuple[Decimal, list[Decimal]]], received: Decimal) -> None:
    """With positive payments the residual falls strictly from its limit at i → −1 to its limit
    at i → ∞ (what is paid on the advance date, less the advance); a root needs a sign change."""
    at_infinity = sum((dense[0] for fraction, dense in groups if not fraction), _ZERO)
    if at_infinity >= 0:
        raise AprError("the payments on the advance date alone repay it: there is no rate")
    if any(len(dense) > 1 and any(dense[1:]) for _, dense in groups):
        return
    at_minus_one = at_infinity + sum(
        (dense[0] / (_ONE - fraction) for fraction, dense in groups if fraction), _ZERO
    )
    if at_minus_one <= 0:
        raise AprError("the payments do not repay the advance at any rate above -100%")


def _first_guess(groups: list[tuple[Decimal, list[Decimal]]], received: Decimal) -> Decimal:
    """A Newton step from zero on the linearized equation: (ΣP − A) / Σ P·(t + f)."""
    paid = _ZERO
    weighted = _ZERO
    for fraction, dense in groups:
        for whole, amount in enumerate(dense):
            if amount > 0:
                paid += amount
                weighted += amount * (whole + fraction)
    if not weighted:
        return _ZERO
    return (paid - received) / weighted


def _single_payment(
    received: Decimal, start_date: date, flow: tuple[Decimal, date], method: str
) -> AprResult:
    """Appendix J (b)(4)(ii): the unit-period is the term, but no longer than a year."""
    amount, day = flow
    days = (day - start_date).days
    if days == 0:
        raise AprError("a single payment on the advance date has no rate")
    one_year_later = months_back(start_date, -12, start_date.day)
    with decimal.localcontext() as context:
        context.prec = PRECISION
        if day <= one_year_later:
            # (b)(5)(vi)-(vii): a term of whole months has 12/months unit-periods a year, any
            # other term 365/days.
            months, back = whole_months_back(start_date, day, day.day)
            whole_months = back == start_date and months > 0
            per_year = Decimal(12) / months if whole_months else Decimal(365) / days
            periodic = amount / received - _ONE
            effective = ((_ONE + periodic).ln() * per_year).exp() - _ONE if periodic > -1 else -_ONE
            return AprResult(
                nominal=rounded(periodic * per_year),
                effective=rounded(effective),
                periodic=rounded(periodic),
                unit_period=UnitPeriod.TERM,
                periods_per_year=rounded(per_year).normalize(),
                method=method,
            )
        groups = _build_groups(received, start_date, [flow], UnitPeriod.ANNUAL, None)
        periodic = _solve(groups, _first_guess(groups, received))
        return AprResult(
            nominal=rounded(periodic),
            effective=rounded(periodic),
            periodic=rounded(periodic),
            unit_period=UnitPeriod.ANNUAL,
            periods_per_year=_ONE,
            method=method,
        )
