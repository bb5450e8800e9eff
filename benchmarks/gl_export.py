"""The general-ledger export at size: one accounting period of LINES journal lines (daily
accruals of LOANS loans, posted in bulk one business day at a time, as the close posts them),
exported as CSV and as JSON through the same streaming code the command and the admin use, the
output written to a null sink. Also times the period's close (maker-checker: openings recorded,
trial balance frozen). The last line printed is a JSON object with the figures.

    python benchmarks/gl_export.py [--lines 1000000] [--database NAME]

Target (issue 15): 1M lines exported in under 30 s.
"""

import argparse
import json
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

LOANS = 50_000
PERIOD = date(2027, 1, 1)
TARGET_SECONDS = 30


def day_specs(day: date, entries: int, offset: int):
    from ledger.services import EntrySpec, LineSpec

    amount = Decimal("1.23")
    return [
        EntrySpec(
            kind="accrual",
            business_date=day,
            idempotency_key=f"accrual:{day}:{n}",
            memo="daily accrual",
            lines=(
                LineSpec(account="1132", debit=amount, loan_id=(offset + n) % LOANS + 1),
                LineSpec(account="6011", credit=amount, loan_id=(offset + n) % LOANS + 1),
            ),
        )
        for n in range(entries)
    ]


def load(lines: int) -> int:
    from django.db import transaction

    from ledger.services import entries_post_bulk

    days = [PERIOD + timedelta(days=n) for n in range(31)]
    per_day = lines // 2 // len(days)
    posted = 0
    for day in days:
        with transaction.atomic():
            entries_post_bulk(specs=day_specs(day, per_day, posted), actor="bench")
        posted += per_day * 2
    return posted


def exported(fmt: str) -> tuple[float, int]:
    """(seconds, characters) for the whole export streamed to nowhere."""
    from ledger.gl_export import gl_export

    started = time.perf_counter()
    size = sum(len(chunk) for chunk in gl_export(PERIOD, fmt=fmt))
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000, help="journal lines in the period")
    _django.add_database_argument(parser)
    args = parser.parse_args()
    database = _django.database_name(args.database, "gl_export")
    _django.setup(database)
    from django.db import connection

    from ledger.models import BusinessDate
    from ledger.partitions import journal_partitions_ensure
    from ledger.periods import period_close_approve, period_close_request
    from ledger.services import business_date_open

    business_date_open(on=PERIOD)
    journal_partitions_ensure(since=PERIOD, through=date(2027, 2, 28))
    print(f"posting {args.lines:,} lines in {PERIOD:%Y-%m} ...", flush=True)
    started = time.perf_counter()
    lines = load(args.lines)
    print(f"  posted {lines:,} lines in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_journalline")
    BusinessDate.objects.update(current=date(2027, 2, 1))

    figures: dict[str, object] = {"lines": lines}
    for fmt in ("csv", "json"):
        seconds, size = exported(fmt)
        figures[f"{fmt}_seconds"] = round(seconds, 2)
        figures[f"{fmt}_lines_per_second"] = round(lines / seconds)
        figures[f"{fmt}_mb"] = round(size / 1e6, 1)
        print(f"{fmt}: {seconds:.2f} s, {lines / seconds:,.0f} lines/s, {size / 1e6:.1f} MB")
    started = time.perf_counter()
    period_close_request(month=PERIOD, actor="bench-maker")
    period_close_approve(month=PERIOD, actor="bench-checker")
    figures["period_close_seconds"] = round(time.perf_counter() - started, 2)
    seconds, _ = exported("csv")
    figures["csv_seconds_closed"] = round(seconds, 2)
    print(f"period close: {figures['period_close_seconds']} s; CSV once closed: {seconds:.2f} s")
    figures["target_seconds"] = TARGET_SECONDS
    figures["within_target"] = max(figures["csv_seconds"], figures["json_seconds"]) < TARGET_SECONDS
    print(
        f"target: 1M lines < {TARGET_SECONDS} s — {'met' if figures['within_target'] else 'MISSED'}"
    )
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
