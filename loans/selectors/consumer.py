"""Reads for the consumer API: a borrower's own loans, their schedule, their transactions as the
borrower understands them, and monthly statements.

Every read starts from the signed-in user: another borrower's loan is indistinguishable from one
that does not exist (``LoanNotFound``, a 404), so ids reveal nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.db import fetch_pipelined, fetch_prepared, pipelines_supported
from core.errors import DomainError
from core.money import ZERO
from ledger import chart
from ledger.models import BusinessDate
from ledger.selectors import (
    loan_balances,
    loan_entry_totals,
    loan_stored_balances,
    loan_stored_balances_statement,
    stored_balances_from_rows,
)
from ledger.services import BUSINESS_DATE_SQL
from loans.models import Borrower, Installment, Loan, Product, Repayment
from loans.raw_instances import instance_from_row, instances_from_rows, model_columns

BALANCE_ACCOUNTS = {
    "principal": chart.LOANS_PRINCIPAL,
    "interest": chart.INTEREST_RECEIVABLE,
    "fees": chart.FEES_RECEIVABLE,
    "penalties": chart.PENALTY_RECEIVABLE,
}
BALANCE_CODES = (*BALANCE_ACCOUNTS.values(), chart.CUSTOMER_OVERPAYMENTS)
PENALTY_KIND = "penalty"
WAIVER_KINDS = ("fee_waiver", "penalty_waiver")
WRITE_OFF_KIND = "write_off"


class LoanNotFound(DomainError):
    status_code = 404
    code = "not-found"
    title = gettext_lazy("Not found.")


class StatementUnavailable(DomainError):
    status_code = 422
    code = "statement-unavailable"
    title = gettext_lazy("There is no statement for that month.")


def loan_list_for_user(*, user) -> QuerySet[Loan]:
    """The signed-in user's loans (none for a user who is not a borrower)."""
    return Loan.objects.filter(borrower__user_id=user.pk).select_related("product")


def loan_list_filter(
    loans: QuerySet[Loan],
    *,
    status: list[str] | None = None,
    applied_from: date | None = None,
    applied_to: date | None = None,
) -> QuerySet[Loan]:
    """``loans`` in any of the statuses, applied for within the dates (both included)."""
    if status:
        loans = loans.filter(status__in=status)
    if applied_from:
        loans = loans.filter(application_date__gte=applied_from)
    if applied_to:
        loans = loans.filter(application_date__lte=applied_to)
    return loans


def transactions_between(
    rows: list[LoanTransaction], *, date_from: date | None = None, date_to: date | None = None
) -> list[LoanTransaction]:
    return [
        row
        for row in rows
        if (date_from is None or row.date >= date_from) and (date_to is None or row.date <= date_to)
    ]


def loan_get_for_user(*, user, loan_id: int) -> Loan:
    loan = loan_list_for_user(user=user).filter(pk=loan_id).first()
    if loan is None:
        raise LoanNotFound(_("There is no loan with this id."))
    return loan


SCHEDULE_ROWS = "schedule_rows"


def schedule_prefetch() -> Prefetch:
    """The live schedule rows of each loan of a queryset, in number order, as
    ``loan.schedule_rows`` (one query for the whole page)."""
    return Prefetch(
        "installments",
        queryset=Installment.objects.exclude(status=Installment.Status.CANCELLED).order_by(
            "number"
        ),
        to_attr=SCHEDULE_ROWS,
    )


# What the loan resource shows of its product: the rest of the product's ~50 columns stay in
# the database on the hot read.
PRODUCT_SHOWN = ("product__code", "product__name")


