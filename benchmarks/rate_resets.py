"""The close's `rate_resets` step for N floating-rate loans all due a reset on one date.

Builds N active 12-month loans (one-year LPR + 6%, floor 10%, reset every 3 months, signed at
12%) in bulk, three months in, then runs the step over them chunk by chunk as the close would
(each chunk in its own transaction): every loan is repriced to 10% and its last nine installments
rewritten in place. Prints seconds, loans per second, the rows written and peak memory, and a second run
(nothing due: the cost of an idle reset day). Also the CPU seconds the step used, in the client and
in its database backends: on a shared machine they move far less with other people's load than
wall time. The last line is a JSON object with the figures.

`--workers N` runs the chunks in N processes at once, each with its own connection, as N close
workers share a step's chunks (`loans.eod.workers.close_work`; the Celery close queues
`CLOSE_WORKERS` of them); the default, 1, is one process chunk after chunk.

    python benchmarks/rate_resets.py [--loans 100000] [--chunk-size 5000] [--workers 1]
                                     [--database NAME]
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


def chunks(chunk_size: int) -> list[tuple[int, int]]:
    from loans.models import Loan

    first, last = (
        Loan.objects.order_by("id").values_list("id", flat=True)[0],
        (Loan.objects.order_by("-id").values_list("id", flat=True)[0]),
    )
    return [(low, min(low + chunk_size - 1, last)) for low in range(first, last + 1, chunk_size)]


def run_chunks(bounds: list[tuple[int, int]]) -> tuple[int, float, float]:
    """Run the step over `bounds` in this process: (loans repriced, client and backend CPU
    seconds)."""
    from django.db import transaction

    from loans.eod.common import Chunk
    from loans.eod.rate_resets import rate_resets_run

    client, backend = _django.cpu_seconds()
    repriced = 0
    for low, high in bounds:
        with transaction.atomic():
            repriced += rate_resets_run(Chunk(RESET, low, high)).loans
    client_after, backend_after = _django.cpu_seconds()
    return repriced, client_after - client, (backend_after or 0) - (backend or 0)


def _worker(bounds: list[tuple[int, int]], results) -> None:
    results.put(run_chunks(bounds))


def run_step(chunk_size: int, workers: int = 1) -> tuple[float, int, float, float]:
    """(seconds, loans repriced, client CPU seconds, backend CPU seconds) of the step over every
    chunk, in this process or shared by `workers` processes (chunk i to worker i mod N)."""
    import multiprocessing

    from django.db import connections

    bounds = chunks(chunk_size)
    started = time.perf_counter()
    if workers <= 1:
        repriced, client, backend = run_chunks(bounds)
        return time.perf_counter() - started, repriced, client, backend
    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [
        context.Process(target=_worker, args=(bounds[number::workers], results))
        for number in range(workers)
    ]
    for process in processes:
        process.start()
    done = [results.get() for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a worker failed (exit code {process.exitcode})")
    seconds = time.perf_counter() - started
    return seconds, *(sum(figures) for figures in zip(*done, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=1)
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
    seconds, repriced, client_cpu, backend_cpu = run_step(args.chunk_size, args.workers)
    idle, *_ = run_step(args.chunk_size, args.workers)
    cancelled = Installment.objects.filter(status="cancelled").count()
    rewritten = (
        Installment.objects.filter(period_start__gte=RESET).exclude(status="cancelled").count()
        - cancelled
    )
    assert LoanModification.objects.count() == repriced
    print(
        f"rate_resets: {repriced} loans repriced in {seconds:.2f} s ({repriced / seconds:.0f}/s, "
        f"{args.workers} worker(s)); CPU {client_cpu:.2f} s client + {backend_cpu:.2f} s backend"
    )
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
                "workers": args.workers,
                "client_cpu_seconds": round(client_cpu, 2),
                "backend_cpu_seconds": round(backend_cpu, 2),
                "idle_run_seconds": round(idle, 2),
                "target_seconds": 10,
                "peak_rss_mb": _django.peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
