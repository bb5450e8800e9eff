"""A quote: the schedule, its APR by the jurisdiction's method and the rate-cap check, in one pure
call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from calc.apr import AprMethod, AprResult, apr_by_method, parse_apr_method
from calc.jurisdictions import JurisdictionError, apr_method_for
from calc.rate_caps import CapCheck, RateCapError, capped_check
from calc.schedules import Schedule, ScheduleTerms, build_schedule


def schedule_apr(schedule: Schedule, method: AprMethod | str = AprMethod.US_REG_Z) -> AprResult:
    """APR over the borrower's flows by ``method``: the net disbursement on the start date, then
    every installment on its (shifted) due date, with the schedule's frequency as the
    unit-period."""
    terms = schedule.terms
    return apr_by_method(
        method,
        terms.principal,
        terms.start_date,
        schedule.cash_flows(),
        unit_period=terms.frequency.value,
        fee=schedule.totals.upfront_fee,
        guess=terms.periodic_rate,
    )


@dataclass(frozen=True, slots=True)
class Quote:
    schedule: Schedule
    apr: AprResult
    rate_cap: CapCheck | None

    def as_dict(self) -> dict[str, object]:
        """The quote API's shape, Decimals and dates kept as such."""
        schedule = self.schedule.as_dict()
        return {
            "terms": schedule["terms"],
            "level_amount": schedule["level_amount"],
            "net_disbursement": schedule["net_disbursement"],
            "installments": schedule["installments"],
            "totals": schedule["totals"],
            "apr": {
                "nominal": self.apr.nominal,
                "effective": self.apr.effective,
                "method": self.apr.method,
                "disclosed_percent": self.apr.disclosed,
            },
            "rate_cap": None if self.rate_cap is None else self.rate_cap.as_dict(),
        }


def quote(
    terms: ScheduleTerms,
    *,
    jurisdiction: str | None = None,
    cap_rule: str | None = None,
    on_date: date | None = None,
    apr_method: AprMethod | str | None = None,
) -> Quote:
    """Schedule, APR and (with a ``jurisdiction``) the cap check on ``on_date``, which defaults
    to the start date (the cap that applies is the one in force when the contract is made).

    The APR method is ``apr_method`` if given, else the jurisdiction's (``cn_irr`` for CN,
    ``eu_aprc`` for EU, …), else Regulation Z's. A jurisdiction without an APR ceiling (and no
    ``cap_rule``) quotes without a cap check."""
    if apr_method is not None:
        method = parse_apr_method(apr_method)
    elif jurisdiction is not None:
        try:
            method = apr_method_for(jurisdiction)
        except JurisdictionError as exc:
            raise RateCapError(str(exc)) from exc
    else:
        method = AprMethod.US_REG_Z
    schedule = build_schedule(terms)
    apr = schedule_apr(schedule, method)
    check = None
    if jurisdiction is not None:
        when = terms.start_date if on_date is None else on_date
        check = capped_check(apr.nominal, jurisdiction, on_date=when, rule=cap_rule)
    return Quote(schedule, apr, check)