def loan_detail_for_user(*, user, loan_id: int) -> Loan:
    """One of the user's loans for the loan resource: every loan column, the product's code
    and name, the lender's business date (``business_date_now``, None before the books open),
    its live schedule rows (``schedule_rows``) and its stored balances (``stored_balances``,
    for `loan_balance_summary`). On PostgreSQL three prepared statements in one round trip (the
    app's hot read: compiling the ORM's query for the loan's ~100 columns cost more than running
    it); elsewhere two ORM queries and the balances' own."""
    if not prepared_reads():
        return _loan_detail_with_orm(user=user, loan_id=loan_id)
    loan_names, loan_sql, rows_names, rows_sql = _loan_resource_sql()
    balances_sql, balances_params = loan_stored_balances_statement(
        loan_id=loan_id, codes=BALANCE_CODES
    )
    loan_rows, installment_rows, balance_rows = fetch_pipelined(
        [
            (loan_sql, [settings.LEDGER_LENDER, loan_id, user.pk]),
            (rows_sql, [loan_id]),
            (balances_sql, balances_params),
        ]
    )
    if not loan_rows:
        raise LoanNotFound(_("There is no loan with this id."))
    *columns, product_code, product_name, business_date_now = loan_rows[0]
    loan = instance_from_row(Loan, loan_names, columns)
    product = Product.from_db(
        connection.alias, PRODUCT_COLUMNS, [loan.product_id, product_code, product_name]
    )
    loan._state.fields_cache["product"] = product
    loan.business_date_now = business_date_now
    setattr(
        loan,
        SCHEDULE_ROWS,
        instances_from_rows(Installment, rows_names, installment_rows, related={"loan": loan}),
    )
    loan.stored_balances = stored_balances_from_rows(balance_rows, currency=loan.currency)
    return loan


PRODUCT_COLUMNS = ["id", "code", "name"]


def prepared_reads() -> bool:
    """The hot reads run as prepared statements (PostgreSQL with pipelines), else the ORM."""
    return pipelines_supported()


@lru_cache(maxsize=1)
def _loan_resource_sql() -> tuple[list[str], str, list[str], str]:
    loan_names, loan_columns = model_columns(Loan)
    rows_names, rows_columns = model_columns(Installment)
    product, business_date = Product._meta.db_table, BusinessDate._meta.db_table
    loan_sql = (
        f"SELECT {loan_columns},"
        f" (SELECT code FROM {product} WHERE id = product_id),"
        f" (SELECT name FROM {product} WHERE id = product_id),"
        f" (SELECT current FROM {business_date} WHERE lender = %s)"
        f" FROM {Loan._meta.db_table}"
        f" WHERE id = %s AND borrower_id IN"
        f" (SELECT id FROM {Borrower._meta.db_table} WHERE user_id = %s)"
    )
    # Another borrower's loan id reads its rows here, but they are dropped with the loan (404).
    rows_sql = (
        f"SELECT {rows_columns} FROM {Installment._meta.db_table}"
        f" WHERE loan_id = %s AND status <> '{Installment.Status.CANCELLED}' ORDER BY number"
    )
    return loan_names, loan_sql, rows_names, rows_sql


def _loan_detail_with_orm(*, user, loan_id: int) -> Loan:
    columns = [field.attname for field in Loan._meta.concrete_fields]
    current = BusinessDate.objects.filter(lender=settings.LEDGER_LENDER).values("current")[:1]
    loan = (
        loan_list_for_user(user=user)
        .filter(pk=loan_id)
        .only(*columns, *PRODUCT_SHOWN)
        .annotate(business_date_now=Subquery(current))
        .prefetch_related(schedule_prefetch())
        .first()
    )
    if loan is None:
        raise LoanNotFound(_("There is no loan with this id."))
    return loan


LOAN_REF_FIELDS = tuple(
    field.attname
    for field in Loan._meta.concrete_fields
    if field.attname
    in {"id", "currency", "status", "borrower_id", "prepayment_mode", "rounding"}
    | {"upfront_fee_withheld"}
)  # in the model's order, as `Model.from_db` takes a subset of the fields
LOAN_REF_SQL = (
    f"SELECT {', '.join('l.' + name for name in LOAN_REF_FIELDS)} FROM loans_loan l"
    " JOIN loans_borrower b ON b.id = l.borrower_id WHERE l.id = %s AND b.user_id = %s"
)


def loan_ref_for_user(*, user, loan_id: int) -> Loan:
    """Just enough of one of the user's loans to hand to a payment service, which locks and
    reads the whole row itself (the hot write path of the app), and to quote its payoff (the
    rounding and the withheld fee: deferred, each would be a query of its own). On PostgreSQL
    a prepared statement: the ORM compiling this query cost more than running it."""
    if connection.vendor == "postgresql":
        row = fetch_prepared(LOAN_REF_SQL, [loan_id, user.pk], one=True)
        loan = None if row is None else Loan.from_db(connection.alias, LOAN_REF_FIELDS, row)
    else:
        loan = (
            Loan.objects.filter(pk=loan_id, borrower__user_id=user.pk)
            .only(*LOAN_REF_FIELDS)
            .first()
        )
    if loan is None:
        raise LoanNotFound(_("There is no loan with this id."))
    return loan


