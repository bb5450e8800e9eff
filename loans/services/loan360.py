"""Everything staff see on one loan's page: the summary card's figures, the schedule with each
row's standing, repayments with their allocations, ledger lines with a running balance per
account, transitions and audit events, modifications and the signed terms as rows.

Sections owned by apps above ``loans`` (the collection case, the IFRS 9 stage) are registered
by those apps (``register_loan_section``, ``register_loan_fact``), so the arrows keep pointing
down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.models import AuditEvent
from ledger.entry_kinds import entry_kind_label
from ledger.models import JournalLine
from loans.models import Installment, Loan, LoanModification, Repayment
from loans.selectors.consumer import loan_balance_summary

from .loan_position import LoanPosition, loan_position
from .signing import signed_terms
from .terms_labels import term_name, term_value

LEDGER_LINES_SHOWN = 200
AUDIT_EVENTS_SHOWN = 100


@dataclass(frozen=True)
class Section:
    """A table another app adds to the page: a title, column headings and rows of cells."""

    key: str
    title: str
    headings: list[str]
    rows: list[list[object]]
    empty: str = ""


@dataclass(frozen=True)
class LedgerRow:
    line: JournalLine
    balance: Decimal

    @property
    def kind(self) -> str:
        return entry_kind_label(self.line.entry.kind)


@dataclass
class Loan360:
    loan: Loan
    business_date: date
    position: LoanPosition
    balance: dict[str, Decimal]
    schedule: list[tuple[Installment, str]]
    repayments: list[Repayment]
    ledger: list[LedgerRow]
    ledger_total: int
    transitions: list
    audit: list[AuditEvent]
    modifications: list[LoanModification]
    terms: list[tuple[str, str]]
    facts: list[tuple[str, object]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def apr_percent(self) -> str:
        """The nominal APR disclosed at signing, as a percentage to two decimals."""
        apr = self.loan.apr_nominal
        return "—" if apr is None else f"{(apr * 100).quantize(Decimal('0.01'))}%"


_sections: list[Callable[[Loan], Section | None]] = []
_facts: list[Callable[[Loan], Iterable[tuple[str, object]]]] = []


def register_loan_section(provider: Callable[[Loan], Section | None]) -> None:
    if provider not in _sections:
        _sections.append(provider)


def register_loan_fact(provider: Callable[[Loan], Iterable[tuple[str, object]]]) -> None:
    if provider not in _facts:
        _facts.append(provider)


def row_standing(row: Installment, business_date: date) -> str:
    """``paid``, ``partly`` (something paid, something owed), ``overdue`` (owed after its due
    date), ``due`` (owed today) or ``upcoming``."""
    if row.status == Installment.Status.PAID:
        return "paid"
    if row.due_date < business_date:
        return "overdue"
    if row.total_paid:
        return "partly"
    return "due" if row.due_date == business_date else "upcoming"


def ledger_with_running_balance(loan: Loan) -> tuple[list[LedgerRow], int]:
    """The loan's journal lines, newest first (the last ``LEDGER_LINES_SHOWN``), each with its
    account's balance on the account's normal side after it."""
    lines = list(
        JournalLine.objects.filter(loan_id=loan.pk)
        .select_related("account", "entry")
        .order_by("entry_id", "id")
    )
    running: dict[int, Decimal] = {}
    rows = []
    for line in lines:
        balance = running.get(line.account_id, Decimal("0")) + line.account.signed(
            line.debit, line.credit
        )
        running[line.account_id] = balance
        rows.append(LedgerRow(line=line, balance=balance))
    return rows[::-1][:LEDGER_LINES_SHOWN], len(rows)


def terms_rows(data: Mapping[str, object], prefix: str = "") -> list[tuple[str, str]]:
    """A nested snapshot as (name › name, value) rows in the snapshot's order, each name and
    code in words (`terms_labels`)."""
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{term_name(key)}"
        if isinstance(value, Mapping):
            rows += terms_rows(value, f"{name} › ")
        elif value in (None, "", []):
            rows.append((name, "—"))
        else:
            rows.append((name, term_value(key, value)))
    return rows


def signed_terms_rows(loan: Loan) -> list[tuple[str, str]]:
    terms = signed_terms(loan)
    data: dict[str, object] = {"version": terms.version}
    if terms.disclosure:
        data["disclosure"] = terms.disclosure
    if terms.schedule_terms:
        data["schedule_terms"] = terms.schedule_terms
    if terms.level_amount:
        data["level_amount"] = terms.level_amount
    if terms.pricing:
        data["pricing"] = terms.pricing
    data["product"] = terms.product
    data["guarantor_contact_allowed"] = terms.guarantor_contact_allowed
    return terms_rows(data)


def loan_360(*, loan: Loan, business_date: date) -> Loan360:
    rows = list(loan.installments.exclude(status=Installment.Status.CANCELLED).order_by("number"))
    loan.schedule_rows = rows
    ledger, ledger_total = ledger_with_running_balance(loan)
    return Loan360(
        loan=loan,
        business_date=business_date,
        position=loan_position(loan=loan, business_date=business_date),
        balance=loan_balance_summary(loan=loan),
        schedule=[(row, row_standing(row, business_date)) for row in rows],
        repayments=list(
            loan.repayments.prefetch_related("allocations__installment").order_by(
                "-value_date", "-id"
            )
        ),
        ledger=ledger,
        ledger_total=ledger_total,
        transitions=list(loan.transitions.order_by("-created_at", "-id")),
        audit=list(
            AuditEvent.objects.filter(object_type="loans.loan", object_id=str(loan.pk)).order_by(
                "-created_at", "-id"
            )[:AUDIT_EVENTS_SHOWN]
        ),
        modifications=list(loan.modifications.order_by("-created_at", "-id")),
        terms=signed_terms_rows(loan),
        facts=[(str(label), value) for provider in _facts for label, value in provider(loan) or ()],
        sections=[section for provider in _sections if (section := provider(loan))],
    )
