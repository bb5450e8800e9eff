"""Repayment schedules for the five amortization methods, exact to the minor unit.

Conventions (one set, used by every method):

* **Periodic rate.** A regular monthly period earns ``annual_rate / 12`` (what Chinese lenders and
  published calculators use); a regular weekly or biweekly period earns
  ``annual_rate × 7 / basis`` or ``× 14 / basis``, the basis being the day count's year (360 for
  ACT/360 and 30/360, 365 for ACT/365F).
* **Odd first period.** When the first due date is not exactly one period after the start, the
  first period earns interest for its own length under the day count:
  ``principal × annual_rate × days / basis``. Only the first installment's *interest* changes;
  its principal part and every later installment are those of the regular schedule, so an
  equal-installment loan still pays one level amount from the second installment on.
* **Contractual versus due dates.** Interest accrues between *contractual* due dates (the
  unshifted ones); a due date that falls on a non-business day is moved by the shift rule
  without changing any amount, as Chinese consumer lenders do. Each installment reports both
  dates, and ``days_in_period`` counts the calendar days of its accrual period. APR uses the
  shifted due dates: they are when the borrower actually pays.
* **Rounding.** Each period's interest is rounded to the minor unit with the product's rounding
  mode, as are the level payment (equal installment), the level principal (equal principal,
  flat fee) and the per-period fee. The **last installment absorbs every remainder**: its
  principal is whatever balance is left, so principal sums exactly to the loan amount and the
  balance ends at exactly zero. If rounding the level amount up would retire the loan before its
  last period (tiny amounts over long terms), the level amount is lowered by minor units until
  the last installment is non-negative; equal-installment payments move the other way if
  rounding left a payment below a period's interest.
* **Fees.** ``fee_rate`` is charged every period on ``fee_base`` (default: the principal), the
  分期手续费 definition; a bullet's single installment carries the fee of all its periods. The
  upfront fee (``upfront_fee`` plus ``upfront_fee_rate × principal``) is withheld from the
  disbursement: the borrower receives ``net_disbursement``.
* **Bullet.** 一次性还本付息: one installment at the end of the term, with the simple interest of
  all its periods (the same interest an interest-only loan pays, without compounding).
"""

from __future__ import annotations

import decimal
import math
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from calc.calendar import (
    Frequency,
    ShiftRule,
    contractual_due_dates,
    get_calendar,
    is_regular_first_period,
    shift_due_date,
)
from calc.money import ROUNDING_MODES, to_decimal
from calc.terms import (
    MAX_TERM,
    ZERO,
    Installment,
    Method,
    RescheduleMode,
    Schedule,
    ScheduleError,
    ScheduleTerms,
    ScheduleTotals,
    parse_method,
)

__all__ = [
    "MAX_TERM",
    "Installment",
    "Method",
    "RescheduleMode",
    "Schedule",
    "ScheduleError",
    "ScheduleTerms",
    "ScheduleTotals",
    "annuity_payment",
    "build_schedule",
    "parse_method",
    "reschedule",
]

ONE = Decimal(1)
_PRECISION = 34
_LEVEL_ATTEMPTS = 12


def annuity_payment(
    principal: Decimal, periodic_rate: Decimal, periods: int, *, at_start: bool = False
) -> Decimal:
    """The unrounded level payment that repays ``principal`` over ``periods`` at
    ``periodic_rate`` (the spreadsheet PMT; ``at_start`` for payments at the start of each
    period)."""
    if periods < 1:
        raise ScheduleError(f"an annuity needs at least one period, not {periods}")
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        if not periodic_rate:
            return principal / periods
        growth = (ONE + periodic_rate) ** periods
        payment = principal * periodic_rate * growth / (growth - ONE)
        if at_start:
            payment /= ONE + periodic_rate
        return +payment


class _Period(NamedTuple):
    contractual: date
    due: date
    start: date
    days: int
    rate_numerator: Decimal
    rate_denominator: int
    """The period's rate is ``rate_numerator / rate_denominator``, kept as a fraction so that
    interest is ``balance × numerator / denominator``: one division, last. Multiplying by a
    rate already divided (0.10 / 12 = 0.00833…) lands a hair below an exact 100.00, which
    rounding down or half-up turns into a cent less."""

    def interest(self, balance: Decimal) -> Decimal:
        """Unrounded interest on ``balance`` for the period."""
        return balance * self.rate_numerator / self.rate_denominator


def _periods(terms: ScheduleTerms) -> list[_Period]:
    """Accrual periods with their shifted due dates and rates (odd first period included)."""
    contractual = contractual_due_dates(
        terms.start_date, terms.term, terms.frequency, terms.first_due_date, terms.due_day
    )
    regular_rate = terms.periodic_rate_parts
    calendar = get_calendar(terms.calendar) if terms.shift_rule is not ShiftRule.NONE else None
    periods = []
    previous = terms.start_date
    for day in contractual:
        due = (
            day
            if calendar is None
            else shift_due_date(day, terms.shift_rule, calendar, not_before=terms.start_date)
        )
        periods.append(_Period(day, due, previous, (day - previous).days, *regular_rate))
        previous = day
    first = periods[0]
    if not is_regular_first_period(terms.start_date, first.contractual, terms.frequency):
        days = terms.day_count.days(terms.start_date, first.contractual)
        periods[0] = first._replace(
            rate_numerator=terms.annual_rate * days, rate_denominator=terms.day_count.basis
        )
    return periods


