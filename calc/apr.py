"""APR by the IRR method (年化利率, IRR 口径) — the actuarial method of US Regulation Z Appendix J.

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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from core.money import ZERO as _ZERO

__all__ = [
    "AprError",
    "AprResult",
    "UnitPeriod",
    "annual_percentage_rate",
    "infer_unit_period",
    "payment_dates",
    "regular_payments",
    "unit_periods_between",
]

_ONE = Decimal(1)
_TOLERANCE = Decimal("1e-16")
_MAX_ITERATIONS = 300
_PRECISION = 28
_RESULT_QUANTUM = Decimal("1e-12")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class AprError(ValueError):
    """The cash flows have no APR (nothing advanced, nothing repaid, dates out of order, or no
    rate above −100% balances them)."""


class UnitPeriod(StrEnum):
    MONTHLY = "monthly"
    SEMIMONTHLY = "semimonthly"
    BIWEEKLY = "biweekly"
    WEEKLY = "weekly"
    QUARTERLY = "quarterly"
    FOUR_WEEKLY = "four_weekly"
    BIMONTHLY = "bimonthly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"
    TERM = "term"
    """A single-payment transaction's whole term (at most a year)."""

    @property
    def months(self) -> int | None:
        return _UNIT_MONTHS.get(self)

    @property
    def days(self) -> int | None:
        return _UNIT_DAYS.get(self)

    @property
    def periods_per_year(self) -> int:
        if self is UnitPeriod.TERM:
            raise AprError("a single payment's unit-period count depends on its term")
        return _PERIODS_PER_YEAR[self]


_UNIT_MONTHS = {
    UnitPeriod.MONTHLY: 1,
    UnitPeriod.BIMONTHLY: 2,
    UnitPeriod.QUARTERLY: 3,
    UnitPeriod.SEMIANNUAL: 6,
    UnitPeriod.ANNUAL: 12,
}
_UNIT_DAYS = {UnitPeriod.WEEKLY: 7, UnitPeriod.BIWEEKLY: 14, UnitPeriod.FOUR_WEEKLY: 28}
_PERIODS_PER_YEAR = {
    UnitPeriod.MONTHLY: 12,
    UnitPeriod.SEMIMONTHLY: 24,
    UnitPeriod.BIWEEKLY: 26,
    UnitPeriod.WEEKLY: 52,
    UnitPeriod.QUARTERLY: 4,
    UnitPeriod.FOUR_WEEKLY: 13,
    UnitPeriod.BIMONTHLY: 6,
    UnitPeriod.SEMIANNUAL: 2,
    UnitPeriod.ANNUAL: 1,
}


@dataclass(frozen=True, slots=True)
class AprResult:
    """APR figures as annual fractions (0.1203 = 12.03%), rounded to 12 decimal places."""

    nominal: Decimal
    effective: Decimal
    periodic: Decimal
    unit_period: UnitPeriod
    periods_per_year: Decimal
    method: str = "irr"

    def nominal_percent(self, places: int = 4) -> Decimal:
        """The nominal APR in percent, e.g. ``Decimal('12.0000')``."""
        return (self.nominal * 100).quantize(Decimal(1).scaleb(-places), decimal.ROUND_HALF_UP)

    def effective_percent(self, places: int = 4) -> Decimal:
        return (self.effective * 100).quantize(Decimal(1).scaleb(-places), decimal.ROUND_HALF_UP)

    def as_dict(self) -> dict[str, object]:
        return {
            "nominal": self.nominal,
            "effective": self.effective,
            "periodic": self.periodic,
            "unit_period": self.unit_period.value,
            "periods_per_year": self.periods_per_year,
            "method": self.method,
        }


def _parse_unit_period(value: UnitPeriod | str) -> UnitPeriod:
    try:
        return UnitPeriod(str(value).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in UnitPeriod if member is not UnitPeriod.TERM)
        raise AprError(f"unknown unit-period {value!r}; use one of: {known}") from None


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def _months_back(day: date, months: int, nominal_day: int) -> date:
    index = day.month - 1 - months
    year = day.year + index // 12
    month = index % 12 + 1
    return date(year, month, min(nominal_day, _days_in_month(year, month)))


