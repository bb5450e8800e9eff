"""Loans, borrowers and agents for collection tests, built directly with the models."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from calc.calendar import add_months
from collection.models import CollectionCase
from loans.models import Borrower, Installment, Loan, Product
from loans.transitions import loan_transition

from .clock import at  # noqa: E402,F401  (re-exported for tests)

_seq = itertools.count(1)


def product() -> Product:
    code = f"cash-{next(_seq)}"
    return Product.objects.create(
        code=code,
        name=code,
        method="equal_principal",
        annual_rate=Decimal("0.18"),
        min_amount=Decimal("100"),
        max_amount=Decimal("100000"),
    )


def borrower(*, time_zone: str = "Asia/Shanghai", name: str = "张三") -> Borrower:
    n = next(_seq)
    person = Borrower(name=f"{name}{n}", time_zone=time_zone)
    person.set_national_id(f"11010119900101{n:04d}")
    person.set_mobile(f"1380000{n:04d}")
    person.save()
    return person


def loan(
    *,
    person: Borrower | None = None,
    jurisdiction: str = "CN",
    principal: str = "1200.00",
    term: int = 6,
    start: date = date(2025, 12, 1),
    days_past_due: int = 0,
    status: str = "active",
    penalty_due: str = "0",
    terms_snapshot: dict | None = None,
) -> Loan:
    """A disbursed loan with a monthly equal-principal schedule at 18%; `status` delinquent
    marks the first installment due and unpaid."""
    person = person or borrower()
    amount = Decimal(principal)
    contract = Loan.objects.create(
        reference=f"L{next(_seq):06d}",
        borrower=person,
        product=product(),
        currency="USD" if jurisdiction == "US" else "CNY",
        principal=amount,
        annual_rate=Decimal("0.18"),
        term=term,
        method="equal_principal",
        frequency="monthly",
        day_count="act_360",
        rounding="half_up",
        jurisdiction=jurisdiction,
        application_date=start,
        start_date=start,
        disbursed_on=start,
        first_due_date=add_months(start, 1),
        apr_nominal=Decimal("0.18"),
        apr_effective=Decimal("0.1956"),
        terms_snapshot=terms_snapshot or {},
    )
    part = (amount / term).quantize(Decimal("0.01"))
    for number in range(1, term + 1):
        Installment.objects.create(
            loan=contract,
            number=number,
            period_start=add_months(start, number - 1),
            due_date=add_months(start, number),
            days_in_period=30,
            principal_due=part,
            interest_due=(amount * Decimal("0.015")).quantize(Decimal("0.01")),
            penalty_due=Decimal(penalty_due) if number == 1 else Decimal("0"),
            status="due" if number == 1 and status == "delinquent" else "scheduled",
        )
    for action in ("approve", "activate"):
        loan_transition(loan=contract, action=action, actor="test", business_date=start)
    if status == "delinquent":
        loan_transition(loan=contract, action="mark_delinquent", actor="test", business_date=start)
    Loan.objects.filter(pk=contract.pk).update(days_past_due=days_past_due)
    contract.days_past_due = days_past_due
    return contract


def set_days_past_due(contract: Loan, days: int) -> None:
    Loan.objects.filter(pk=contract.pk).update(days_past_due=days)
    contract.days_past_due = days


def transition(contract: Loan, action: str, on: date) -> None:
    # A protected FSM field cannot be refreshed in place: transition a fresh instance.
    fresh = Loan.objects.get(pk=contract.pk)
    loan_transition(loan=fresh, action=action, actor="test", business_date=on)


def agent(username: str | None = None):
    return get_user_model().objects.create_user(
        username=username or f"agent{next(_seq)}", password="x", is_staff=True
    )


def open_case(contract: Loan, on: date = date(2026, 1, 10)) -> CollectionCase:
    from collection.services import cases_sync

    cases_sync(business_date=on, loan_ids=[contract.id])
    return CollectionCase.objects.get(loan=contract, status="open")
