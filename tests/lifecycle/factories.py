"""Factories for loan-lifecycle tests: products, borrowers, loans at any stage, and the checks
every scenario ends with. Later suites import these."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from ledger.selectors import trial_balance
from loans.eod import Chunk
from loans.eod.steps import BY_NAME
from loans.models import Allocation, Borrower, Installment, Loan, Product, Repayment
from loans.reconciliation import reconcile
from loans.services.disbursement import loan_disburse
from loans.services.origination import loan_approve, loan_create

_sequence = itertools.count(1)
ACTOR = "tester"


def make_product(**overrides) -> Product:
    """A monthly cash-loan product (equal installments, 12% a year, ACT/360, no fees, 7 days of
    cooling-off) unless overridden."""
    number = next(_sequence)
    fields = {
        "code": f"test-product-{number}",
        "name": f"Test product {number}",
        "method": "equal_installment",
        "frequency": "monthly",
        "day_count": "act/360",
        "annual_rate": Decimal("0.12"),
        "min_amount": Decimal("100"),
        "max_amount": Decimal("1000000"),
        "min_term": 1,
        "max_term": 36,
        "penalty_rate": Decimal("0.18"),
        "cooling_off_days": 7,
    }
    fields.update(overrides)
    return Product.objects.create(**fields)


def make_borrower(name: str = "Zhang Wei", **overrides) -> Borrower:
    number = next(_sequence)
    borrower = Borrower(name=name, **overrides)
    borrower.set_national_id(f"11010119900307{number:04d}")
    borrower.set_mobile(f"1380013{number:04d}")
    borrower.save()
    return borrower


def make_loan(
    principal: Decimal | str = "12000.00",
    term: int = 12,
    start: date = date(2026, 1, 15),
    method: str = "equal_installment",
    *,
    product: Product | None = None,
    borrower: Borrower | None = None,
    approve: bool = True,
    **product_overrides,
) -> Loan:
    """A signed loan (approved unless `approve=False`), not yet disbursed."""
    product = product or make_product(method=method, **product_overrides)
    loan = loan_create(
        borrower=borrower or make_borrower(),
        product=product,
        principal=Decimal(principal),
        term=term,
        application_date=start,
        start_date=start,
        actor=ACTOR,
    )
    if approve:
        loan = loan_approve(loan=loan, business_date=start, actor=ACTOR)
    return loan


def make_active_loan(
    principal: Decimal | str = "12000.00",
    term: int = 12,
    start: date = date(2026, 1, 15),
    method: str = "equal_installment",
    **overrides,
) -> Loan:
    """A loan disbursed on `start` (its schedule built), through the services."""
    loan = make_loan(principal, term, start, method, **overrides)
    return loan_disburse(loan=loan, business_date=start, actor=ACTOR)


def close_steps(on: date, *names: str, loan: Loan | None = None) -> None:
    """Run the close's own steps `names` for business date `on` (over one loan, or all), as a
    close of that date would, without moving the business date: what the close books, through
    the close's code."""
    chunk = Chunk(on, loan.pk, loan.pk) if loan is not None else Chunk(on)
    for name in names:
        BY_NAME[name].run(chunk)


def schedule(loan: Loan) -> list[Installment]:
    return list(
        Installment.objects.filter(loan=loan)
        .exclude(status=Installment.Status.CANCELLED)
        .order_by("due_date", "number")
    )


def assert_books_consistent(*loans: Loan) -> None:
    """Reconciliation passes, the trial balance nets to zero, no installment is overpaid, and
    every applied repayment's amount equals its active allocations plus its overpayment."""
    mismatches = reconcile(loan_ids=[loan.pk for loan in loans] or None)
    assert not mismatches, [str(m) for m in mismatches]
    assert trial_balance().balanced
    rows = Installment.objects.all() if not loans else Installment.objects.filter(loan__in=loans)
    for row in rows:
        for component in ("principal", "interest", "fee", "penalty"):
            assert getattr(row, f"{component}_paid") <= getattr(row, f"{component}_due"), row
        assert row.interest_paid <= row.interest_accrued <= row.interest_due, row
        assert row.fee_paid <= row.fee_charged <= row.fee_due, row
    repayments = Repayment.objects.filter(
        status=Repayment.Status.POSTED, kind__in=Repayment.APPLIED_KINDS
    )
    if loans:
        repayments = repayments.filter(loan__in=loans)
    allocated = dict(
        Allocation.objects.filter(repayment__in=repayments, active=True)
        .values("repayment_id")
        .annotate(total=Sum("amount"))
        .values_list("repayment_id", "total")
    )
    for pk, amount, overpayment in repayments.values_list("pk", "amount", "overpayment"):
        assert amount == allocated.get(pk, Decimal("0")) + overpayment, pk


def reload(loan: Loan) -> Loan:
    """A fresh copy (a protected FSM field cannot be refreshed in place)."""
    return Loan.objects.get(pk=loan.pk)
