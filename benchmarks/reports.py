"""Reports on a large portfolio: the aging report, the credit-bureau file and the ECL report for
100,000 loans.

Builds the portfolio in bulk — borrowers and loans with `bulk_create`, their schedules with one
INSERT … SELECT, the disbursements through `ledger.services.entries_post_bulk` — disbursed from
January to June 2026, about one loan in six behind on its payments. It captures the month ends
January to May (the bureau file's history), then, in a fresh process so that its memory is the
reports' alone, times the aging report, the June credit-bureau file (streamed to a file) and the
ECL report (every loan in stage 1: no close staged it), as of 2026-06-30, rebuilt from history
(no close ran). Prints figures, then a JSON object as its last line: loans, aging_seconds,
bureau_seconds, ecl_seconds, peak_rss_mb (of the measuring process), and build and capture
times.

    python benchmarks/reports.py [--loans 100000] [--database NAME]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

AS_OF = date(2026, 6, 30)
BATCH = 10_000


def build(loans: int) -> dict:
    from django.db import connection, transaction

    from ledger.partitions import journal_partitions_ensure
    from ledger.services import (
        EntrySpec,
        LineSpec,
        business_date_advance,
        business_date_current,
        entries_post_bulk,
    )
    from loans import pii
    from loans.models import Borrower, Loan, Product

    started = time.perf_counter()
    product = Product.objects.create(
        code="bench-cash",
        name="Bench cash loan",
        method="equal_principal",
        annual_rate=Decimal("0.18"),
        min_amount=Decimal("100"),
        max_amount=Decimal("100000"),
    )
    opened = [date(2026, month, 1 + (n % 28)) for month in range(1, 7) for n in range(28)]
    for first in range(0, loans, BATCH):
        numbers = range(first, min(first + BATCH, loans))
        people = Borrower.objects.bulk_create(
            Borrower(
                name=f"Borrower {n}",
                national_id_ciphertext="bench",
                national_id_digest=pii.digest(f"110101199001{n:06d}"),
                national_id_masked="1101**********",
            )
            for n in numbers
        )
        Loan.objects.bulk_create(
            Loan(
                reference=f"BENCH{n:09d}",
                borrower=person,
                product=product,
                status="active",
                currency="CNY",
                principal=Decimal(1000 + (n % 50) * 200),
                annual_rate=Decimal("0.18"),
                term=6 + (n % 3) * 3,
                method="equal_principal",
                frequency="monthly",
                day_count="act/360",
                rounding="half_up",
                application_date=opened[n % len(opened)],
                start_date=opened[n % len(opened)],
                disbursed_on=opened[n % len(opened)],
                apr_nominal=Decimal("0.18"),
                apr_effective=Decimal("0.1956"),
            )
            for n, person in zip(numbers, people, strict=True)
        )
    with connection.cursor() as cursor:
        # Monthly installments of equal principal; paid on their due dates before June 30,
        # except that a loan whose id ends in 85..99 stopped paying 1 to 5 installments ago.
        cursor.execute(
            """
            INSERT INTO loans_installment (loan_id, number, period_start, due_date,
                days_in_period, principal_due, interest_due, fee_due, penalty_due,
                interest_accrued, fee_charged, principal_paid, interest_paid, fee_paid,
                penalty_paid, status, paid_on)
            SELECT l.id, n, (l.disbursed_on + (n - 1) * interval '1 month')::date, due, 30,
                   round(l.principal / l.term, 2), round(l.principal * 0.015, 2), 0, 0,
                   round(l.principal * 0.015, 2), 0,
                   CASE WHEN paid THEN round(l.principal / l.term, 2) ELSE 0 END,
                   CASE WHEN paid THEN round(l.principal * 0.015, 2) ELSE 0 END, 0, 0,
                   CASE WHEN paid THEN 'paid' WHEN due <= %(as_of)s THEN 'due'
                        ELSE 'scheduled' END,
                   CASE WHEN paid THEN due END
              FROM loans_loan l
             CROSS JOIN LATERAL generate_series(1, l.term) n
             CROSS JOIN LATERAL (SELECT (l.disbursed_on + n * interval '1 month')::date AS due) d
             CROSS JOIN LATERAL (
                SELECT d.due < %(as_of)s AND n <= (
                    SELECT COUNT(*) FROM generate_series(1, l.term) k
                     WHERE (l.disbursed_on + k * interval '1 month')::date < %(as_of)s
                ) - CASE WHEN l.id %% 100 >= 85 THEN 1 + l.id %% 5 ELSE 0 END AS paid) p
            """,
            {"as_of": AS_OF},
        )
    specs = [
        EntrySpec(
            kind="disbursement",
            business_date=opened_on,
            idempotency_key=f"disbursement:{loan_id}",
            lines=(
                LineSpec(account="1303", debit=principal, loan_id=loan_id),
                LineSpec(account="1002", credit=principal),
            ),
        )
        for loan_id, principal, opened_on in Loan.objects.values_list(
            "id", "principal", "disbursed_on"
        ).iterator(chunk_size=BATCH)
    ]
    # The monthly journal partitions the close creates ahead of each month (so that reports
    # of a past date prune the months after it, as they do on a lender's books).
    journal_partitions_ensure(since=date(2026, 1, 1), through=AS_OF + timedelta(days=31))
    with transaction.atomic():
        entries_post_bulk(specs=specs, actor="bench")
    del specs
    while business_date_current() <= AS_OF:
        business_date_advance(to=business_date_current() + timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk load
    built = time.perf_counter() - started

    from compliance.reports.month_end import month_end_capture

    started = time.perf_counter()
    for month in range(1, 6):
        day = date(2026, month + 1, 1) - timedelta(days=1)
        month_end_capture(business_date=day)
    captured = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE compliance_loanmonthend")
    return {"build_seconds": round(built, 1), "capture_seconds_5_months": round(captured, 2)}


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM): unlike getrusage's ru_maxrss, it starts afresh
    at exec, so the builder's memory does not count."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return _django.peak_rss_mb()


def measure(database: str) -> dict:
    """Run in a fresh process: the reports' own time and memory."""
    _django.setup(database, fresh=False)
    from compliance.reports.export import export_chunks
    from compliance.reports.registry import report_build

    started = time.perf_counter()
    aging = report_build(name="aging", as_of=AS_OF)
    aging_seconds = time.perf_counter() - started
    started = time.perf_counter()
    size = 0
    bureau = report_build(name="credit_bureau", as_of=AS_OF)
    with open("/dev/null", "w", encoding="ascii") as sink:
        for chunk in export_chunks(bureau, "txt"):
            size += len(chunk)
            sink.write(chunk)
    bureau_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ecl = report_build(name="ecl", as_of=AS_OF)
    ecl_seconds = time.perf_counter() - started
    return {
        "aging_seconds": round(aging_seconds, 3),
        "aging_loans": aging.totals["loans"],
        "aging_principal": str(aging.totals["principal"]),
        "aging_source": aging.meta["state_source"],
        "bureau_seconds": round(bureau_seconds, 3),
        "bureau_records": bureau.totals["records"],
        "bureau_bytes": size,
        "bureau_status_counts": bureau.totals["by_status"],
        "ecl_seconds": round(ecl_seconds, 3),
        "ecl_loans": ecl.totals["loans"],
        "ecl_total": str(ecl.totals["ecl"]),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    _django.add_database_argument(parser)
    args = parser.parse_args()
    database = _django.database_name(args.database, "reports")
    if args.measure_only:
        print(json.dumps(measure(database)))
        return
    _django.setup(database)
    figures = build(args.loans)
    from django.db import connections

    connections.close_all()
    print(
        f"built {args.loans} loans in {figures['build_seconds']} s; "
        f"5 month ends captured in {figures['capture_seconds_5_months']} s"
    )
    out = subprocess.run(
        [sys.executable, __file__, "--measure-only", "--database", database],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    measured = json.loads(out.strip().splitlines()[-1])
    print(
        f"aging report ({measured['aging_loans']} loans, {measured['aging_source']}): "
        f"{measured['aging_seconds']} s"
    )
    print(
        f"credit-bureau file ({measured['bureau_records']} records, "
        f"{measured['bureau_bytes']} bytes): {measured['bureau_seconds']} s"
    )
    print(f"ECL report ({measured['ecl_loans']} loans): {measured['ecl_seconds']} s")
    print(f"peak RSS of the measuring process: {measured['peak_rss_mb']} MB")
    print(json.dumps({"loans": args.loans, **measured, **figures}))


if __name__ == "__main__":
    main()
