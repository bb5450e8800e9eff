"""Interest-only then bullet (先息后本) and the single bullet (一次性还本付息).

A bullet's one installment carries the interest of every period to maturity (and the fee of all
of them): ``simple`` — the periods' interest on the principal, summed over one common denominator
so it stays one division; ``compound_monthly`` — interest added to the balance at each monthly
period end, P × Π(1 + r_k) − P, the odd first period (if any) at its days' rate. Either way the
interest is rounded once, at the end.
"""

from __future__ import annotations

import math

from calc.schedules.periods import Period
from calc.terms import ZERO, BulletInterest, Installment, Schedule, ScheduleTerms


def interest_only(terms: ScheduleTerms, periods: list[Period]) -> Schedule:
    rounder = terms.rounder
    fee = terms.period_fee
    principal = terms.principal
    nothing = rounder(ZERO)
    last = len(periods)
    rows = []
    for number, period in enumerate(periods, start=1):
        interest = rounder(period.interest(principal))
        repaid = principal if number == last else nothing
        rows.append(period.row(number, repaid, interest, fee, principal - repaid))
    return Schedule(terms, tuple(rows), None)


def bullet(terms: ScheduleTerms, periods: list[Period]) -> Schedule:
    rounder = terms.rounder
    principal = terms.principal
    if terms.bullet_interest is BulletInterest.COMPOUND_MONTHLY:
        grown = principal
        for period in periods:
            grown += grown * period.rate_numerator / period.rate_denominator
        interest = rounder(grown - principal)
    else:
        # Σ numerator_i / denominator_i over one common denominator: still one division.
        common = math.lcm(*(period.rate_denominator for period in periods))
        numerator = sum(
            (period.rate_numerator * (common // period.rate_denominator) for period in periods),
            ZERO,
        )
        interest = rounder(principal * numerator / common)
    base = principal if terms.fee_base is None else terms.fee_base
    fee = rounder(base * terms.fee_rate * len(periods))
    maturity = periods[-1]
    row = Installment(
        1,
        maturity.due,
        maturity.contractual,
        terms.start_date,
        (maturity.contractual - terms.start_date).days,
        principal,
        interest,
        fee,
        principal + interest + fee,
        rounder(ZERO),
    )
    return Schedule(terms, (row,), None)