def _whole_months_back(start: date, payment: date, nominal_day: int) -> tuple[int, date]:
    """The most whole months that fit measured back from ``payment`` without passing ``start``,
    and the date they reach."""
    months = max((payment.year - start.year) * 12 + payment.month - start.month, 0)
    back = _months_back(payment, months, nominal_day)
    while back < start:
        months -= 1
        back = _months_back(payment, months, nominal_day)
    return months, back


def unit_periods_between(
    start: date, payment: date, unit_period: UnitPeriod | str, nominal_day: int | None = None
) -> tuple[int, int, int]:
    """Appendix J (b)(5): whole unit-periods ``t`` and the fraction ``num/den`` of one more
    between the advance on ``start`` and a payment. Returns ``(t, num, den)``.

    * weeks: the days between the dates divided by 7·w (b)(5)(iv);
    * months, multiples of a month up to 11, semimonths: 30 days for each full month measured
      back from the payment, plus the remaining days, divided by 30·m or by 15 (b)(5)(ii)-(iii);
    * years: full years back, then the remaining whole months over 12, or, when the remainder
      is not a whole number of months, its days over 365 (b)(5)(v).

    ``nominal_day`` is the series' day of month: a payment on a month's last day that is earlier
    than the series' day (Feb 28 in a series due on the 30th) is measured back as if due on that
    day, as Appendix J (b)(3)(iv) measures months.
    """
    unit = _parse_unit_period(unit_period)
    if payment < start:
        raise AprError(f"payment date {payment} is before the advance on {start}")
    if unit is UnitPeriod.TERM:
        return 1, 0, 1
    step_days = unit.days
    if step_days is not None:
        days = (payment - start).days
        return days // step_days, days % step_days, step_days
    return _count_back_months(
        start, payment, unit, payment.day if nominal_day is None else nominal_day
    )


def _count_back_months(
    start: date, payment: date, unit: UnitPeriod, day: int
) -> tuple[int, int, int]:
    months, back = _whole_months_back(start, payment, day)
    if unit is UnitPeriod.ANNUAL:
        years = months // 12
        if months % 12 and back == start:
            return years, months % 12, 12
        year_back = _months_back(payment, years * 12, day)
        return years, (year_back - start).days, 365
    days = 30 * months + (back - start).days
    per_unit = 15 if unit is UnitPeriod.SEMIMONTHLY else 30 * _UNIT_MONTHS[unit]
    return days // per_unit, days % per_unit, per_unit


def payment_dates(first: date, count: int, unit_period: UnitPeriod | str) -> list[date]:
    """``count`` payment dates from ``first`` at the unit-period's interval. Month-based dates
    keep ``first``'s day (clamped to short months); semimonthly dates alternate between the day
    and the day 15 later (the 1st and 16th, the 15th and the 30th / month end)."""
    unit = _parse_unit_period(unit_period)
    if count < 1:
        raise AprError(f"the number of payments must be at least 1, not {count}")
    if unit.days is not None:
        step = timedelta(days=unit.days)
        return [first + step * k for k in range(count)]
    if unit is UnitPeriod.SEMIMONTHLY:
        low = first.day if first.day <= 15 else first.day - 15
        dates = []
        for k in range(count):
            months = (k + (0 if first.day <= 15 else 1)) // 2
            base = _months_back(first, -months, low)
            on_high = (k % 2 == 1) == (first.day <= 15)
            wanted = low + 15 if on_high else low
            dates.append(
                date(base.year, base.month, min(wanted, _days_in_month(base.year, base.month)))
            )
        return dates
    if unit is UnitPeriod.TERM:
        raise AprError("a series of payments needs a unit-period, not the term")
    unit_months = unit.months
    assert unit_months is not None
    return [_months_back(first, -unit_months * k, first.day) for k in range(count)]


