"""China's disclosure of the annualized rate by the IRR method (``cn_irr``).

PBoC announcement 〔2021〕 No. 3 asks lenders to show the annualized rate (年化利率) of every
consumer loan, computed over all of the borrower's cash flows, fees included, by the internal rate
of return: the periodic IRR × the periods in a year. That is the actuarial equation of
``calc.apr.regz`` with the schedule's frequency as the unit-period, shown to two decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from calc.apr.base import AprMethod, AprResult
from calc.apr.periods import UnitPeriod
from calc.apr.regz import annual_percentage_rate

__all__ = ["annualized_rate_irr"]


def annualized_rate_irr(
    advance: Decimal,
    start_date: date,
    payments: Iterable[tuple[Decimal, date]],
    *,
    unit_period: UnitPeriod | str | None = None,
    fee: Decimal = Decimal(0),
    guess: Decimal | None = None,
) -> AprResult:
    """The 年化利率 (IRR 口径) of one advance repaid by ``payments``."""
    return annual_percentage_rate(
        advance,
        start_date,
        payments,
        unit_period=unit_period,
        fee=fee,
        guess=guess,
        method=AprMethod.CN_IRR,
    )
