"""The partitioned journal at size: bulk posting, past-date trial balances, openings, archiving.

Builds MONTHS months of LINES journal lines each (daily accruals of LOANS loans, posted in bulk one
business day at a time, as the close posts them), then times a trial balance at an early and at a
late past date three ways, through the same selector: scanning every partition (partition pruning
off, as one unpartitioned table would be read), with pruning alone (every partition up to the
date) and with monthly openings (one partition plus one row per account). Then it times capturing
the openings and archiving the older half of the months, and checks that the trial balances read
the same after each step. Figures are medians of three reads; the database may use parallel
workers for the scans, as it would in production. The last line printed is a JSON
object with the figures.

    python benchmarks/journal_partitions.py [--months 12] [--lines 500000] [--database NAME]
"""

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

LOANS = 50_000
FIRST = date(2025, 1, 1)


def months_from(first: date, count: int) -> list[date]:
    return [
        date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1)
        for n in range(count)
    ]


def day_specs(day: date, entries: int, offset: int):
    from ledger.services import EntrySpec, LineSpec

    amount = Decimal("1.23")
    return [
        EntrySpec(
            kind="accrual",
            business_date=day,
            idempotency_key=f"accrual:{day}:{n}",
            lines=(
                LineSpec(account="1132", debit=amount, loan_id=(offset + n) % LOANS + 1),
                LineSpec(account="6011", credit=amount, loan_id=(offset + n) % LOANS + 1),
            ),
        )
        for n in range(entries)
    ]


def load(months: list[date], lines_per_month: int) -> tuple[float, float | None, int]:
    """Post every month's lines day by day; (lines/s, backend CPU seconds, lines)."""
    from django.db import transaction

    from ledger.services import entries_post_bulk

    posted = 0
    wall = 0.0
    backend = 0.0
    for month in months:
        days = [month + timedelta(days=n) for n in range(28)]
        per_day = lines_per_month // 2 // len(days)
        for day in days:
            specs = day_specs(day, per_day, posted)
            _, backend_before = _django.cpu_seconds()
            started = time.perf_counter()
            with transaction.atomic():
                entries_post_bulk(specs=specs, actor="bench")
            wall += time.perf_counter() - started
            _, backend_after = _django.cpu_seconds()
            if backend_before is not None:
                backend += backend_after - backend_before
            posted += per_day * 2
        print(f"  {month:%Y-%m}: {posted:,} lines so far", flush=True)
    return posted / wall, (round(backend, 2) if backend else None), posted


def timed(read, *args, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = read(*args)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4), result


def unpruned_rows(as_of: date):
    """The same read with partition pruning off: every partition is scanned, as one
    unpartitioned table would be."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_partition_pruning = off")
        return tb_rows(as_of)


def tb_rows(as_of: date):
    from ledger.selectors import trial_balance

    return [(r.code, r.currency, r.debit, r.credit) for r in trial_balance(as_of=as_of).rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--lines", type=int, default=500_000, help="journal lines per month")
    _django.add_database_argument(parser)
    args = parser.parse_args()
    if args.months < 4:
        raise SystemExit("--months must be at least 4 (half of them are archived)")

    database = _django.database_name(args.database, "journal_partitions")
    _django.setup(database)
    from django.db import connection

    from ledger.partitions import (
        journal_archive,
        journal_openings_capture,
        journal_partitions_ensure,
    )
    from ledger.services import business_date_open

    months = months_from(FIRST, args.months)
    today = months_from(FIRST, args.months + 1)[-1] + timedelta(days=9)
    business_date_open(on=today)
    journal_partitions_ensure(since=months[0], through=today)

    print(f"posting {args.months} months x {args.lines:,} lines ...", flush=True)
    bulk_rate, bulk_backend, lines = load(months, args.lines)
    print(f"bulk posting: {bulk_rate:,.0f} lines/s (backend {bulk_backend} s CPU)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_journalline")

    dates = {"early": months[1] + timedelta(days=14), "late": months[-2] + timedelta(days=14)}
    times = {}
    expected = {}
    for name, as_of in dates.items():
        times[f"{name}_every_partition"], expected[name] = timed(unpruned_rows, as_of)
        times[f"{name}_pruned"], pruned = timed(tb_rows, as_of)
        assert pruned == expected[name]

    started = time.perf_counter()
    captured = journal_openings_capture(through=months[0])
    captured += journal_openings_capture(through=today)
    capture_seconds = time.perf_counter() - started
    print(f"captured the openings of {len(captured)} months in {capture_seconds:.2f} s")
    for name, as_of in dates.items():
        times[f"{name}_with_openings"], read = timed(tb_rows, as_of)
        assert read == expected[name], "openings changed the trial balance"
        print(
            f"trial balance at {as_of} ({name}): every partition "
            f"{times[f'{name}_every_partition']:.3f} s, pruned {times[f'{name}_pruned']:.3f} s,"
            f" with openings {times[f'{name}_with_openings']:.3f} s"
        )
    as_of = dates["late"]

    archive_before = months[args.months // 2]
    at_dates = [None, as_of, months[1] + timedelta(days=3)]
    reads_before = [tb_rows(day) if day else tb_rows(today) for day in at_dates]
    started = time.perf_counter()
    archived = journal_archive(before=archive_before)
    archive_seconds = time.perf_counter() - started
    reads_after = [tb_rows(day) if day else tb_rows(today) for day in at_dates]
    assert reads_after == reads_before, "archiving changed a trial balance"
    print(
        f"archived {archived.lines:,} lines before {archive_before:%Y-%m} "
        f"({len(archived.partitions)} partitions) in {archive_seconds:.2f} s"
    )
    post_archive, _ = timed(tb_rows, as_of)

    result = {
        "months": args.months,
        "lines": lines,
        "bulk_lines_per_second": round(bulk_rate, 1),
        "bulk_backend_cpu_seconds": bulk_backend,
        "trial_balance_dates": {name: day.isoformat() for name, day in dates.items()},
        "trial_balance_seconds": times,
        "trial_balance_seconds_late_after_archive": post_archive,
        "openings_capture_seconds": round(capture_seconds, 2),
        "archive_seconds": round(archive_seconds, 2),
        "archived_lines": archived.lines,
        "archived_partitions": len(archived.partitions),
        "trial_balance_unchanged_by_archive": reads_after == reads_before,
        "peak_rss_mb": _django.peak_rss_mb(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