CLOSED_ROWS = (Installment.Status.PAID, Installment.Status.CANCELLED)


@lru_cache(maxsize=1)
def _payment_read_sql() -> tuple[list[str], str]:
    """The loan (as `LOAN_REF_SQL`), the business date and one row per open installment (the
    installment's columns null when it has none), in one statement."""
    names, columns = model_columns(Installment)
    columns = ", ".join(f"i.{column}" for column in columns.split(", "))
    closed = ", ".join(f"'{status}'" for status in CLOSED_ROWS)
    return names, (
        f"SELECT {', '.join('l.' + name for name in LOAN_REF_FIELDS)},"
        f" ({BUSINESS_DATE_SQL}), i.*"
        " FROM loans_loan l JOIN loans_borrower b ON b.id = l.borrower_id"
        f" LEFT JOIN LATERAL (SELECT {columns} FROM {Installment._meta.db_table} i"
        # OFFSET 0: a per-loan index scan, whatever the generic plan would flatten it into.
        f" WHERE i.loan_id = l.id AND i.status NOT IN ({closed}) OFFSET 0) i ON true"
        " WHERE l.id = %s AND b.user_id = %s"
    )


def loan_for_payment_by_user(*, user, loan_id: int) -> tuple[Loan, date | None, list[Installment]]:
    """`loan_ref_for_user`, the business date (None: the books were never opened) and the
    loan's open installments (what its payoff quote needs): the reads of a borrower's payment
    before it is ordered, one statement on PostgreSQL (three otherwise)."""
    if connection.vendor != "postgresql":
        loan = loan_ref_for_user(user=user, loan_id=loan_id)
        current = BusinessDate.objects.filter(lender=settings.LEDGER_LENDER)
        rows = list(Installment.objects.filter(loan_id=loan.pk).exclude(status__in=CLOSED_ROWS))
        for row in rows:
            row.loan = loan
        return loan, current.values_list("current", flat=True).first(), rows
    names, sql = _payment_read_sql()
    records = fetch_prepared(sql, [settings.LEDGER_LENDER, loan_id, user.pk])
    if not records:
        raise LoanNotFound(_("There is no loan with this id."))
    width = len(LOAN_REF_FIELDS)
    loan = Loan.from_db(connection.alias, LOAN_REF_FIELDS, records[0][:width])
    rows = [record[width + 1 :] for record in records if record[width + 1] is not None]
    return (
        loan,
        records[0][width],
        instances_from_rows(Installment, names, rows, related={"loan": loan}),
    )


def loan_schedule(*, loan: Loan) -> list[Installment]:
    return list(loan.installments.exclude(status=Installment.Status.CANCELLED).order_by("number"))


def loan_schedule_for_user(*, user, loan_id: int) -> list[Installment]:
    """The schedule of one of the user's loans, in one query when it has one (the hot read of
    the app; on PostgreSQL a prepared statement); a loan without installments yet, or not
    theirs, is told apart only then."""
    if prepared_reads():
        names, sql = _schedule_sql()
        rows = instances_from_rows(Installment, names, fetch_prepared(sql, [loan_id, user.pk]))
    else:
        rows = list(
            Installment.objects.filter(loan_id=loan_id, loan__borrower__user_id=user.pk)
            .exclude(status=Installment.Status.CANCELLED)
            .order_by("number")
        )
    if not rows:
        loan_get_for_user(user=user, loan_id=loan_id)
    return rows


@lru_cache(maxsize=1)
def _schedule_sql() -> tuple[list[str], str]:
    names, columns = model_columns(Installment)
    return names, (
        f"SELECT {columns} FROM {Installment._meta.db_table}"
        f" WHERE loan_id = %s AND status <> '{Installment.Status.CANCELLED}'"
        f" AND EXISTS (SELECT 1 FROM {Loan._meta.db_table} l"
        f" JOIN {Borrower._meta.db_table} b ON b.id = l.borrower_id"
        f" WHERE l.id = loan_id AND b.user_id = %s)"
        f" ORDER BY number"
    )


