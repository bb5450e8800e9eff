"""The pure calculation core: money, day counts, due dates, schedules, pricing, quotes.

No Django here, so it is fast and property-testable. APR (by the jurisdiction's method), the
jurisdictions and rate caps live in ``compliance.apr``, ``compliance.jurisdictions`` and
``compliance.rate_caps``, which this package calls.
"""

from loans.calc.accrual import accrued_interest, accrued_through, daily_accruals
from loans.calc.calendar import Frequency, ShiftRule, contractual_due_dates, get_calendar
from loans.calc.daycount import DayCount
from loans.calc.money import Rounding, minor_unit_for, quantize
from loans.calc.pricing import RiskPricing, ScoreBand
from loans.calc.quote import Quote, quote, schedule_apr
from loans.calc.schedules import (
    Installment,
    Method,
    RescheduleMode,
    Schedule,
    ScheduleError,
    ScheduleTerms,
    annuity_payment,
    build_schedule,
    reschedule,
)

__all__ = [
    "DayCount",
    "Frequency",
    "Installment",
    "Method",
    "Quote",
    "RescheduleMode",
    "RiskPricing",
    "Rounding",
    "Schedule",
    "ScheduleError",
    "ScheduleTerms",
    "ScoreBand",
    "ShiftRule",
    "accrued_interest",
    "accrued_through",
    "annuity_payment",
    "build_schedule",
    "contractual_due_dates",
    "daily_accruals",
    "get_calendar",
    "minor_unit_for",
    "quantize",
    "quote",
    "reschedule",
    "schedule_apr",
]
