"""Active 12-month cash loans in bulk for benchmarks: products, loans, schedules and their
disbursement entries written set-based (bulk_create and COPY), not through the services."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

BATCH = 2_000
PRINCIPAL = Decimal("12000.00")


def bench_product(code: str, name: str):
    from loans.models import Product

    return Product.objects.create(
        code=code,
        name=name,
        method="equal_installment",
        annual_rate=Decimal("0.12"),
        min_amount=Decimal("100"),
        max_amount=Decimal("100000"),
        max_term=36,
    )


def active_loans(*, product, borrowers: Sequence, start: date, reference: str) -> list[int]:
    """One disbursed loan per borrower in `borrowers` (repeat a borrower for several loans);
    returns the loan ids in the same order."""
    from django.db import transaction

    from calc.schedules import build_schedule
    from ledger import chart
    from ledger.services import EntrySpec, LineSpec, entries_post_bulk
    from loans.models import Installment, Loan
    from loans.terms import product_terms

    terms = product_terms(
        product, principal=PRINCIPAL, term=12, start_date=start, annual_rate=product.annual_rate
    )
    rows = build_schedule(terms).installments
    ids: list[int] = []
    with transaction.atomic():
        for first in range(0, len(borrowers), BATCH):
            loans = Loan.objects.bulk_create(
                Loan(
                    reference=f"{reference}{first + n:07d}",
                    borrower=borrower,
                    product=product,
                    status=Loan.Status.ACTIVE,
                    currency="CNY",
                    principal=PRINCIPAL,
                    annual_rate=product.annual_rate,
                    term=12,
                    method=product.method,
                    frequency=product.frequency,
                    day_count=product.day_count,
                    rounding=product.rounding,
                    application_date=start,
                    start_date=start,
                    disbursed_on=start,
                    maturity_date=rows[-1].due_date,
                    apr_nominal=Decimal("0.12"),
                    apr_effective=Decimal("0.1268"),
                )
                for n, borrower in enumerate(borrowers[first : first + BATCH])
            )
            Installment.objects.bulk_create(
                Installment(
                    loan=loan,
                    number=row.number,
                    period_start=row.period_start,
                    due_date=row.due_date,
                    days_in_period=row.days_in_period,
                    principal_due=row.principal,
                    interest_due=row.interest,
                    fee_due=row.fee,
                )
                for loan in loans
                for row in rows
            )
            ids += [loan.pk for loan in loans]
        entries_post_bulk(
            specs=[
                EntrySpec(
                    kind="disbursement",
                    business_date=start,
                    idempotency_key=f"disbursement:{loan_id}",
                    lines=(
                        LineSpec(account=chart.LOANS_PRINCIPAL, debit=PRINCIPAL, loan_id=loan_id),
                        LineSpec(account=chart.CASH, credit=PRINCIPAL),
                    ),
                )
                for loan_id in ids
            ],
            actor="bench",
        )
    return ids
