"""Equal principal (等额本金) and the flat per-period fee plan (分期手续费): one level principal,
interest (if any) on the balance left; the last installment takes the principal left."""

from __future__ import annotations

from decimal import Decimal

from calc.schedules.periods import Period
from calc.terms import ZERO, Installment, ScheduleTerms


def rows_level_principal(
    terms: ScheduleTerms, periods: list[Period], level: Decimal, with_interest: bool
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
        rows.append(period.row(number, principal, interest, fee, balance))
    return rows
