"""Accrual periods and the level payment: what every method's builder starts from."""

from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from calc.calendar import (
    ShiftRule,
    contractual_due_dates,
    get_calendar,
    is_regular_first_period,
    shift_due_date,
)
from calc.terms import Installment, ScheduleError, ScheduleTerms

ONE = Decimal(1)
PRECISION = 34


def annuity_payment(
    principal: Decimal, periodic_rate: Decimal, periods: int, *, at_start: bool = False
) -> Decimal:
    """The unrounded level payment that repays ``principal`` over ``periods`` at
    ``periodic_rate`` (the spreadsheet PMT; ``at_start`` for payments at the start of each
    period)."""
    if periods < 1:
        raise ScheduleError(f"an annuity needs at least one period, not {periods}")
    with decimal.localcontext() as context:
        context.prec = PRECISION
        if not periodic_rate:
            return principal / periods
        growth = (ONE + periodic_rate) ** periods
        payment = principal * periodic_rate * growth / (growth - ONE)
        if at_start:
            payment /= ONE + periodic_rate
        return +payment


class Period(NamedTuple):
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

    def row(
        self,
        number: int,
        principal: Decimal,
        interest: Decimal,
        fee: Decimal,
        remaining: Decimal,
    ) -> Installment:
        return Installment(
            number,
            self.due,
            self.contractual,
            self.start,
            self.days,
            principal,
            interest,
            fee,
            principal + interest + fee,
            remaining,
        )


def accrual_periods(terms: ScheduleTerms) -> list[Period]:
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
        periods.append(Period(day, due, previous, (day - previous).days, *regular_rate))
        previous = day
    first = periods[0]
    if not is_regular_first_period(terms.start_date, first.contractual, terms.frequency):
        days = terms.day_count.days(terms.start_date, first.contractual)
        periods[0] = first._replace(
            rate_numerator=terms.annual_rate * days, rate_denominator=terms.day_count.basis
        )
    return periods
