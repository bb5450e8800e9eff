"""The pure calculation core: money, day counts, due dates, schedules, pricing, quotes, APR by
the IRR method, rate caps, risk classification and delinquency buckets.

No Django and nothing of the project above `core.money`, so it is fast and property-testable,
and every app may call it (an import-linter contract keeps it so). APR (by the jurisdiction's
method), the jurisdictions and rate caps live in ``calc.apr``, ``calc.jurisdictions`` and
``calc.rate_caps``.
"""

from calc.accrual import accrued_interest, accrued_through, daily_accruals
from calc.calendar import Frequency, ShiftRule, contractual_due_dates, get_calendar
from calc.daycount import DayCount
from calc.money import Rounding, minor_unit_for, quantize
from calc.pricing import RiskPricing, ScoreBand
from calc.quote import Quote, quote, schedule_apr
from calc.schedules import (
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
