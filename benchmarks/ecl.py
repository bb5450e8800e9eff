"""The book's expected credit loss at size: LOANS open 12-month loans (their schedules, a mix
of days past due and stages) and twelve month-end captures to estimate roll rates from, written
set-based; then `compliance.ecl.ecl_measure` over the whole book, timed. The last line printed
is a JSON object with the figures.

    python benchmarks/ecl.py [--loans 100000] [--database NAME] [--reuse-book]

Three measures are timed: the first (every pair of month ends counted for the roll rates), the
same again with the caches warm, and a day's measure, as the close takes it: the roll counts of
past months kept (`RollCount`), only the newest pair counted. ``--reuse-book`` measures the
book a previous run left in the database (migrated to the current code) instead of building it.

Targets: 100,000 loans in 10 s or less (issue 15); 1,000,000 in 30 s or less (issue 20).
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

AS_OF = date(2027, 1, 31)
TARGET_SECONDS = {100_000: 10, 1_000_000: 30}
PRINCIPAL = Decimal("12000.00")
RATE = Decimal("0.18")
MONTH_ENDS = [date(2026, m, 28) for m in range(1, 13)] + [AS_OF]


def build(loans: int) -> None:
    from django.db import connection, transaction

    from compliance.models import MonthEndCapture
    from loans.models import Borrower, Loan, Product

    product = Product.objects.create(
        code="bench-ecl",
        name="Benchmark ECL cash loan",
        method="equal_installment",
        annual_rate=RATE,
        min_amount=Decimal("1000"),
        max_amount=Decimal("50000"),
        max_term=12,
    )
    borrower = Borrower(name="Bench borrower")
    borrower.set_national_id("110101199001010001")
    borrower.save()
    template = Loan.objects.create(
        reference="BENCH-TEMPLATE",
        borrower=borrower,
        product=product,
        status=Loan.Status.ACTIVE,
        currency="CNY",
        principal=PRINCIPAL,
        annual_rate=RATE,
        term=12,
        method="equal_installment",
        frequency="monthly",
        day_count="act/360",
        rounding="half_up",
        application_date=AS_OF,
        start_date=AS_OF,
        disbursed_on=AS_OF,
        apr_nominal=RATE,
        apr_effective=RATE,
        effective_rate=Decimal("0.195618171461"),
    )
    columns = [f.column for f in Loan._meta.concrete_fields if f.column != "id"]
    overrides = {
        "reference": "'ECL' || lpad(g::text, 9, '0')",
        "days_past_due": "(CASE WHEN g %% 20 = 0 THEN 45 WHEN g %% 50 = 1 THEN 120 ELSE 0 END)",
        "status": "(CASE WHEN g %% 20 = 0 OR g %% 50 = 1 THEN 'delinquent' ELSE 'active' END)",
        "delinquency_bucket": (
            "(CASE WHEN g %% 20 = 0 THEN '31-60' WHEN g %% 50 = 1 THEN '91-180' ELSE 'current' END)"
        ),
    }
    select = ", ".join(overrides.get(column, f"t.{column}") for column in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO loans_loan ({', '.join(columns)})"
            f" SELECT {select} FROM loans_loan t, generate_series(1, %(n)s) g"
            " WHERE t.id = %(t)s",
            {"n": loans, "t": template.id},
        )
        Loan.objects.filter(pk=template.pk).delete()
        # 12 equal-principal-ish rows per loan: 1,000.00 principal each, interest on the balance
        cursor.execute(
            "INSERT INTO loans_installment (loan_id, number, period_start, due_date,"
            " days_in_period, principal_due, interest_due, fee_due, penalty_due,"
            " interest_accrued, fee_charged, yield_amortization, principal_paid, interest_paid,"
            " fee_paid, penalty_paid, status)"
            " SELECT l.id, n, %(on)s::date + (n - 1) * 30, %(on)s::date + n * 30, 30, 1000.00,"
            " round((13 - n) * 1000.00 * 0.18 / 12, 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 'scheduled'"
            " FROM loans_loan l, generate_series(1, 12) n",
            {"on": AS_OF},
        )
        cursor.execute(
            "INSERT INTO compliance_loanstage (loan_id, stage, reason, since, watch_list)"
            " SELECT id, CASE WHEN days_past_due >= 90 THEN 3 WHEN days_past_due >= 30 THEN 2"
            " ELSE 1 END, 'bench', %(on)s, false FROM loans_loan",
            {"on": AS_OF},
        )
        for number, month_end in enumerate(MONTH_ENDS):
            MonthEndCapture.objects.create(
                month_end=month_end, loans=loans, source="live", business_date=month_end
            )
            cursor.execute(
                "INSERT INTO compliance_loanmonthend (month_end, loan_id, product_id, currency,"
                " status, days_past_due, worst_days_past_due, delinquency_bucket, risk_category,"
                " principal, interest, fees, penalty, suspense, allowance, amount_overdue,"
                " installment_due, bureau_status)"
                " SELECT %(end)s, id, product_id, currency,"
                " CASE WHEN (id + %(k)s) %% 97 = 0 THEN 'charged_off' ELSE 'active' END, 0, 0,"
                " CASE WHEN (id + %(k)s) %% 13 = 0 THEN '1-30' WHEN (id + %(k)s) %% 31 = 0"
                " THEN '31-60' WHEN (id + %(k)s) %% 61 = 0 THEN '61-90' ELSE 'current' END,"
                " 'normal', 0, 0, 0, 0, 0, 0, 0, true, 'N' FROM loans_loan",
                {"end": month_end, "k": number},
            )
    with connection.cursor() as cursor:
        for table in ("loans_loan", "loans_installment", "compliance_loanmonthend"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--reuse-book", action="store_true")
    _django.add_database_argument(parser)
    args = parser.parse_args()
    database = _django.database_name(args.database, "ecl")
    _django.setup(database, fresh=not args.reuse_book)
    from django.core.management import call_command

    from compliance.ecl import ecl_measure
    from compliance.models import MonthEndCapture, RollCount
    from loans.models import Loan

    if args.reuse_book:
        call_command("migrate", verbosity=0)
        args.loans = Loan.objects.count()
        RollCount.objects.all().delete()
        print(f"measuring the {args.loans:,} loans already in {database}", flush=True)
    else:
        started = time.perf_counter()
        build(args.loans)
        print(f"built {args.loans:,} loans and 13 month-end captures in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    client_before, db_before = _django.cpu_seconds()
    started = time.perf_counter()
    results = ecl_measure(as_of=AS_OF)
    seconds = time.perf_counter() - started
    client_after, db_after = _django.cpu_seconds()
    # again, with the caches warm (a close measures the book again for the report)
    started = time.perf_counter()
    ecl_measure(as_of=AS_OF)
    warm = time.perf_counter() - started
    # a day's measure: every month's roll counts kept but the newest pair's
    newest = MonthEndCapture.objects.get(month_end=AS_OF)
    RollCount.objects.filter(after=newest).delete()
    started = time.perf_counter()
    ecl_measure(as_of=AS_OF)
    daily = time.perf_counter() - started
    by_stage: dict[int, Decimal] = {}
    for result in results:
        by_stage[result.stage] = by_stage.get(result.stage, Decimal(0)) + result.ecl
    print(f"ECL of {len(results):,} loans in {seconds:.2f} s "
          f"({len(results) / seconds:,.0f} loans/s)")  # fmt: skip
    cpu = {
        "client": round(client_after - client_before, 2),
        "database_backend": None if db_after is None else round(db_after - db_before, 2),
    }
    print(f"  again (warm): {warm:.2f} s; a day's (the newest pair counted): {daily:.2f} s")
    print(f"  CPU of the first run: {cpu}")
    for stage, amount in sorted(by_stage.items()):
        print(f"  stage {stage}: {amount:,.2f}")
    target = TARGET_SECONDS.get(args.loans)
    figures = {
        "loans": len(results),
        "seconds": round(seconds, 2),
        "seconds_warm": round(warm, 2),
        "seconds_daily": round(daily, 2),
        "cpu_seconds": cpu,
        "loans_per_second": round(len(results) / seconds),
        "ecl_by_stage": {str(stage): str(amount) for stage, amount in sorted(by_stage.items())},
        "target_seconds": target,
        "within_target": None if target is None else daily <= target,
    }
    if target is not None:
        print(f"target: {args.loans:,} loans ≤ {target} s a day — "
              f"{'met' if figures['within_target'] else 'MISSED'}")  # fmt: skip
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
