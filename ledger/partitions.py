"""The journal's monthly partitions, monthly opening balances and archive (PostgreSQL).

Lines are partitioned by month of business date (migration 0006, whose SQL does the work; these
services call it). A line whose month has no partition yet lands in the default partition rather
than failing: a posting is never refused for want of storage, and a repayment arriving on the
first day of a month nobody prepared for is still booked. `journal_partitions_ensure` creates the
months ahead (the close calls it) and moves any line it finds in the default partition into its
month's new partition, reporting how many it moved, so a missed month shows and is repaired
rather than passing silently.

Monthly openings make a past-date read one month's partition plus one row per account; the
database computes them when a month is recorded (`journal_openings_capture`) and keeps them right
when a line is later posted before the month. Archiving detaches every month before a date into
the schema `ledger_archive`, keeping the archived lines' totals as openings (per account, and per
(account, loan) for the loans' balances); posting into an archived month is refused.

On other databases (the SQLite demo) there is one plain table: creating partitions and capturing
openings do nothing and archiving is refused.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from .errors import JournalMaintenanceRefused
from .models import BusinessDate

DEFAULT_PARTITION = "ledger_journalline_default"
ARCHIVE_TABLE = "ledger_archive.journalline"


@dataclass(frozen=True)
class PartitionsEnsured:
    created: list[str]
    moved_from_default: int


@dataclass(frozen=True)
class ArchiveResult:
    before: date
    lines: int
    partitions: list[str]


@dataclass(frozen=True)
class JournalLayout:
    partitions: list[tuple[date, str]]
    default_lines: int
    archived: list[tuple[date, str]]
    archived_before: date | None
    openings: list[date]


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def journal_partitions_ensure(*, through: date, since: date | None = None) -> PartitionsEnsured:
    """Make sure every month from `since` (default: the current business date) through `through`
    has its partition, and that no line is left in the default partition. Idempotent."""
    if not partitioned():
        return PartitionsEnsured(created=[], moved_from_default=0)
    since = since or business_date() or through
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION}")
        in_default = cursor.fetchone()[0]
        created = _ledger_call(
            cursor, "SELECT ledger_journal_partitions_ensure(%s, %s)", [since, through]
        )
    return PartitionsEnsured(created=[row[0] for row in created], moved_from_default=in_default)


def journal_openings_capture(*, through: date) -> list[date]:
    """Record the opening balances of `through`'s month, which must have begun, and of every
    month between it and the latest recorded before it. Idempotent; returns the months recorded
    now."""
    if not partitioned():
        return []
    last = month_start(through)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(month), bool_or(month = %s) FROM ledger_journalmonth WHERE month <= %s",
            [last, last],
        )
        latest, recorded = cursor.fetchone()
        if recorded:
            return []
        months = [last]
        while latest and add_months(latest, len(months)) < last:
            months.insert(-1, add_months(latest, len(months)))
        for month in months:
            _ledger_call(
                cursor,
                "INSERT INTO ledger_journalmonth (month, openings_captured_at)"
                " VALUES (%s, now()) ON CONFLICT (month) DO NOTHING",
                [month],
                fetch=False,
            )
    return months


def journal_archive(*, before: date) -> ArchiveResult:
    """Move every line before the month `before` (a first day of a month) into the archive
    schema, keeping their totals as opening balances. Months from the one of the last closed
    business date (the day before the current one) on are open and cannot be archived."""
    if not partitioned():
        raise JournalMaintenanceRefused(
            "The journal is archived on PostgreSQL only; this database keeps one plain table."
        )
    if before != month_start(before):
        raise JournalMaintenanceRefused(f"Archive by whole months: {before} is not a first day.")
    today = business_date()
    if today is None:
        raise JournalMaintenanceRefused("The books are not open: there is no business date yet.")
    first_open = month_start(today - timedelta(days=1))
    if before > first_open:
        raise JournalMaintenanceRefused(
            f"{first_open:%Y-%m} and later months are open (last closed business "
            f"date {today - timedelta(days=1)}); lines before {before:%Y-%m} cannot all be "
            "archived."
        )
    horizon = journal_layout().archived_before
    if horizon is not None and before <= horizon:
        raise JournalMaintenanceRefused(f"The journal is already archived before {horizon:%Y-%m}.")
    # Lines of those months still in the default partition go to their own partitions first,
    # and the openings the trial balance will start from are captured.
    journal_partitions_ensure(since=before - timedelta(days=1), through=before - timedelta(days=1))
    journal_openings_capture(through=before)
    with transaction.atomic(), connection.cursor() as cursor:
        moving = [name for month, name in _partitions(cursor) if month < before]
        (lines,) = _ledger_call(
            cursor,
            "INSERT INTO ledger_journalarchive (before, archived_at, lines)"
            " VALUES (%s, now(), 0) RETURNING lines",
            [before],
        )[0]
    return ArchiveResult(before=before, lines=lines, partitions=moving)


def journal_layout() -> JournalLayout:
    """Where the journal's lines are: partitions, the default partition, the archive."""
    if not partitioned():
        return JournalLayout([], 0, [], None, [])
    with connection.cursor() as cursor:
        live = _partitions(cursor)
        archived = _partitions(cursor, ARCHIVE_TABLE)
        cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION}")
        default_lines = cursor.fetchone()[0]
        cursor.execute("SELECT max(before) FROM ledger_journalarchive")
        horizon = cursor.fetchone()[0]
        cursor.execute("SELECT month FROM ledger_journalmonth ORDER BY month")
        openings = [row[0] for row in cursor.fetchall()]
    return JournalLayout(live, default_lines, archived, horizon, openings)


def partition_tables() -> dict[date, str]:
    """Month → the partition holding its lines, for writers that address partitions directly
    (bulk posting copies into them: see `ledger.bulk`)."""
    with connection.cursor() as cursor:
        return dict(_partitions(cursor))


def archived_entry_lines(entry_id: int) -> list[tuple[str, int | None, Decimal, Decimal]]:
    """(account code, loan, debit, credit) of an entry's lines in the archive, in posting order
    (a reversal of an entry whose month is archived mirrors them)."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.code, l.loan_id, l.debit, l.credit FROM {ARCHIVE_TABLE} l"
            " JOIN ledger_account a ON a.id = l.account_id WHERE l.entry_id = %s ORDER BY l.id",
            [entry_id],
        )
        return cursor.fetchall()


def _partitions(cursor, parent: str = "ledger_journalline") -> list[tuple[date, str]]:
    cursor.execute("SELECT month, name FROM ledger_journal_partitions(%s)", [parent])
    return list(cursor.fetchall())


def business_date() -> date | None:
    """The lender's current business date, or None before the books are opened."""
    return (
        BusinessDate.objects.filter(lender=settings.LEDGER_LENDER)
        .values_list("current", flat=True)
        .first()
    )


def _ledger_call(cursor, sql: str, params, *, fetch: bool = True):
    """Run maintenance SQL; the database's own refusals come back as domain errors."""
    try:
        with transaction.atomic():
            cursor.execute(sql, params)
            return cursor.fetchall() if fetch else None
    except DatabaseError as exc:
        message = str(exc).splitlines()[0]
        if message.startswith("ledger: "):
            raise JournalMaintenanceRefused(message.removeprefix("ledger: ")) from exc
        raise
