"""Accounting periods: finance closes a month of the books, maker-checker, and nothing posts into
it afterwards.

A period (a calendar month of business dates) can be closed once its last business date is
closed (the business date is past it); after the first close, periods close in order:
one member of finance asks (`period_close_request`), another approves (`period_close_approve`).
The approval records the month's and the next month's opening balances and freezes the period's
trial balance (`PeriodBalance`: opening, movements and closing per account).

Afterwards an entry dated in a closed period is booked in the first open period instead: its
value date stays what it was (the correction's economic date) and its memo says where it was
booked and why (`booked_in_open_period`, called by the posting services). The database refuses
any other writer's entry dated in a closed period (migration 0008). Since nothing can enter a
closed month, its lines and its trial balance read the same forever.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import ProgrammingError, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from core.money import ZERO

from .errors import PeriodCloseRefused
from .models import (
    Account,
    AccountingPeriod,
    BusinessDate,
    JournalLine,
    JournalMonth,
    MonthOpening,
    PeriodBalance,
)
from .partitions import add_months, journal_openings_capture, month_end, month_start
from .specs import EntrySpec

MEMO_LIMIT = 255


@dataclass(frozen=True)
class PeriodRow:
    """One account's line of a period's trial balance (totals; balances on the normal side)."""

    code: str
    name: str
    currency: str
    credit_normal: bool
    opening_debit: Decimal
    opening_credit: Decimal
    period_debit: Decimal
    period_credit: Decimal

    def _signed(self, debit: Decimal, credit: Decimal) -> Decimal:
        return credit - debit if self.credit_normal else debit - credit

    @property
    def opening(self) -> Decimal:
        return self._signed(self.opening_debit, self.opening_credit)

    @property
    def movement(self) -> Decimal:
        return self._signed(self.period_debit, self.period_credit)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.movement


CACHE_SECONDS = 5.0
"""How long a process trusts what it read of the closed periods. A close happens once a month;
a process that has not seen one yet posts into the newly closed month, the database refuses the
entry (`PeriodClosedRefusal`) and the retry books it in the open period."""
_cache: list[tuple[float, date | None]] = []


def closed_through(*, fresh: bool = False) -> date | None:
    """The first day of the latest closed period (None: no period is closed)."""
    now = time.monotonic()
    if not fresh and _cache and now - _cache[0][0] < CACHE_SECONDS:
        return _cache[0][1]
    try:
        with transaction.atomic():
            last = AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED).aggregate(
                last=Max("month")
            )["last"]
    except ProgrammingError:
        last = None  # a database migrated back before the periods (the migration tests)
    _cache[:] = [(now, last)]
    return last


def closed_periods_forget() -> None:
    """Read the closed periods afresh at the next posting."""
    _cache.clear()


def period_is_closed(day: date) -> bool:
    last = closed_through(fresh=True)
    return last is not None and day <= month_end(last)


def booked_in_open_period(spec: EntrySpec, last_closed: date | None) -> EntrySpec:
    """The entry as it is booked: unchanged in an open period; dated in a closed one, booked on
    the first day of the first open period, keeping its value date, its memo saying so."""
    if last_closed is None or spec.business_date > month_end(last_closed):
        return spec
    booked_on = add_months(last_closed, 1)
    note = (
        f"[booked in {booked_on:%Y-%m}: period {spec.business_date:%Y-%m} closed; "
        f"value date {spec.effective_value_date}]"
    )
    memo = f"{spec.memo} {note}" if spec.memo else note
    return replace(
        spec,
        business_date=booked_on,
        value_date=spec.effective_value_date,
        memo=memo[-MEMO_LIMIT:] if len(memo) > MEMO_LIMIT else memo,
    )


def specs_in_open_periods(specs: Sequence[EntrySpec]) -> Sequence[EntrySpec]:
    """`booked_in_open_period` over a batch, the closed periods read once."""
    last = closed_through()
    if last is None or all(spec.business_date > month_end(last) for spec in specs):
        return specs
    return [booked_in_open_period(spec, last) for spec in specs]


def _current_business_date() -> date | None:
    return (
        BusinessDate.objects.filter(lender=settings.LEDGER_LENDER)
        .values_list("current", flat=True)
        .first()
    )


def period_close_request(*, month: date, actor: str) -> AccountingPeriod:
    """Ask for `month`'s close (the maker). Refused while its last business date is open, when
    it is not the month after the last closed one, or when it is already asked for or closed."""
    month = month_start(month)
    with transaction.atomic():
        existing = AccountingPeriod.objects.select_for_update().filter(month=month).first()
        if existing is not None:
            raise PeriodCloseRefused(
                f"The period {month:%Y-%m} is already {existing.get_status_display().lower()}."
            )
        current = _current_business_date()
        if current is None or current <= month_end(month):
            raise PeriodCloseRefused(
                f"The period {month:%Y-%m} still has business dates to close "
                f"(the business date is {current})."
            )
        last = closed_through(fresh=True)
        if last is not None and month != add_months(last, 1):
            raise PeriodCloseRefused(
                f"Periods close in order: the next to close is {add_months(last, 1):%Y-%m}, "
                f"not {month:%Y-%m}."
            )
        return AccountingPeriod.objects.create(
            month=month,
            status=AccountingPeriod.Status.CLOSE_REQUESTED,
            requested_by=actor,
            requested_at=timezone.now(),
        )


def period_close_approve(*, month: date, actor: str) -> AccountingPeriod:
    """Approve `month`'s close (the checker, not the maker): openings recorded, the trial
    balance frozen, the period closed, in one transaction."""
    month = month_start(month)
    with transaction.atomic():
        period = AccountingPeriod.objects.select_for_update().filter(month=month).first()
        if period is None or period.status != AccountingPeriod.Status.CLOSE_REQUESTED:
            raise PeriodCloseRefused(f"No close of the period {month:%Y-%m} is waiting.")
        if period.requested_by == actor:
            raise PeriodCloseRefused(
                f"{actor} asked for the close of {month:%Y-%m}: another person approves it."
            )
        journal_openings_capture(through=add_months(month, 1))
        PeriodBalance.objects.bulk_create(
            PeriodBalance(
                month=month,
                account_id=account_id,
                opening_debit=row.opening_debit,
                opening_credit=row.opening_credit,
                period_debit=row.period_debit,
                period_credit=row.period_credit,
            )
            for account_id, row in _live_rows(month).items()
        )
        period.status = AccountingPeriod.Status.CLOSED
        period.closed_by = actor
        period.closed_at = timezone.now()
        period.save(update_fields=["status", "closed_by", "closed_at"])
        transaction.on_commit(closed_periods_forget)
    closed_periods_forget()
    return period


def period_trial_balance(month: date) -> list[PeriodRow]:
    """The period's trial balance: frozen rows of a closed period, else read from the journal
    (the month's recorded openings when there are, plus its lines)."""
    month = month_start(month)
    frozen = list(
        PeriodBalance.objects.filter(month=month)
        .select_related("account")
        .order_by("account__code", "account__currency")
    )
    if frozen:
        return [_row(item.account, item) for item in frozen]
    accounts = {account.pk: account for account in Account.objects.all()}
    rows = _live_rows(month)
    return sorted(
        (_row(accounts[pk], row) for pk, row in rows.items()),
        key=lambda row: (row.code, row.currency),
    )


@dataclass
class _Totals:
    opening_debit: Decimal = ZERO
    opening_credit: Decimal = ZERO
    period_debit: Decimal = ZERO
    period_credit: Decimal = ZERO


def _live_rows(month: date) -> dict[int, _Totals]:
    following = add_months(month, 1)
    totals: dict[int, _Totals] = {}
    if JournalMonth.objects.filter(month=month).exists():
        opening = MonthOpening.objects.filter(month=month).values_list(
            "account_id", "debit_total", "credit_total"
        )
    else:
        opening = (
            JournalLine.objects.filter(business_date__lt=month)
            .values("account_id")
            .annotate(debit=Sum("debit"), credit=Sum("credit"))
            .values_list("account_id", "debit", "credit")
        )
    for account_id, debit, credit in opening:
        row = totals.setdefault(account_id, _Totals())
        row.opening_debit, row.opening_credit = debit or ZERO, credit or ZERO
    movements = (
        JournalLine.objects.filter(business_date__gte=month, business_date__lt=following)
        .values("account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .values_list("account_id", "debit", "credit")
    )
    for account_id, debit, credit in movements:
        row = totals.setdefault(account_id, _Totals())
        row.period_debit, row.period_credit = debit or ZERO, credit or ZERO
    return totals


def _row(account: Account, totals) -> PeriodRow:
    return PeriodRow(
        code=account.code,
        name=account.name,
        currency=account.currency,
        credit_normal=account.normal_side == Account.Side.CREDIT,
        opening_debit=totals.opening_debit,
        opening_credit=totals.opening_credit,
        period_debit=totals.period_debit,
        period_credit=totals.period_credit,
    )
