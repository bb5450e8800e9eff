"""Schedules after a loan modification: the rest of a loan rebuilt from a period boundary.

Every function takes the loan's own terms and what is still owed at the boundary — the principal,
the start of the first period rebuilt (``start_date``, a contractual due date or the loan's start)
and its contractual end (``first_due_date``) — and returns a ``Schedule`` numbered from 1, its
``terms`` being those of the rebuilt part (principal, start, number of periods, rate). Per-period
fees stay based on the original amount (``fee_base``); no upfront fee is charged again.

* ``continued_schedule`` — a reschedule, term extension or rate change: the principal over a new
  number of periods at a (new) rate by the loan's method, or, given ``level_amount``, the new
  installment kept and the term it needs (``reschedule``'s ``shorten_term``).
* ``holiday_schedule`` — a payment holiday of ``holiday_periods`` installments that ask for
  nothing (no principal, interest or fee), then the principal amortized over the remaining
  periods (``extend_term``: all of them again, the term grows by the holiday). The holiday's
  interest is the simple interest of each holiday period on the principal, rounded per period;
  it is ``waive``\\ d (never charged), ``spread`` (added in equal parts to the interest of the
  installments after the holiday, the last absorbing the rounding) or ``capitalize``\\ d (the
  installments are those of the principal plus the holiday interest; each installment's
  capitalized part — in proportion to its principal, the last absorbing the rounding — is shown
  as interest, so the principal still sums to what was lent and interest is earned as it falls
  due).
"""

from __future__ import annotations

import decimal
from dataclasses import replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from calc.calendar import Frequency
from calc.money import to_decimal
from calc.schedules.build import build_schedule
from calc.schedules.periods import PRECISION, accrual_periods
from calc.schedules.reschedule import reschedule
from calc.terms import ZERO, Installment, RescheduleMode, Schedule, ScheduleError, ScheduleTerms


class HolidayInterest(StrEnum):
    SPREAD = "spread"
    CAPITALIZE = "capitalize"
    WAIVE = "waive"


def parse_holiday_interest(value: HolidayInterest | str) -> HolidayInterest:
    try:
        return HolidayInterest(str(value).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in HolidayInterest)
        raise ScheduleError(f"unknown holiday interest {value!r}; use one of: {known}") from None


def continued_terms(
    terms: ScheduleTerms,
    *,
    principal: Decimal,
    start_date: date,
    first_due_date: date | None,
    term: int,
    annual_rate: Decimal | None = None,
) -> ScheduleTerms:
    """``terms`` for the rest of a loan from ``start_date``: the same method, frequency,
    conventions and due day, per-period fees on the original base, no upfront fee."""
    due_day = terms.due_day
    if due_day is None and terms.frequency is Frequency.MONTHLY:
        due_day = (terms.first_due_date or terms.start_date).day
    return replace(
        terms,
        principal=to_decimal(principal),
        annual_rate=terms.annual_rate if annual_rate is None else to_decimal(annual_rate),
        start_date=start_date,
        term=term,
        first_due_date=first_due_date,
        due_day=due_day if terms.frequency is Frequency.MONTHLY else None,
        upfront_fee=ZERO,
        upfront_fee_rate=ZERO,
        fee_base=terms.principal if terms.fee_base is None else terms.fee_base,
    )


def continued_schedule(
    terms: ScheduleTerms,
    *,
    principal: Decimal,
    start_date: date,
    first_due_date: date | None,
    term: int,
    annual_rate: Decimal | None = None,
    level_amount: Decimal | None = None,
) -> Schedule:
    """The principal over ``term`` periods at ``annual_rate`` (default: the loan's), or with
    ``level_amount`` kept for as many of the ``term`` periods as it needs."""
    new_terms = continued_terms(
        terms,
        principal=principal,
        start_date=start_date,
        first_due_date=first_due_date,
        term=term,
        annual_rate=annual_rate,
    )
    if level_amount is None:
        return build_schedule(new_terms)
    return reschedule(
        new_terms,
        principal=new_terms.principal,
        start_date=start_date,
        remaining_term=term,
        mode=RescheduleMode.SHORTEN_TERM,
        first_due_date=first_due_date,
        level_amount=level_amount,
    )


