"""The cost of one loan modification: its quote (preview) and its request + approval (apply),
for a loan with 12 and with 360 monthly periods left.

Each case signs and disburses loans through the services (equal installments at 12%), then
times, per loan, a quote of a rate change (12% to 10%, every period rebuilt), and a request and approval of
it (the apply: rows replaced, entry posted if anything was recognized, record written), each in
its own transaction. Prints milliseconds per call (median and worst) per case; the last line is
a JSON object with the figures. `--yield-fee`: the product charges a 1% upfront fee declared part
of the yield, so applying re-spreads a deferred amount (the EIR is solved on every apply either
way).

    python benchmarks/modifications.py [--loans 30] [--yield-fee] [--database NAME]
"""

import argparse
import json
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

START = date(2026, 1, 1)  # LEDGER_INITIAL_BUSINESS_DATE in config.settings.test


def signed_loans(term: int, count: int, yield_fee: bool = False) -> list:
    from loans.models import Borrower, Product
    from loans.services.disbursement import loan_disburse
    from loans.services.origination import loan_approve, loan_create

    product = Product.objects.create(
        code=f"bench-mod-{term}",
        name=f"Benchmark {term} months",
        method="equal_installment",
        annual_rate=Decimal("0.12"),
        min_amount=Decimal("100"),
        max_amount=Decimal("10000000"),
        min_term=1,
        max_term=360,
        cooling_off_days=0,
        **(
            {"upfront_fee_amount": Decimal("1200.00"), "yield_fees": ["upfront_fee"]}
            if yield_fee
            else {}
        ),
    )
    loans = []
    for number in range(count):
        borrower = Borrower(name=f"Bench {term} {number}")
        borrower.set_national_id(f"1101011990{term:03d}{number:05d}")
        borrower.save()
        loan = loan_create(
            borrower=borrower,
            product=product,
            principal=Decimal("120000.00"),
            term=term,
            application_date=START,
            start_date=START,
            actor="bench",
        )
        loan = loan_approve(loan=loan, business_date=START, actor="bench")
        loans.append(loan_disburse(loan=loan, business_date=START, actor="bench"))
    return loans


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def case(term: int, count: int, yield_fee: bool = False) -> dict[str, float]:
    from django.db import transaction

    from loans.services.modifications import (
        modification_approve,
        modification_quote,
        modification_request,
    )

    loans = signed_loans(term, count, yield_fee)
    parameters = {"annual_rate": "0.10"}
    quotes, applies = [], []
    for loan in loans:
        quotes.append(
            timed(
                lambda loan=loan: modification_quote(
                    loan=loan,
                    kind="rate_change",
                    effective_date=START,
                    parameters=parameters,
                    business_date=START,
                )
            )
        )

        def apply(loan=loan):
            with transaction.atomic():
                modification = modification_request(
                    loan=loan,
                    kind="rate_change",
                    effective_date=START,
                    parameters=parameters,
                    business_date=START,
                    requested_by="maker",
                )
                modification_approve(
                    modification=modification, checker="checker", business_date=START
                )

        applies.append(timed(apply))
    return {
        "quote_ms_median": round(statistics.median(quotes), 1),
        "quote_ms_max": round(max(quotes), 1),
        "apply_ms_median": round(statistics.median(applies), 1),
        "apply_ms_max": round(max(applies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=30)
    parser.add_argument("--yield-fee", action="store_true")
    _django.add_database_argument(parser)
    args = parser.parse_args()
    _django.setup(_django.database_name(args.database, "modifications"))
    from loans.reconciliation import reconcile

    result = {}
    for term in (12, 360):
        figures = case(term, args.loans, args.yield_fee)
        result[f"{term}_periods"] = figures
        print(
            f"{term:>3} periods: quote {figures['quote_ms_median']} ms (max "
            f"{figures['quote_ms_max']}), request + apply {figures['apply_ms_median']} ms "
            f"(max {figures['apply_ms_max']})"
        )
    assert not reconcile()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