class _Overdraw(Exception):
    """The level amount retires the loan before its last period."""


class _Underpay(Exception):
    """The level payment does not cover a period's interest."""


def _rows_level_payment(
    terms: ScheduleTerms, periods: list[_Period], payment: Decimal, open_ended: bool = False
) -> list[Installment]:
    """Equal-installment rows: principal part = payment − regular interest. With
    ``open_ended`` the rows stop as soon as the payment retires the balance (shorten term)."""
    unit, mode = terms.minor_unit, ROUNDING_MODES[terms.rounding]
    quantize = Decimal.quantize  # bound once: this loop runs for every period of every quote
    regular_numerator, regular_denominator = terms.periodic_rate_parts
    fee = terms.period_fee
    balance = terms.principal
    last = len(periods)
    rows = []
    for number, period in enumerate(periods, start=1):
        regular_interest = quantize(balance * regular_numerator / regular_denominator, unit, mode)
        interest = (
            regular_interest
            if (period.rate_numerator, period.rate_denominator)
            == (regular_numerator, regular_denominator)
            else quantize(period.interest(balance), unit, mode)
        )
        principal = payment - regular_interest
        if number == last or (open_ended and principal >= balance):
            principal = balance
        elif principal > balance:
            raise _Overdraw
        elif principal < 0:
            raise _Underpay
        balance -= principal
        rows.append(
            Installment(
                number,
                period.due,
                period.contractual,
                period.start,
                period.days,
                principal,
                interest,
                fee,
                principal + interest + fee,
                balance,
            )
        )
        if not balance and open_ended:
            break
    return rows


def _rows_level_principal(
    terms: ScheduleTerms, periods: list[_Period], level: Decimal, with_interest: bool
) -> list[Installment]:
    rounder = terms.rounder
    fee = terms.period_fee
    balance = terms.principal
    no_interest = rounder(ZERO)
    last = len(periods)
    rows = []
    for number, period in enumerate(periods, start=1):
        interest = rounder(period.interest(balance)) if with_interest else no_interest
        principal = balance if number == last else min(level, balance)
        balance -= principal
        rows.append(
            Installment(
                number,
                period.due,
                period.contractual,
                period.start,
                period.days,
                principal,
                interest,
                fee,
                principal + interest + fee,
                balance,
            )
        )
    return rows


def _level_principal(terms: ScheduleTerms, periods: int) -> Decimal:
    """Principal / n rounded by the product's mode, or toward zero if that would overdraw."""
    rounder = terms.rounder
    level = rounder(terms.principal / periods)
    if level * (periods - 1) > terms.principal:
        level = rounder.down(terms.principal / periods)
    return level


def _equal_installment(terms: ScheduleTerms, periods: list[_Period]) -> Schedule:
    rounder = terms.rounder
    payment = rounder(annuity_payment(terms.principal, terms.periodic_rate, len(periods)))
    return _search_level_payment(terms, periods, payment)


def _search_level_payment(
    terms: ScheduleTerms, periods: list[_Period], payment: Decimal
) -> Schedule:
    unit = terms.minor_unit
    moved: set[str] = set()
    for _ in range(_LEVEL_ATTEMPTS):
        try:
            rows = _rows_level_payment(terms, periods, payment)
        except _Overdraw:
            moved.add("down")
            payment -= unit
        except _Underpay:
            moved.add("up")
            payment += unit
        else:
            return Schedule(terms, tuple(rows), payment)
        if len(moved) == 2:
            break
    raise ScheduleError(
        f"principal {terms.principal} is too small to amortize in {terms.term} level "
        f"installments of whole minor units ({unit}); shorten the term"
    )


def _interest_only(terms: ScheduleTerms, periods: list[_Period]) -> Schedule:
    rounder = terms.rounder
    fee = terms.period_fee
    principal = terms.principal
    nothing = rounder(ZERO)
    last = len(periods)
    rows = []
    for number, period in enumerate(periods, start=1):
        interest = rounder(period.interest(principal))
        repaid = principal if number == last else nothing
        rows.append(
            Installment(
                number,
                period.due,
                period.contractual,
                period.start,
                period.days,
                repaid,
                interest,
                fee,
                repaid + interest + fee,
                principal - repaid,
            )
        )
    return Schedule(terms, tuple(rows), None)