def _equal_parts(total: Decimal, count: int, unit: Decimal) -> list[Decimal]:
    """``total`` in ``count`` parts of whole minor units, the last absorbing the remainder."""
    part = (total / count).quantize(unit, rounding=decimal.ROUND_DOWN)
    return [part] * (count - 1) + [total - part * (count - 1)]


def _proportional_parts(total: Decimal, weights: list[Decimal], unit: Decimal) -> list[Decimal]:
    whole = sum(weights, ZERO)
    parts = [
        (total * weight / whole).quantize(unit, rounding=decimal.ROUND_DOWN)
        for weight in weights[:-1]
    ]
    return parts + [total - sum(parts, ZERO)]


def holiday_schedule(
    terms: ScheduleTerms,
    *,
    principal: Decimal,
    start_date: date,
    first_due_date: date | None,
    remaining_term: int,
    holiday_periods: int,
    interest: HolidayInterest | str = HolidayInterest.SPREAD,
    extend_term: bool = True,
) -> Schedule:
    """The rest of a loan with its next ``holiday_periods`` installments deferred (see the
    module docstring). ``remaining_term``: the periods left before the holiday."""
    mode = parse_holiday_interest(interest)
    if holiday_periods < 1:
        raise ScheduleError(
            f"a payment holiday defers at least one installment, not {holiday_periods}"
        )
    after = remaining_term if extend_term else remaining_term - holiday_periods
    if after < 1:
        raise ScheduleError(
            f"a holiday of {holiday_periods} installments leaves none of the {remaining_term} "
            "remaining to repay in; extend the term"
        )
    principal = to_decimal(principal)
    whole = continued_terms(
        terms,
        principal=principal,
        start_date=start_date,
        first_due_date=first_due_date,
        term=holiday_periods + after,
    )
    unit = whole.minor_unit
    with decimal.localcontext() as context:
        context.prec = PRECISION
        periods = accrual_periods(whole)
        holiday = periods[:holiday_periods]
        deferred = sum((whole.rounder(period.interest(principal)) for period in holiday), ZERO)
    capitalized = deferred if mode is HolidayInterest.CAPITALIZE else ZERO
    amortizing = continued_schedule(
        whole,
        principal=principal + capitalized,
        start_date=holiday[-1].contractual,
        first_due_date=periods[holiday_periods].contractual,
        term=after,
    )
    nothing = whole.rounder(ZERO)
    rows = [
        Installment(
            number,
            p.due,
            p.contractual,
            p.start,
            p.days,
            nothing,
            nothing,
            nothing,
            nothing,
            principal,
        )
        for number, p in enumerate(holiday, start=1)
    ]
    later = list(amortizing.installments)
    if mode is HolidayInterest.SPREAD and deferred:
        extra = _equal_parts(deferred, len(later), unit)
        later = [
            row._replace(interest=row.interest + part)
            for row, part in zip(later, extra, strict=True)
        ]
    elif mode is HolidayInterest.CAPITALIZE and deferred:
        shifted = _proportional_parts(deferred, [row.principal for row in later], unit)
        later = [
            row._replace(principal=row.principal - part, interest=row.interest + part)
            for row, part in zip(later, shifted, strict=True)
        ]
    remaining = principal
    for row in later:
        remaining -= row.principal
        if row.principal < 0:
            raise ScheduleError("the capitalized interest exceeds an installment's principal")
        rows.append(
            row._replace(
                number=len(rows) + 1,
                total=row.principal + row.interest + row.fee,
                remaining_principal=remaining,
            )
        )
    return Schedule(whole, tuple(rows), amortizing.level_amount)