def regular_payments(
    amount: Decimal, count: int, first: date, unit_period: UnitPeriod | str
) -> list[tuple[Decimal, date]]:
    """``count`` payments of ``amount`` (the ``N@AMOUNT`` form) as ``(amount, date)`` pairs."""
    return [(amount, day) for day in payment_dates(first, count, unit_period)]


def _is_month_step(earlier: date, later: date) -> bool:
    """True when ``later`` is ``earlier`` moved by whole months on the same day, or on the
    month's last day when that day does not exist (01-31 → 02-28) or both are month ends."""
    if later.day == earlier.day:
        return True
    later_end = later.day == _days_in_month(later.year, later.month)
    earlier_end = earlier.day == _days_in_month(earlier.year, earlier.month)
    return (later_end and later.day < earlier.day) or (earlier_end and later_end)


def _classify_gap(earlier: date, later: date) -> UnitPeriod | None:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    by_months = {
        1: UnitPeriod.MONTHLY,
        2: UnitPeriod.BIMONTHLY,
        3: UnitPeriod.QUARTERLY,
        6: UnitPeriod.SEMIANNUAL,
        12: UnitPeriod.ANNUAL,
    }
    if months in by_months and _is_month_step(earlier, later):
        return by_months[months]
    days = (later - earlier).days
    by_days = {7: UnitPeriod.WEEKLY, 14: UnitPeriod.BIWEEKLY, 28: UnitPeriod.FOUR_WEEKLY}
    if days in by_days:
        return by_days[days]
    if 13 <= days <= 16:
        return UnitPeriod.SEMIMONTHLY
    return None


def infer_unit_period(payment_dates: Sequence[date]) -> UnitPeriod:
    """The unit-period of Appendix J (b)(4): the most frequent interval between payments.
    One payment: the term. A 14-day gap counts as semimonthly when other gaps are semimonths."""
    ordered = sorted(payment_dates)
    if len(ordered) == 1:
        return UnitPeriod.TERM
    gaps = [_classify_gap(a, b) for a, b in zip(ordered, ordered[1:], strict=False)]
    counts = Counter(gap for gap in gaps if gap is not None)
    if not counts:
        raise AprError("cannot tell the unit-period from the payment dates; give it explicitly")
    if UnitPeriod.SEMIMONTHLY in counts and UnitPeriod.BIWEEKLY in counts:
        counts[UnitPeriod.SEMIMONTHLY] += counts.pop(UnitPeriod.BIWEEKLY)
    return counts.most_common(1)[0][0]


