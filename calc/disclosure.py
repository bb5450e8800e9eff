"""The APR a contract discloses, and its cap check: one rule for every way a loan is signed.

An upfront fee withheld from the payout is in the quote's flows already (the borrower receives
the principal less the fee). A fee the borrower pays with the first installment instead is a
cash flow of that installment, so the disclosed APR is that of those flows, by the quote's APR
method (the jurisdiction's), checked against the cap in force on the start date (none where the
jurisdiction has no APR ceiling).
"""

from __future__ import annotations

from calc.apr import AprResult, apr_by_method
from calc.quote import Quote
from calc.rate_caps import CapCheck, capped_check


def disclosed_apr(
    quote: Quote, *, upfront_fee_withheld: bool, jurisdiction: str, cap_rule: str | None
) -> tuple[AprResult, CapCheck | None]:
    schedule = quote.schedule
    fee = schedule.totals.upfront_fee
    if upfront_fee_withheld or not fee:
        return quote.apr, quote.rate_cap
    terms = schedule.terms
    flows = schedule.cash_flows()
    flows[0] = (flows[0][0] + fee, flows[0][1])
    apr = apr_by_method(
        quote.apr.method,
        terms.principal,
        terms.start_date,
        flows,
        unit_period=terms.frequency.value,
        guess=terms.periodic_rate,
    )
    check = capped_check(apr.nominal, jurisdiction, on_date=terms.start_date, rule=cap_rule or None)
    return apr, check