def loan_balance_summary(*, loan: Loan, as_of: date | None = None) -> dict[str, Decimal]:
    """What the borrower owes by component (recognized so far), the total, and any credit the
    lender holds for them (overpayment)."""
    if as_of is None and hasattr(loan, "stored_balances"):
        balances = loan.stored_balances
    elif as_of is None:
        balances = loan_stored_balances(
            loan_id=loan.id, codes=BALANCE_CODES, currency=loan.currency
        )
    else:
        balances = loan_balances(
            loan_id=loan.id, as_of=as_of, currency=loan.currency, codes=BALANCE_CODES
        )
    summary = {name: balances.get(code, ZERO) for name, code in BALANCE_ACCOUNTS.items()}
    summary["total"] = sum(summary.values(), ZERO)
    summary["credit"] = balances.get(chart.CUSTOMER_OVERPAYMENTS, ZERO)
    return summary


@dataclass(frozen=True, slots=True)
class LoanTransaction:
    """One line of the borrower's transaction history (not a journal line)."""

    date: date
    kind: str
    description: str
    amount: Decimal
    direction: str
    """``charge`` (adds to what is owed), ``payment`` (the borrower paid), ``credit`` (the
    lender reduced what is owed) or ``payout`` (the lender paid out)."""
    status: str = "posted"
    reference: str = ""
    components: dict[str, Decimal] = field(default_factory=dict)
    order: int = 0


def loan_transactions(*, loan: Loan, as_of: date) -> list[LoanTransaction]:
    """Payout, installments as they fall due, penalties (by month), repayments and their
    reversals, waivers and a write-off, oldest first, up to ``as_of``."""
    rows: list[LoanTransaction] = []
    if loan.disbursed_on and loan.disbursed_on <= as_of:
        rows += _disbursement(loan)
    for installment in loan.installments.exclude(status=Installment.Status.CANCELLED).filter(
        due_date__lte=as_of
    ):
        rows.append(_installment_due(installment))
    rows += _penalties(loan, as_of)
    repayments = loan.repayments.filter(business_date__lte=as_of).prefetch_related("allocations")
    for repayment in repayments.order_by("value_date", "id"):
        rows += _repayment(repayment, as_of)
    rows += _ledger_credits(loan, as_of)
    return sorted(rows, key=lambda row: (row.date, row.order))


def _disbursement(loan: Loan) -> list[LoanTransaction]:
    rows = [
        LoanTransaction(
            date=loan.disbursed_on,
            kind="disbursement",
            description=_("Loan paid out"),
            amount=loan.principal - (loan.upfront_fee if loan.upfront_fee_withheld else ZERO),
            direction="payout",
            order=0,
        )
    ]
    if loan.upfront_fee and loan.upfront_fee_withheld:
        rows.append(
            LoanTransaction(
                date=loan.disbursed_on,
                kind="upfront_fee",
                description=_("Upfront fee, withheld from the payout"),
                amount=loan.upfront_fee,
                direction="charge",
                order=1,
            )
        )
    return rows


def _installment_due(installment: Installment) -> LoanTransaction:
    return LoanTransaction(
        date=installment.due_date,
        kind="installment_due",
        description=_("Installment %(number)s due") % {"number": installment.number},
        amount=installment.principal_due + installment.interest_due + installment.fee_due,
        direction="charge",
        reference=str(installment.number),
        components={
            "principal": installment.principal_due,
            "interest": installment.interest_due,
            "fee": installment.fee_due,
        },
        order=2,
    )


def _penalties(loan: Loan, as_of: date) -> list[LoanTransaction]:
    months: dict[date, list] = {}
    for entry in loan_entry_totals(
        loan_id=loan.id, codes=[chart.PENALTY_RECEIVABLE], kinds=[PENALTY_KIND], as_of=as_of
    ):
        month = months.setdefault(entry.business_date.replace(day=1), [ZERO, entry.business_date])
        month[0] += entry.debit - entry.credit
        month[1] = max(month[1], entry.business_date)
    return [
        LoanTransaction(
            date=last,
            kind="penalty",
            description=_("Penalty interest on overdue amounts, %(month)s")
            % {"month": month.strftime("%Y-%m")},
            amount=amount,
            direction="charge",
            order=3,
        )
        for month, (amount, last) in sorted(months.items())
        if amount
    ]


REPAYMENT_DESCRIPTIONS = {
    Repayment.Kind.REPAYMENT: gettext_lazy("Repayment"),
    Repayment.Kind.PREPAYMENT: gettext_lazy("Prepayment"),
    Repayment.Kind.PAYOFF: gettext_lazy("Payoff"),
    Repayment.Kind.COOLING_OFF: gettext_lazy("Cooling-off cancellation"),
    Repayment.Kind.REFUND: gettext_lazy("Refund of an overpayment"),
    Repayment.Kind.RECOVERY: gettext_lazy("Payment after the write-off"),
}