def _series_day(dates: Sequence[date]) -> int:
    """The day of month a month-based series is due on (31 when every date is a month end)."""
    inside = [d.day for d in dates if d.day != _days_in_month(d.year, d.month)]
    return max(inside) if inside else 31


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
) -> AprResult:
    """The APR of one advance on ``start_date`` repaid by ``payments`` (``(amount, date)`` pairs).

    ``fee`` is withheld from the advance at the start (the borrower receives ``advance − fee``).
    ``unit_period`` defaults to the most frequent interval between payments; a single payment
    always uses its term. ``guess`` is a starting periodic rate (the contract's periodic rate
    makes a quote converge in two or three steps).
    """
    advance, fee = _as_decimal(advance), _as_decimal(fee)
    received = advance - fee
    if advance <= 0:
        raise AprError(f"the advance must be positive, not {advance}")
    if fee < 0:
        raise AprError(f"a fee withheld at the start cannot be negative: {fee}")
    if received <= 0:
        raise AprError(f"the fee {fee} leaves nothing of the advance {advance} to the borrower")
    flows = sorted(
        ((_as_decimal(amount), day) for amount, day in payments), key=lambda flow: flow[1]
    )
    if not flows:
        raise AprError("there are no payments")
    for amount, day in flows:
        if amount < 0:
            raise AprError(f"payment {amount} on {day} is negative; only repayments are flows")
        if day < start_date:
            raise AprError(f"payment date {day} is before the advance on {start_date}")
    total_paid = sum((amount for amount, _ in flows), _ZERO)
    if total_paid <= 0:
        raise AprError("the payments total nothing")
    if all(day == start_date for _, day in flows):
        raise AprError("every payment is on the advance date: there is no rate")
    if len(flows) == 1:
        return _single_payment(received, start_date, flows[0])

    unit = (
        infer_unit_period([day for _, day in flows])
        if unit_period is None
        else _parse_unit_period(unit_period)
    )
    if unit is UnitPeriod.TERM:
        raise AprError("the term is a unit-period only for a single payment")
    nominal_day = _series_day([day for _, day in flows]) if unit.months else None
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        context.rounding = decimal.ROUND_HALF_EVEN
        groups = _build_groups(received, start_date, flows, unit, nominal_day)
        _check_root_exists(groups, received)
        start = guess if guess is not None else _first_guess(groups, received)
        periodic = _solve(groups, start)
        per_year = Decimal(unit.periods_per_year)
        nominal = periodic * per_year
        effective = (_ONE + periodic) ** unit.periods_per_year - _ONE
        return AprResult(
            nominal=_rounded(nominal),
            effective=_rounded(effective),
            periodic=_rounded(periodic),
            unit_period=unit,
            periods_per_year=per_year,
        )


def _as_decimal(value: Decimal | int | str) -> Decimal:
    """Amounts as Decimal; binary floating point is refused rather than converted."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except decimal.InvalidOperation:
            raise AprError(f"not an amount: {value!r}") from None
    raise AprError(f"amounts must be Decimal, int or str, not {type(value).__name__}")


def _rounded(value: Decimal) -> Decimal:
    """``value`` to 12 decimal places, however large (fees can make rates enormous)."""
    with decimal.localcontext() as context:
        context.prec = max(_PRECISION, value.adjusted() + 14)
        return value.quantize(_RESULT_QUANTUM)


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
            month_end = counted_day == _days_in_month(day.year, day.month)
            if nominal_day and counted_day < nominal_day and month_end:
                counted_day = nominal_day
            if unit is UnitPeriod.ANNUAL:
                whole, numerator, denominator = _count_back_months(
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
        candidate = date(year, index + 1, min(day, _days_in_month(year, index + 1)))
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


def _single_payment(received: Decimal, start_date: date, flow: tuple[Decimal, date]) -> AprResult:
    """Appendix J (b)(4)(ii): the unit-period is the term, but no longer than a year."""
    amount, day = flow
    days = (day - start_date).days
    if days == 0:
        raise AprError("a single payment on the advance date has no rate")
    one_year_later = _months_back(start_date, -12, start_date.day)
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        if day <= one_year_later:
            # (b)(5)(vi)-(vii): a term of whole months has 12/months unit-periods a year, any
            # other term 365/days.
            months, back = _whole_months_back(start_date, day, day.day)
            whole_months = back == start_date and months > 0
            per_year = Decimal(12) / months if whole_months else Decimal(365) / days
            periodic = amount / received - _ONE
            effective = ((_ONE + periodic).ln() * per_year).exp() - _ONE if periodic > -1 else -_ONE
            return AprResult(
                nominal=_rounded(periodic * per_year),
                effective=_rounded(effective),
                periodic=_rounded(periodic),
                unit_period=UnitPeriod.TERM,
                periods_per_year=_rounded(per_year).normalize(),
            )
        groups = _build_groups(received, start_date, [flow], UnitPeriod.ANNUAL, None)
        periodic = _solve(groups, _first_guess(groups, received))
        return AprResult(
            nominal=_rounded(periodic),
            effective=_rounded(periodic),
            periodic=_rounded(periodic),
            unit_period=UnitPeriod.ANNUAL,
            periods_per_year=_ONE,
        )