def _bullet(terms: ScheduleTerms, periods: list[_Period]) -> Schedule:
    rounder = terms.rounder
    # Σ numerator_i / denominator_i over one common denominator: still one division.
    common = math.lcm(*(period.rate_denominator for period in periods))
    numerator = sum(
        (period.rate_numerator * (common // period.rate_denominator) for period in periods), ZERO
    )
    interest = rounder(terms.principal * numerator / common)
    base = terms.principal if terms.fee_base is None else terms.fee_base
    fee = rounder(base * terms.fee_rate * len(periods))
    maturity = periods[-1]
    row = Installment(
        1,
        maturity.due,
        maturity.contractual,
        terms.start_date,
        (maturity.contractual - terms.start_date).days,
        terms.principal,
        interest,
        fee,
        terms.principal + interest + fee,
        rounder(ZERO),
    )
    return Schedule(terms, (row,), None)


def build_schedule(terms: ScheduleTerms) -> Schedule:
    """The repayment schedule of ``terms`` (see the module docstring for the conventions)."""
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        periods = _periods(terms)
        method = terms.method
        if method is Method.EQUAL_INSTALLMENT:
            return _equal_installment(terms, periods)
        if method is Method.EQUAL_PRINCIPAL or method is Method.FLAT_FEE:
            level = _level_principal(terms, len(periods))
            with_interest = method is Method.EQUAL_PRINCIPAL
            rows = _rows_level_principal(terms, periods, level, with_interest)
            return Schedule(terms, tuple(rows), level)
        if method is Method.INTEREST_ONLY:
            return _interest_only(terms, periods)
        return _bullet(terms, periods)


def reschedule(
    terms: ScheduleTerms,
    *,
    principal: Decimal,
    start_date: date,
    remaining_term: int,
    mode: RescheduleMode | str,
    first_due_date: date | None = None,
    level_amount: Decimal | None = None,
    due_day: int | None = None,
) -> Schedule:
    """A new schedule for ``principal`` still owed after a partial prepayment.

    The new schedule keeps ``terms``' rate, method, frequency and conventions and runs from
    ``start_date`` (the prepayment date or the last due date) for at most ``remaining_term``
    periods; pass the next contractual due date as ``first_due_date`` (a mid-period start makes
    an odd first period that accrues for its days) and the loan's original ``due_day`` so month
    ends keep rolling (it defaults to ``terms``' anchor). Per-period fees stay based on the
    original amount and no upfront fee is charged again. Numbers restart at 1.

    * ``lower_installment`` keeps the number of periods: the schedule is rebuilt for the new
      principal over ``remaining_term``.
    * ``shorten_term`` keeps ``level_amount`` — the level payment (equal installment) or level
      principal (equal principal, flat fee); default: the one ``terms`` itself schedules — and
      runs only as many periods as the new principal needs; the last absorbs the remainder.
      Interest-only and bullet loans have no installment to keep: ``ScheduleError``.
    """
    try:
        mode = RescheduleMode(str(mode).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in RescheduleMode)
        raise ScheduleError(f"unknown reschedule mode {mode!r}; use one of: {known}") from None
    if due_day is None:
        due_day = terms.due_day
        if due_day is None and terms.frequency is Frequency.MONTHLY:
            due_day = (terms.first_due_date or terms.start_date).day
    new_terms = replace(
        terms,
        principal=to_decimal(principal),
        start_date=start_date,
        term=remaining_term,
        first_due_date=first_due_date,
        due_day=due_day if terms.frequency is Frequency.MONTHLY else None,
        upfront_fee=ZERO,
        upfront_fee_rate=ZERO,
        fee_base=terms.principal if terms.fee_base is None else terms.fee_base,
    )
    if mode is RescheduleMode.LOWER_INSTALLMENT:
        return build_schedule(new_terms)
    method = terms.method
    if method in (Method.INTEREST_ONLY, Method.BULLET):
        raise ScheduleError(
            f"shorten_term needs an installment to keep; {method.value} loans only lower it"
        )
    if level_amount is None:
        level_amount = build_schedule(terms).level_amount
    assert level_amount is not None
    level = to_decimal(level_amount)
    if level <= 0:
        raise ScheduleError(f"the installment to keep must be positive, not {level}")
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        periods = _periods(new_terms)
        if method is Method.EQUAL_INSTALLMENT:
            numerator, denominator = new_terms.periodic_rate_parts
            first_interest = new_terms.rounder(new_terms.principal * numerator / denominator)
            if level <= first_interest and remaining_term > 1:
                raise ScheduleError(
                    f"installment {level} does not cover the interest {first_interest}; "
                    "it cannot shorten the term"
                )
            try:
                rows = _rows_level_payment(new_terms, periods, level, open_ended=True)
            except _Underpay:
                raise ScheduleError(
                    f"installment {level} does not cover a period's interest"
                ) from None
            return Schedule(replace(new_terms, term=len(rows)), tuple(rows), level)
        needed = (new_terms.principal / level).to_integral_value(rounding=decimal.ROUND_CEILING)
        count = max(1, min(remaining_term, int(needed)))
        periods = periods[:count]
        with_interest = method is Method.EQUAL_PRINCIPAL
        rows = _rows_level_principal(new_terms, periods, level, with_interest)
        return Schedule(replace(new_terms, term=count), tuple(rows), level)
