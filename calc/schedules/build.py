"""Building a schedule: the method's rows over the accrual periods (see the package docstring
for the conventions)."""

from __future__ import annotations

import decimal

from calc.schedules.bullet import bullet, interest_only
from calc.schedules.level_payment import equal_installment
from calc.schedules.level_principal import rows_level_principal
from calc.schedules.periods import PRECISION, accrual_periods
from calc.schedules.rounding import level_principal
from calc.terms import Method, Schedule, ScheduleTerms


def build_schedule(terms: ScheduleTerms) -> Schedule:
    """The repayment schedule of ``terms`` (see the module docstring for the conventions)."""
    with decimal.localcontext() as context:
        context.prec = PRECISION
        periods = accrual_periods(terms)
        method = terms.method
        if method is Method.EQUAL_INSTALLMENT:
            return equal_installment(terms, periods)
        if method is Method.EQUAL_PRINCIPAL or method is Method.FLAT_FEE:
            level = level_principal(terms, len(periods))
            with_interest = method is Method.EQUAL_PRINCIPAL
            rows = rows_level_principal(terms, periods, level, with_interest)
            return Schedule(terms, tuple(rows), level)
        if method is Method.INTEREST_ONLY:
            return interest_only(terms, periods)
        return bullet(terms, periods)
