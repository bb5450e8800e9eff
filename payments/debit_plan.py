"""When an auto-debit attempt may go out: pure decisions over the rule's limits (no Django).

Attempts fall on one local day at the rule's first-attempt time and then every `spacing`, never
in the quiet hours (an attempt that would fall in them waits for their end, that day only), at
most `per_day` a day and `per_installment` in all; what does not fit today waits for the next
close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class DebitLimits:
    per_day: int
    per_installment: int
    first_attempt_at: time
    spacing: timedelta
    quiet_from: time
    quiet_until: time


def in_quiet_hours(moment: time, limits: DebitLimits) -> bool:
    start, end = limits.quiet_from, limits.quiet_until
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # wraps past midnight


def _out_of_quiet(candidate: datetime, limits: DebitLimits) -> datetime | None:
    """The candidate, or the end of the quiet hours it falls in if that is the same day."""
    if not in_quiet_hours(candidate.time(), limits):
        return candidate
    end = candidate.replace(
        hour=limits.quiet_until.hour,
        minute=limits.quiet_until.minute,
        second=0,
        microsecond=0,
    )
    return end if end > candidate else None


def first_attempt(
    day: date, limits: DebitLimits, *, attempts_total: int, tzinfo=None
) -> datetime | None:
    """The day's first attempt, or None when the installment has had all its attempts."""
    if attempts_total >= limits.per_installment or limits.per_day < 1:
        return None
    return _out_of_quiet(datetime.combine(day, limits.first_attempt_at, tzinfo), limits)


def next_attempt(
    after: datetime, limits: DebitLimits, *, attempts_today: int, attempts_total: int
) -> datetime | None:
    """The retry after a failed attempt at `after`, or None (today's or all attempts used, or
    no time left today outside the quiet hours)."""
    if attempts_today >= limits.per_day or attempts_total >= limits.per_installment:
        return None
    candidate = after + limits.spacing
    if candidate.date() != after.date():
        return None
    candidate = _out_of_quiet(candidate, limits)
    if candidate is None or candidate.date() != after.date():
        return None
    return candidate
