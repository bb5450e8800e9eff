"""Everything staff see on one borrower's page: their loans with where each stands today, their
consents, and the sections apps above ``loans`` register (credit lines and drawdowns,
applications and decisions with reasons, contact history). Personal data stays masked here;
the page's unmask button is the audited way to see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from loans.models import Borrower, Consent, Loan

from .loan360 import Section
from .loan_position import loan_position, loans_with_schedule

LOANS_SHOWN = 100


@dataclass
class Borrower360:
    borrower: Borrower
    loans: list[Loan]
    consents: list[Consent]
    sections: list[Section] = field(default_factory=list)


_sections: list[Callable[[Borrower], Section | None]] = []


def register_borrower_section(provider: Callable[[Borrower], Section | None]) -> None:
    if provider not in _sections:
        _sections.append(provider)


def borrower_360(*, borrower: Borrower, business_date: date) -> Borrower360:
    loans = list(
        loans_with_schedule(
            Loan.objects.filter(borrower=borrower).select_related("product").order_by("-id")
        )[:LOANS_SHOWN]
    )
    for loan in loans:
        loan.position = loan_position(loan=loan, business_date=business_date)
    return Borrower360(
        borrower=borrower,
        loans=loans,
        consents=list(borrower.consents.order_by("-business_date", "-id")),
        sections=[section for provider in _sections if (section := provider(borrower))],
    )
