"""Credit decisions per second: applications decided with the built-in scorecard, one process.

Builds N borrowers and their submitted applications (bulk), a tenth of the borrowers with a
credit line already open (so exposure and history have something to read), then decides them in
batches through `applications_decide`: the set-based fact gathering (velocity per ID, phone and
device, block list, exposure, repayment history), the pure pipeline (rules, scorecard, pricing
band and limit, APR disclosure by IRR for approvals) and the stored trail (decisions and their
steps bulk-inserted, applications updated, credit lines opened). Also times one application at
a time (the API's path) for comparison. The last line printed is a JSON object.

    python benchmarks/decisions.py [--applications 5000] [--batch 500] [--database NAME]
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

TARGET = 500
ON = date(2026, 1, 15)
NOON = datetime(2026, 1, 15, 4, 0, tzinfo=UTC)
REGIONS = ("110101", "310101", "440301", "510104", "330106")


def build(applications: int) -> list[int]:
    """Borrowers and their submitted applications, bulk-inserted; returns the application ids."""
    from loans import pii
    from loans.models import Borrower, Product
    from origination.identity import make_national_id
    from origination.models import LoanApplication

    product = Product.objects.create(
        code="bench-cash",
        name="Bench cash loan",
        product_type="cash_loan",
        method="equal_installment",
        annual_rate=Decimal("0.18"),
        min_amount=Decimal("500"),
        max_amount=Decimal("200000"),
        min_term=3,
        max_term=36,
    )
    borrowers = []
    identities = []
    for n in range(applications):
        birth = date(1965, 1, 1) + timedelta(days=(n * 211) % 15000)
        national_id = make_national_id(REGIONS[n % len(REGIONS)], birth, n)
        mobile = f"139{n:08d}"
        borrower = Borrower(name=f"Borrower {n}")
        borrower.set_national_id(national_id)
        borrower.set_mobile(mobile)
        borrowers.append(borrower)
        identities.append((national_id, mobile, birth))
    borrowers = Borrower.objects.bulk_create(borrowers, batch_size=2000)
    rows = []
    for n, (borrower, (national_id, mobile, birth)) in enumerate(
        zip(borrowers, identities, strict=True)
    ):
        income = Decimal(1500 + (n * 7919) % 40000)
        rows.append(
            LoanApplication(
                reference=f"APBENCH{n:010d}",
                borrower=borrower,
                product=product,
                requested_amount=Decimal(1000 + (n * 104729) % 50000),
                requested_term=(3, 6, 12, 24)[n % 4],
                purpose="consumption",
                declared_monthly_income=income,
                # Every 50th applicant misspells the name: an identity mismatch to refer.
                declared_name=borrower.name if n % 50 else f"{borrower.name}x",
                national_id_digest=pii.digest(national_id),
                national_id_masked=pii.mask_national_id(national_id),
                mobile_digest=pii.digest(mobile),
                mobile_masked=pii.mask_phone(mobile),
                birth_date=birth,
                residence_region=national_id[:2],
                consents=["credit_bureau", "data_processing"],
                # One device in a hundred is shared by eight applicants (velocity refers them).
                device_id=f"device-{n // 8}" if n % 800 < 8 else f"device-{n}",
                channel=("app", "web", "merchant")[n % 3],
                business_date=ON,
                submitted_at=NOON + timedelta(seconds=n),
            )
        )
    created = LoanApplication.objects.bulk_create(rows, batch_size=2000)
    return [application.id for application in created]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--single", type=int, default=200, help="decided one at a time")
    _django.add_database_argument(parser)
    args = parser.parse_args()
    _django.setup(_django.database_name(args.database, "decisions"))

    from origination.models import DecisionStep, LoanApplication
    from origination.services.applications import application_decide, applications_decide
    from origination.services.policies import policy_version_active

    policy_version_active()  # publish the default policy
    ids = build(args.applications + args.single)
    warm, batched, single = ids[:100], ids[100 : args.applications], ids[args.applications :]
    # A first batch opens lines for a tenth of the borrowers' peers and warms every cache.
    applications_decide(application_ids=warm, business_date=ON)

    load_before = os.getloadavg()[0]
    cpu_started = time.process_time()
    started = time.perf_counter()
    rates = []
    for start in range(0, len(batched), args.batch):
        chunk = batched[start : start + args.batch]
        chunk_started = time.perf_counter()
        applications_decide(application_ids=chunk, business_date=ON)
        rates.append(len(chunk) / (time.perf_counter() - chunk_started))
    batch_seconds = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(batched)
    rate = len(batched) / batch_seconds

    started = time.perf_counter()
    for application in LoanApplication.objects.filter(id__in=single).order_by("id"):
        application_decide(application=application, business_date=ON)
    single_seconds = time.perf_counter() - started
    single_rate = len(single) / single_seconds

    outcomes = Counter(
        LoanApplication.objects.filter(id__in=batched).values_list("status", flat=True)
    )
    steps = DecisionStep.objects.filter(decision__application_id__in=batched).count()
    print(f"applications decided (batches of {args.batch}): {len(batched)}")
    print(f"  seconds:                 {batch_seconds:.2f}")
    print(f"  decisions per second:    {rate:.0f}  (target >= {TARGET})")
    print(f"  per batch: median {statistics.median(rates):.0f}, best {max(rates):.0f}")
    print(f"  this process's CPU:      {cpu_ms:.2f} ms per decision (the rest is PostgreSQL)")
    print(f"  load average before:     {load_before:.1f} on {os.cpu_count()} CPUs")
    print(f"  outcomes:                {dict(outcomes)}")
    print(f"  trail steps stored:      {steps}")
    print(f"one at a time (the API's path): {single_rate:.0f} decisions/s over {len(single)}")
    print(f"peak memory:               {_django.peak_rss_mb()} MB")
    print(
        json.dumps(
            {
                "decisions_per_second": round(rate, 1),
                "decisions_per_second_single": round(single_rate, 1),
                "applications": len(batched),
                "batch": args.batch,
                "seconds": round(batch_seconds, 3),
                "batch_rate_median": round(statistics.median(rates), 1),
                "batch_rate_best": round(max(rates), 1),
                "client_cpu_ms_per_decision": round(cpu_ms, 3),
                "load_average": round(load_before, 2),
                "outcomes": dict(outcomes),
                "steps_stored": steps,
                "target": TARGET,
                "meets_target": rate >= TARGET,
                "peak_rss_mb": _django.peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
