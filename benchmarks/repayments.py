"""Repayments per second through the repayment service, with 1 and 4 worker processes.

Builds a portfolio of 10,000 active 12-month loans in bulk (loans and installments with
`bulk_create`, the disbursements with `entries_post_bulk`), then has workers repay distinct loans
through `loans.services.repayments.loan_repay` (each repayment: lock the loan, read its open
installments, one posting, the installments written back, the repayment and its allocations
inserted) for a fixed time. Each worker repays loans of its own (loan index ≡ worker number
modulo the number of workers), cycling, with 60.00 on the first due date: the first installment
is due that day, so each repayment also recognizes the interest it pays ahead of the close.
For scale, the same harness then posts only the ledger entry such a repayment makes (one
`entry_post` per transaction, no schedule). Reconciliation and the trial balance are checked at
the end. The last line printed is a JSON object with the figures.

    python benchmarks/repayments.py [--seconds 10] [--loans 10000] [--database NAME]
"""

import argparse
import json
import multiprocessing as mp
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402
import _portfolio  # noqa: E402

START = date(2026, 1, 15)
PAY_ON = date(2026, 2, 15)
AMOUNT = Decimal("60.00")


def build_portfolio(count: int) -> list[int]:
    from loans.models import Borrower

    product = _portfolio.bench_product("bench-cash", "Benchmark cash loan")
    borrowers = []
    for number in range(100):
        borrower = Borrower(name=f"Borrower {number}")
        borrower.set_national_id(f"1101011990030{number:05d}")
        borrowers.append(borrower)
    Borrower.objects.bulk_create(borrowers)
    return _portfolio.active_loans(
        product=product,
        borrowers=[borrowers[n % len(borrowers)] for n in range(count)],
        start=START,
        reference="BENCH",
    )


def repay(loan, key: str) -> None:
    from loans.services.repayments import loan_repay

    loan_repay(
        loan=loan,
        amount=AMOUNT,
        value_date=PAY_ON,
        business_date=PAY_ON,
        idempotency_key=key,
        channel="bank_transfer",
        actor="bench",
    )


def post_only(loan, key: str) -> None:
    """The baseline: the ledger posting a repayment makes, alone, in its own transaction."""
    from django.db import transaction

    from ledger import chart
    from ledger.services import EntrySpec, LineSpec, entry_post

    with transaction.atomic():
        entry_post(
            spec=EntrySpec(
                kind="repayment",
                business_date=PAY_ON,
                idempotency_key=key,
                lines=(
                    LineSpec(account=chart.CASH, debit=AMOUNT),
                    LineSpec(account=chart.INTEREST_RECEIVABLE, debit=AMOUNT, loan_id=loan.pk),
                    LineSpec(account=chart.INTEREST_INCOME, credit=AMOUNT, loan_id=loan.pk),
                    LineSpec(account=chart.INTEREST_RECEIVABLE, credit=AMOUNT, loan_id=loan.pk),
                ),
            ),
            actor="bench",
        )


def worker(args):
    worker_no, workers, seconds, start_at, prefix, loan_ids, action, database = args
    _django.setup(database, fresh=False)
    from django.db import connection

    from loans.models import Loan

    run = {"repay": repay, "post": post_only}[action]
    mine = [Loan(pk=pk) for pk in loan_ids[worker_no::workers]]
    connection.ensure_connection()
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    count = 0
    while time.time() < deadline:
        run(mine[count % len(mine)], f"{prefix}-{worker_no}-{count}")
        count += 1
    connection.close()
    return count


def rate(
    workers: int, seconds: float, prefix: str, loan_ids: list[int], action: str, database: str
) -> float:
    start_at = time.time() + 2.0
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        counts = pool.map(
            worker,
            [
                (n, workers, seconds, start_at, prefix, loan_ids, action, database)
                for n in range(workers)
            ],
        )
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--loans", type=int, default=10_000)
    _django.add_database_argument(parser)
    args = parser.parse_args()

    database = _django.database_name(args.database, "repayments")
    _django.setup(database)
    from django.db import connections

    from ledger.selectors import trial_balance
    from loans.models import Repayment
    from loans.reconciliation import reconcile

    started = time.perf_counter()
    loan_ids = build_portfolio(args.loans)
    built = time.perf_counter() - started
    print(f"portfolio of {args.loans} active loans built in {built:.1f} s")
    connections.close_all()
    rate_1 = rate(1, args.seconds, "one", loan_ids, "repay", database)
    print(f"repayments through the service, 1 worker : {rate_1:8.0f} /s")
    rate_4 = rate(4, args.seconds, "four", loan_ids, "repay", database)
    print(f"repayments through the service, 4 workers: {rate_4:8.0f} /s")
    post_4 = rate(4, args.seconds, "post", loan_ids, "post", database)
    print(f"baseline: its ledger posting alone, 4 workers: {post_4:8.0f} /s")
    started = time.perf_counter()
    mismatches = reconcile()
    reconciled = time.perf_counter() - started
    balanced = trial_balance().balanced
    print(
        f"reconcile over {args.loans} loans: {len(mismatches)} mismatches in {reconciled:.2f} s; "
        f"trial balance {'nets to zero' if balanced else 'DOES NOT net to zero'}"
    )
    result = {
        "loans": args.loans,
        "repayments": Repayment.objects.count(),
        "portfolio_build_seconds": round(built, 1),
        "repayments_per_second_1": round(rate_1, 1),
        "repayments_per_second_4": round(rate_4, 1),
        "posting_only_per_second_4": round(post_4, 1),
        "ratio_to_posting_only_4": round(rate_4 / post_4, 3),
        "reconcile_seconds": round(reconciled, 2),
        "reconcile_mismatches": len(mismatches),
        "trial_balance_zero": balanced,
        "peak_rss_mb": _django.peak_rss_mb(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
