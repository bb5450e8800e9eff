"""Repayment schedules for the five amortization methods, exact to the minor unit.

The builders live by what they do: ``periods`` (accrual periods, the annuity payment),
``rounding`` (level amounts and their rounding), ``level_payment`` (equal installments),
``level_principal`` (equal principal, flat fee), ``bullet`` (interest-only and bullet) and
``reschedule`` (after a partial prepayment). Every public name stays importable from here.

Conventions (one set, used by every method):

* **Periodic rate.** A regular monthly period earns ``annual_rate / 12`` (what Chinese lenders and
  published calculators use); a regular weekly or biweekly period earns
  ``annual_rate × 7 / basis`` or ``× 14 / basis``, the basis being the day count's year (360 for
  ACT/360 and 30/360, 365 for ACT/365F).
* **Odd first period.** When the first due date is not exactly one period after the start, the
  first period earns interest for its own length under the day count:
  ``principal × annual_rate × days / basis``. Only the first installment's *interest* changes;
  its principal part and every later installment are those of the regular schedule, so an
  equal-installment loan still pays one level amount from the second installment on.
* **Contractual versus due dates.** Interest accrues between *contractual* due dates (the
  unshifted ones); a due date that falls on a non-business day is moved by the shift rule
  without changing any amount, as Chinese consumer lenders do. Each installment reports both
  dates, and ``days_in_period`` counts the calendar days of its accrual period. APR uses the
  shifted due dates: they are when the borrower actually pays.
* **Rounding.** Each period's interest and the per-period fee are rounded to the minor unit with
  the product's rounding mode. The level payment (equal installment) and the level principal
  (equal principal, flat fee) are rounded by the product's *installment rounding*: to the minor
  unit (``cent``, the product's mode, the default), to a whole unit (whole yuan) or to a multiple
  (10, 100), each up, half-up or down. The **last installment absorbs every remainder**: its
  principal is whatever balance is left, so principal sums exactly to the loan amount and the
  balance ends at exactly zero. If rounding the level amount up would retire the loan before its
  last period (tiny amounts over long terms), the level amount is lowered by rounding steps until
  the last installment is non-negative; equal-installment payments move the other way if
  rounding left a payment below a period's interest (``last_absorbs``). Under the
  ``rounded_once`` convention the payment is never moved and the last installment pays it too,
  its interest carrying the rounding residue (see ``level_payment``).
* **Fees.** ``fee_rate`` is charged every period on ``fee_base`` (default: the principal), the
  分期手续费 definition; a bullet's single installment carries the fee of all its periods. The
  upfront fee (``upfront_fee`` plus ``upfront_fee_rate × principal``) is withheld from the
  disbursement: the borrower receives ``net_disbursement``.
* **Bullet.** 一次性还本付息: one installment at the end of the term, with the simple interest of
  all its periods (the same interest an interest-only loan pays, without compounding), or, with
  ``bullet_interest="compound_monthly"``, interest compounded at each monthly period end.
"""

from __future__ import annotations

from calc.schedules.build import build_schedule
from calc.schedules.periods import annuity_payment
from calc.schedules.reschedule import reschedule
from calc.terms import (
    MAX_TERM,
    BulletInterest,
    Installment,
    LevelConvention,
    Method,
    RescheduleMode,
    Schedule,
    ScheduleError,
    ScheduleTerms,
    ScheduleTotals,
    parse_method,
)

__all__ = [
    "MAX_TERM",
    "BulletInterest",
    "Installment",
    "LevelConvention",
    "Method",
    "RescheduleMode",
    "Schedule",
    "ScheduleError",
    "ScheduleTerms",
    "ScheduleTotals",
    "annuity_payment",
    "build_schedule",
    "parse_method",
    "reschedule",
]
