"""APR by the method each jurisdiction prescribes, over all of the borrower's cash flows.

A standalone calculator: it imports nothing of the project, and everything is ``Decimal``.

* ``periods`` — unit-periods, payment dates, Appendix J's counting of whole periods and odd days;
* ``regz`` — Regulation Z Appendix J's actuarial solver (``us_reg_z``);
* ``china`` — China's annualized rate by IRR (``cn_irr``), the same equation;
* ``aprc`` — the EU Consumer Credit Directive's APRC and the UK's (``eu_aprc``, ``uk_aprc``);
* ``methods`` — ``apr_by_method``, one entry point for all four;
* ``base`` — the result, the method names and their disclosure precision.

Every public name stays importable from ``calc.apr``.
"""

from calc.apr.aprc import annual_percentage_rate_of_charge, year_fraction
from calc.apr.base import AprMethod, AprResult, parse_apr_method
from calc.apr.china import annualized_rate_irr
from calc.apr.errors import AprError
from calc.apr.methods import apr_by_method
from calc.apr.periods import (
    UnitPeriod,
    infer_unit_period,
    payment_dates,
    regular_payments,
    unit_periods_between,
)
from calc.apr.regz import annual_percentage_rate

__all__ = [
    "AprError",
    "AprMethod",
    "AprResult",
    "UnitPeriod",
    "annual_percentage_rate",
    "annual_percentage_rate_of_charge",
    "annualized_rate_irr",
    "apr_by_method",
    "infer_unit_period",
    "parse_apr_method",
    "payment_dates",
    "regular_payments",
    "unit_periods_between",
    "year_fraction",
]
