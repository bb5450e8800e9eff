"""Ledger posting throughput against PostgreSQL, next to a raw PostgreSQL baseline.

Measures single-entry posting with 1 and 4 worker processes (idempotency, stored balances and the
database triggers included), bulk posting of 100,000 entries, pgbench's TPC-B rate
(`pgbench -c 4 -j 2 -T 15`) and a server-side INSERT ... SELECT of the same number of lines.
Next to wall time it reports the CPU seconds the database backends spent per posted entry or
line: on a shared machine they move far less with other people's load than wall time. Where the
journal is partitioned by month (issue 20), the month posted into gets its partition first, as
the close makes sure it has. The last line printed is a JSON object with the figures.

    python benchmarks/ledger_post.py [--seconds 10] [--bulk 100000] [--database NAME]
                                     [--pgbench-seconds 15 (0: skip)]

pgbench runs in a database of its own, named after the benchmark's with `_pgbench` appended.
"""

import argparse
import json
import multiprocessing as mp
import re
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

LOANS = 10_000
ON = date(2026, 1, 1)


def repayment(key: str, loan_id: int):
    from ledger.services import EntrySpec, LineSpec

    return EntrySpec(
        kind="repayment",
        business_date=ON,
        idempotency_key=key,
        lines=(
            LineSpec(account="1002", debit=Decimal("105.00")),
            LineSpec(account="1303", credit=Decimal("100.00"), loan_id=loan_id),
            LineSpec(account="1132", credit=Decimal("5.00"), loan_id=loan_id),
        ),
    )


def worker(args):
    worker_no, seconds, start_at, prefix, database = args
    _django.setup(database, fresh=False)
    from django.db import connection, transaction

    from ledger.services import entry_post

    _, backend_before = _django.cpu_seconds()
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    count = 0
    while time.time() < deadline:
        loan_id = (worker_no * 7919 + count * 104729) % LOANS + 1
        with transaction.atomic():
            entry_post(spec=repayment(f"{prefix}-{worker_no}-{count}", loan_id))
        count += 1
    _, backend_after = _django.cpu_seconds()
    connection.close()
    backend = None if backend_before is None else backend_after - backend_before
    return count, backend


def posting_rate(workers: int, seconds: float, prefix: str, database: str):
    """(entries per second, database backend CPU microseconds per entry)."""
    start_at = time.time() + 2.0
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        results = pool.map(
            worker, [(n, seconds, start_at, prefix, database) for n in range(workers)]
        )
    count = sum(n for n, _ in results)
    backend = None
    if all(cpu is not None for _, cpu in results):
        backend = round(sum(cpu for _, cpu in results) / count * 1e6, 1)
    return count / seconds, backend


def month_partition(day: date) -> bool:
    """Give the month posted into its partition, where the journal is partitioned."""
    try:
        from ledger.partitions import journal_partitions_ensure
    except ImportError:
        return False
    journal_partitions_ensure(since=day, through=day)
    return True


def bulk_rate(entries: int) -> tuple[float, int]:
    from django.db import transaction

    from ledger.services import EntrySpec, LineSpec, entries_post_bulk

    # The end-of-day close's shape: a daily interest accrual per loan, the receivable carrying
    # the loan dimension and the income side on the house account.
    specs = [
        EntrySpec(
            kind="accrual",
            business_date=ON,
            idempotency_key=f"accrual:{n % LOANS + 1}:{ON}:{n}",
            lines=(
                LineSpec(account="1132", debit=Decimal("1.23"), loan_id=n % LOANS + 1),
                LineSpec(account="6011", credit=Decimal("1.23")),
            ),
        )
        for n in range(entries)
    ]
    lines = entries * 2
    client_before, backend_before = _django.cpu_seconds()
    started = time.perf_counter()
    with transaction.atomic():
        entries_post_bulk(specs=specs, actor="bench")
    wall = time.perf_counter() - started
    client_after, backend_after = _django.cpu_seconds()
    backend = None if backend_before is None else backend_after - backend_before
    return lines / wall, lines, backend, client_after - client_before


def insert_select_rate(lines: int) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_lines (LIKE ledger_journalline INCLUDING DEFAULTS)"
        )
        cursor.execute("TRUNCATE bench_lines")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_lines (id, entry_id, account_id, loan_id, debit, credit, currency,"
            " business_date) SELECT g, g / 2, 1, g %% 10000, CASE WHEN g %% 2 = 0 THEN 1.23"
            " ELSE 0 END, CASE WHEN g %% 2 = 1 THEN 1.23 ELSE 0 END, 'CNY', '2026-01-01'"
            " FROM generate_series(1, %s) g",
            [lines],
        )
    return lines / (time.perf_counter() - started)


def pgbench_tps(seconds: int, database: str) -> float:
    _django.scratch_database(database)
    url = _django.database_url(database)
    subprocess.run(["pgbench", "-i", "-s", "10", "-q", url], check=True, capture_output=True)
    out = subprocess.run(
        ["pgbench", "-c", "4", "-j", "2", "-T", str(seconds), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    _django.drop_scratch_database(database)
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    _django.add_database_argument(parser)
    args = parser.parse_args()

    database = _django.database_name(args.database, "ledger_post")
    pgbench_database = _django.database_name(f"{database}_pgbench", "ledger_post")
    _django.setup(database)
    from django.db import connections

    partitioned = month_partition(ON)
    connections.close_all()
    rate_1, cpu_1 = posting_rate(1, args.seconds, "one", database)
    print(f"single-entry posting, 1 worker : {rate_1:8.0f} entries/s ({cpu_1} backend µs/entry)")
    rate_4, cpu_4 = posting_rate(4, args.seconds, "four", database)
    print(f"single-entry posting, 4 workers: {rate_4:8.0f} entries/s ({cpu_4} backend µs/entry)")
    bulk, lines, bulk_backend, bulk_client = bulk_rate(args.bulk)
    print(
        f"bulk posting of {args.bulk} entries: {bulk:8.0f} lines/s"
        f" (backend {bulk_backend} s, client {bulk_client:.2f} s CPU)"
    )
    baseline_insert = insert_select_rate(lines)
    print(f"server-side INSERT ... SELECT of {lines} lines: {baseline_insert:8.0f} lines/s")
    connections.close_all()
    tps = None
    if args.pgbench_seconds > 0:
        tps = pgbench_tps(args.pgbench_seconds, pgbench_database)
        print(f"pgbench -c 4 -j 2 -T {args.pgbench_seconds}: {tps:8.0f} tps")
    result = {
        "journal_partitioned": partitioned,
        "entries_per_second_1": round(rate_1, 1),
        "backend_cpu_us_per_entry_1": cpu_1,
        "entries_per_second_4": round(rate_4, 1),
        "backend_cpu_us_per_entry_4": cpu_4,
        "bulk_entries": args.bulk,
        "bulk_lines_per_second": round(bulk, 1),
        "bulk_backend_cpu_seconds": None if bulk_backend is None else round(bulk_backend, 2),
        "bulk_client_cpu_seconds": round(bulk_client, 2),
        "insert_select_lines_per_second": round(baseline_insert, 1),
        "ratio_bulk_to_insert_select": round(bulk / baseline_insert, 3),
        "pgbench_tps": None if tps is None else round(tps, 1),
        "ratio_to_pgbench_4": None if tps is None else round(rate_4 / tps, 3),
        "peak_rss_mb": _django.peak_rss_mb(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
