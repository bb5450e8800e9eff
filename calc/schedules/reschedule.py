"""A new schedule after a partial prepayment: lower the installment or shorten the term."""

from __future__ import annotations

import decimal
from dataclasses import replace
from datetime import date
from decimal import Decimal

from calc.calendar import Frequency
from calc.money import to_decimal
from calc.schedules.build import build_schedule
from calc.schedules.level_payment import Underpay, rows_level_payment
from calc.schedules.level_principal import rows_level_principal
from calc.schedules.periods import PRECISION, accrual_periods
from calc.terms import (
    ZERO,
    LevelConvention,
    Method,
    RescheduleMode,
    Schedule,
    ScheduleError,
    ScheduleTerms,
)


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
        context.prec = PRECISION
        periods = accrual_periods(new_terms)
        if method is Method.EQUAL_INSTALLMENT:
            numerator, denominator = new_terms.periodic_rate_parts
            first_interest = new_terms.rounder(new_terms.principal * numerator / denominator)
            if level <= first_interest and remaining_term > 1:
                raise ScheduleError(
                    f"installment {level} does not cover the interest {first_interest}; "
                    "it cannot shorten the term"
                )
            try:
                rows = rows_level_payment(new_terms, periods, level, open_ended=True)
            except Underpay:
                raise ScheduleError(
                    f"installment {level} does not cover a period's interest"
                ) from None
            # The kept installment runs out early: whatever the convention, the last absorbs.
            shortened = replace(
                new_terms, term=len(rows), level_convention=LevelConvention.LAST_ABSORBS
            )
            return Schedule(shortened, tuple(rows), level)
        needed = (new_terms.principal / level).to_integral_value(rounding=decimal.ROUND_CEILING)
        count = max(1, min(remaining_term, int(needed)))
        periods = periods[:count]
        with_interest = method is Method.EQUAL_PRINCIPAL
        rows = rows_level_principal(new_terms, periods, level, with_interest)
        return Schedule(replace(new_terms, term=count), tuple(rows), level)
