"""One entry point for every APR method: ``apr_by_method(method, …)``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from calc.apr.aprc import annual_percentage_rate_of_charge
from calc.apr.base import AprMethod, AprResult, parse_apr_method
from calc.apr.china import annualized_rate_irr
from calc.apr.periods import UnitPeriod
from calc.apr.regz import annual_percentage_rate

__all__ = ["apr_by_method"]


def apr_by_method(
    method: AprMethod | str,
    advance: Decimal,
    start_date: date,
    payments: Iterable[tuple[Decimal, date]],
    *,
    unit_period: UnitPeriod | str | None = None,
    fee: Decimal = Decimal(0),
    guess: Decimal | None = None,
) -> AprResult:
    """The APR of one advance (less ``fee`` withheld) repaid by ``payments`` under ``method``
    (``us_reg_z``, ``cn_irr``, ``eu_aprc``, ``uk_aprc``); the result names its method."""
    chosen = method if isinstance(method, AprMethod) else parse_apr_method(method)
    options = {"unit_period": unit_period, "fee": fee, "guess": guess}
    if chosen.is_aprc:
        return annual_percentage_rate_of_charge(
            advance, start_date, payments, method=chosen, **options
        )
    if chosen is AprMethod.CN_IRR:
        return annualized_rate_irr(advance, start_date, payments, **options)
    return annual_percentage_rate(advance, start_date, payments, **options)
