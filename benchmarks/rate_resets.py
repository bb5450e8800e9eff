"""The close's `rate_resets` step for N floating-rate loans all due a reset on one date.

Builds N active 12-month loans (one-year LPR + 6%, floor 10%, reset every 3 months, signed at
12%) in bulk, three months in, then runs the step over them chunk by chunk as the close would
(each chunk in its own transaction): every loan is repriced to 10% and its last nine installments
rewritten in place. Prints seconds, loans per second, the rows written and peak memory, and a second run
(nothing due: the cost of an idle reset day). The last line is a JSON object with the figures.

    python benchmarks/rate_resets.py [--loans 100000] [--chunk-size 5000] [--database NAME]
"""

import argparse
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402
import _portfolio  # noqa: E402

START = date(2025, 10, 15)
RESET = date(2026, 1, 15)


def build(loans: int) -> None:
    from loans.models import Borrower, Loan

    product = _portfolio.bench_product("bench-floating", "Benchmark floating-rate loan")
    borrower = Borrower(name="Bench borrower")
    borrower.set_national_id("110101199001010000")
    borrower.save()
    _portfolio.active_loans(
        product=product, borrowers=[borrower] * loans, start=START, reference="FLT"
    )
    Loan.objects.update(
        rate_index="lpr_1y",
        rate_margin=Decimal("0.06"),
        rate_floor=Decimal("0.10"),
        rate_ceiling=Decimal("0.15"),
        rate_reset_months=3,
        next_rate_reset=RESET,
    )


def run_step(chunk_size: int) -> tuple[float, int]:
    from django.db import transaction

    from loans.eod.common import Chunk
    from loans.eod.rate_resets import rate_resets_run
    from loans.models import Loan

    first, last = (
        Loan.objects.order_by("id").values_list("id", flat=True)[0],
        (Loan.objects.order_by("-id").values_list("id", flat=True)[0]),
    )
    repriced = 0
    started = time.perf_counter()
    for low in range(first, last + 1, chunk_size):
        with transaction.atomic():
            result = rate_resets_run(Chunk(RESET, low, min(low + chunk_size - 1, last)))
        repriced += result.loans
    return time.perf_counter() - started, repriced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=5_000)
    _django.add_database_argument(parser)
    args = parser.parse_args()
    _django.setup(_django.database_name(args.database, "rate_resets"))
    from django.db import connection

    from loans.models import Installment, LoanModification

    started = time.perf_counter()
    build(args.loans)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE loans_loan")
        cursor.execute("VACUUM ANALYZE loans_installment")
    print(f"built {args.loans} floating-rate loans in {time.perf_counter() - started:.1f} s")
    seconds, repriced = run_step(args.chunk_size)
    idle, _ = run_step(args.chunk_size)
    cancelled = Installment.objects.filter(status="cancelled").count()
    rewritten = (
        Installment.objects.filter(period_start__gte=RESET).exclude(status="cancelled").count()
        - cancelled
    )
    assert LoanModification.objects.count() == repriced
    print(f"rate_resets: {repriced} loans repriced in {seconds:.2f} s ({repriced / seconds:.0f}/s)")
    print(
        f"  {rewritten} installments rewritten in place, {cancelled} replaced (cancelled and "
        f"written again); a second run: {idle:.2f} s"
    )
    print(
        json.dumps(
            {
                "loans": args.loans,
                "repriced": repriced,
                "seconds": round(seconds, 2),
                "loans_per_second": round(repriced / seconds),
                "idle_run_seconds": round(idle, 2),
                "target_seconds": 10,
                "peak_rss_mb": _django.peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