def _repayment(repayment: Repayment, as_of: date) -> list[LoanTransaction]:
    refund = repayment.kind == Repayment.Kind.REFUND
    rows = [
        LoanTransaction(
            date=repayment.value_date,
            kind=repayment.kind,
            description=str(REPAYMENT_DESCRIPTIONS.get(repayment.kind, _("Repayment"))),
            amount=repayment.amount,
            direction="payout" if refund else "payment",
            status=repayment.status,
            reference=repayment.external_reference,
            components=_allocated(repayment),
            order=4,
        )
    ]
    reversed_on = repayment.reversed_on
    if repayment.status == Repayment.Status.REVERSED and reversed_on and reversed_on <= as_of:
        rows.append(
            LoanTransaction(
                date=reversed_on,
                kind="reversal",
                description=_("Payment returned: %(reason)s")
                % {"reason": repayment.reversal_reason or _("reversed")},
                amount=repayment.amount,
                direction="charge",
                reference=repayment.external_reference,
                order=5,
            )
        )
    return rows


def _allocated(repayment: Repayment) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for allocation in repayment.allocations.all():
        if allocation.active or repayment.status == Repayment.Status.REVERSED:
            totals[allocation.component] = (
                totals.get(allocation.component, ZERO) + allocation.amount
            )
    if repayment.overpayment > 0:
        totals["overpayment"] = repayment.overpayment
    return totals


def _ledger_credits(loan: Loan, as_of: date) -> list[LoanTransaction]:
    """Waivers and a write-off: what the lender took off the loan, from their entries."""
    entries = loan_entry_totals(
        loan_id=loan.id,
        codes=list(BALANCE_ACCOUNTS.values()),
        kinds=[*WAIVER_KINDS, WRITE_OFF_KIND],
        as_of=as_of,
    )
    descriptions = {
        "fee_waiver": _("Fees waived"),
        "penalty_waiver": _("Penalty interest waived"),
        WRITE_OFF_KIND: _("Loan written off"),
    }
    return [
        LoanTransaction(
            date=entry.business_date,
            kind="write_off" if entry.kind == WRITE_OFF_KIND else "waiver",
            description=descriptions[entry.kind],
            amount=entry.credit - entry.debit,
            direction="credit",
            order=6,
        )
        for entry in entries
        if entry.credit - entry.debit
    ]


@dataclass(frozen=True, slots=True)
class Statement:
    loan: Loan
    month: str
    period_start: date
    period_end: date
    as_of: date
    opening: dict[str, Decimal]
    closing: dict[str, Decimal]
    installments: list[Installment]
    transactions: list[LoanTransaction]
    charged: Decimal
    paid: Decimal
    next_installment: Installment | None


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def loan_statement(*, loan: Loan, month: date, business_date: date) -> Statement:
    """The loan's statement for a calendar month: balances at its start and end (or today, for
    the current month), what fell due, what happened. Months before the loan or after the
    business date have none."""
    first, last = month_bounds(month)
    if first > business_date:
        raise StatementUnavailable(_("That month has not begun yet."))
    if last < loan.application_date.replace(day=1):
        raise StatementUnavailable(_("The loan did not exist in that month."))
    as_of = min(last, business_date)
    transactions = [
        row for row in loan_transactions(loan=loan, as_of=as_of) if first <= row.date <= as_of
    ]
    schedule = loan_schedule(loan=loan)
    return Statement(
        loan=loan,
        month=first.strftime("%Y-%m"),
        period_start=first,
        period_end=last,
        as_of=as_of,
        opening=loan_balance_summary(loan=loan, as_of=first - timedelta(days=1)),
        closing=loan_balance_summary(loan=loan, as_of=as_of),
        installments=[row for row in schedule if first <= row.due_date <= last],
        transactions=transactions,
        charged=sum((t.amount for t in transactions if t.direction == "charge"), ZERO),
        # A returned payment stays a payment; its return is a charge of the same amount.
        paid=sum((t.amount for t in transactions if t.direction == "payment"), ZERO),
        next_installment=next((row for row in schedule if row.due_date > last), None),
    )
