"""Applying a schedule modification to a loan's book, and unwinding it exactly.

Applying (`modification_apply`) computes the kind's plan on the rows as they are, capitalizes a
re-age's arrears, cancels the rows the plan replaces (giving back what was recognized on them),
inserts the new rows, posts one entry and updates the loan's terms. Everything it changed is
kept on the record (`LoanModification.change`): the rows created, the rows cancelled and
restated with their amounts before, the loan's terms before and the live entry. Unwinding
(`modification_unwind`) reverses the entry and puts every row and term back, giving back what
the close recognized on the created rows since; applying again (same parameters, same effective
date, as of the business date it was first applied) rebuilds it on the rows as they are then.
That is how a payment dated before a modification replays: the repayments after it and the
modification are unwound, the payment applied, and they are applied again in their order.

The deferred yield (1305, IFRS 9 B5.4 / CAS 22) follows the rows. Each row carries the part of the
deferred amount it amortizes over its period (`Installment.yield_amortization`); the close books,
stateless, what the rows carry amortized through the day (`loans.eod.accrual`). The rows replaced
start on or after the boundary, so by it they have amortized nothing and what they carried is
exactly what is left to amortize: applying sets them to zero (a cancelled row keeps only what it
amortized before the boundary) and re-plans that amount over the new rows by a new EIR, the rate
that discounts the new rows' cash flows to the carrying amount at the boundary
(`effective_interest.yield_respread`). So the rows standing still plan the whole deferred amount,
what was amortized up to the boundary stays booked, and the new maturity is the last day of
amortization. The loan's EIR becomes the new one; the record keeps both and the amount re-spread
(`RESPREAD_FIELDS`). Unwinding puts every row's amount back as it was and the loan's EIR with it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Max

from calc.calendar import add_months
from calc.classification import observation_months
from core.money import ZERO
from ledger.services import entry_reverse
from loans.errors import LoanRuleError
from loans.models import Installment, LoanModification, Repayment
from loans.posting_rules import capitalization_lines

from .book import LoanBook
from .effective_interest import Respread, yield_respread, yield_rows_write
from .modification_plan import Plan, modification_plan
from .schedule_rows import rows_from_schedule

Kind = LoanModification.Kind
RESTRUCTURING = (Kind.RESCHEDULE, Kind.REAGE, Kind.PAYMENT_HOLIDAY)
"""Kinds granted for a borrower's difficulty: the loan is flagged restructured (a rate change
follows the market and is not)."""
ENTRY_KIND = "modification"
RESTATED_FIELDS = (
    "principal_due",
    "interest_due",
    "interest_accrued",
    "fee_due",
    "fee_charged",
    "penalty_due",
)
LOAN_FIELDS = (
    "annual_rate",
    "effective_rate",
    "maturity_date",
    "restructured_on",
    "restructured_until",
)
RESPREAD_FIELDS = ("effective_rate_before", "effective_rate_after", "yield_respread")
"""What a modification's re-spread of the deferred yield keeps on its record, for the auditor."""


def _capitalize(book: LoanBook, plan: Plan, change: dict, on: date) -> None:
    """A re-age: the overdue rows keep what was paid on them and their outstanding amounts
    become principal of the new schedule (interest and fees not yet recognized caught up first)."""
    arrears = plan.arrears
    for row in arrears.rows:
        change["restated"][str(row.pk)] = {
            "status": row.status,
            "paid_on": row.paid_on.isoformat() if row.paid_on else None,
            **{name: str(getattr(row, name)) for name in RESTATED_FIELDS},
        }
        book.recognize_interest(row, row.interest_due - row.interest_accrued)
        book.charge_fee(row, row.fee_due - row.fee_charged)
        row.principal_due = row.principal_paid
        row.interest_due = row.interest_accrued = row.interest_paid
        row.fee_due = row.fee_charged = row.fee_paid
        row.penalty_due = row.penalty_paid
        book.settle_status(row, on)
    book.add(capitalization_lines(loan_id=book.loan.id, amounts=arrears.amounts))


def _replace_rows(book: LoanBook, plan: Plan, change: dict) -> tuple[list[Installment], Respread]:
    """Cancel the rows the plan replaces (giving back what was recognized on them), insert its
    schedule after the rows kept, and re-spread the deferred yield the cancelled rows had still
    to amortize over the new rows (`effective_interest.yield_respread`)."""
    for row in plan.rest.rows:
        change["cancelled"][str(row.pk)] = {
            "status": row.status,
            "interest_accrued": str(row.interest_accrued),
            "fee_charged": str(row.fee_charged),
            "penalty_due": str(row.penalty_due),
            "yield_amortization": str(row.yield_amortization),
        }
        book.recognize_interest(row, -row.interest_accrued)
        book.charge_fee(row, -row.fee_charged)
        book.adjust_penalty(row, -row.penalty_due)
        row.status = Installment.Status.CANCELLED
        book.touch(row)
    number = book.next_number()
    rows = rows_from_schedule(
        book.loan, plan.after, first_number=number, business_date=book.business_date
    )
    for row in rows:
        row.paid_on = None
    respread = yield_respread(book.loan, plan.rest.rows, rows)
    created = book.create_rows(rows)
    yield_rows_write(plan.rest.rows)
    change["created"] = [row.pk for row in created]
    return created, respread


def modification_apply(
    book: LoanBook,
    modification: LoanModification,
    *,
    as_of: date,
    actor: str,
    replaying: bool = False,
) -> Plan:
    """Apply `modification` to the loan of `book` (locked by the caller), its plan computed on
    the book's rows as of business date `as_of`; the record's plan, entries and change are set
    (the caller saves it)."""
    loan = book.loan
    plan = modification_plan(
        loan,
        book.open_rows(),
        kind=modification.kind,
        effective_date=max(modification.effective_date, as_of),
        parameters=modification.parameters,
        business_date=as_of,
        exclude=modification.pk,
        replaying=replaying,
    )
    generation = modification.change.get("generation", 0) + 1
    recorded_before = modification.change.get("after_repayment")
    if recorded_before is None:
        recorded_before = (
            Repayment.objects.filter(loan_id=loan.pk).aggregate(last=Max("id"))["last"] or 0
        )
    change: dict = {
        "generation": generation,
        # Repayments up to this id were recorded before it was first applied: on its effective
        # date they come before it when replayed (`applying.timeline_of`).
        "after_repayment": recorded_before,
        "loan": {
            name: None if getattr(loan, name) is None else str(getattr(loan, name))
            for name in LOAN_FIELDS
        },
        "cancelled": {},
        "restated": {},
    }
    _capitalize(book, plan, change, as_of)
    created, respread = _replace_rows(book, plan, change)
    key = f"modification:{modification.pk}"
    entry_id = book.post(
        kind=ENTRY_KIND,
        key=key if generation == 1 else f"{key}:g{generation}",
        value_date=plan.effective_date,
        memo=f"{modification.kind} {modification.pk}",
        actor=actor,
    )
    book.flush()
    loan.annual_rate = plan.annual_rate
    loan.maturity_date = max(row.due_date for row in created)
    if modification.kind in RESTRUCTURING:
        loan.restructured_on = plan.effective_date
        loan.restructured_until = add_months(
            plan.effective_date, observation_months(loan.jurisdiction)
        )
    loan.save(update_fields=[*LOAN_FIELDS, "updated_at"])
    change["entry_id"] = entry_id
    modification.change = change
    modification.effective_date = plan.effective_date
    modification.effective_rate_before = respread.rate_before
    modification.effective_rate_after = respread.rate_after
    modification.yield_respread = respread.amount
    modification.entry_ids = [*modification.entry_ids, *([entry_id] if entry_id else [])]
    return plan


def _not_paid_since(modification: LoanModification, rows: list[Installment]) -> None:
    """The rows a modification made are unwound only when nothing pays them: a repayment not
    replayed with it (recorded later, dated before the payment replaying) may have paid them."""
    paid = [
        row.number
        for row in rows
        if row.principal_paid + row.interest_paid + row.fee_paid + row.penalty_paid
    ]
    if paid:
        raise LoanRuleError(
            f"Modification {modification.pk} ({modification.kind}) cannot be unwound to replay "
            f"it: installments {paid} it made were paid by a repayment dated before this change. "
            "Nothing was changed."
        )


def modification_unwind(book: LoanBook, modification: LoanModification, *, actor: str) -> None:
    """Undo what `modification_apply` did (the repayments after it are unwound first): its
    entry reversed, the rows it created cancelled or, for a batched rate reset, the rows it
    rewrote given their amounts before (what the close recognized on them since
    given back), the rows it cancelled or restated and the loan's terms put back. Saves it."""
    change = modification.change
    generation = change["generation"]
    if change.get("entry_id"):
        reversal = entry_reverse(
            entry_id=change["entry_id"],
            business_date=book.business_date,
            actor=actor,
            idempotency_key=f"modification-unwind:{modification.pk}:g{generation}",
            memo=f"Unwind of {modification.kind} {modification.pk}",
        )
        modification.entry_ids = [*modification.entry_ids, reversal.entry_id]
        book.forget_suspense()
    by_id = {row.pk: row for row in book.rows}
    created = [by_id[pk] for pk in change["created"]]
    rewritten = [by_id[pk] for pk in change.get("rewritten", [])]
    _not_paid_since(modification, created + rewritten)
    planned = []
    for row in created + rewritten:
        book.recognize_interest(row, -row.interest_accrued)
        book.charge_fee(row, -row.fee_charged)
        book.adjust_penalty(row, -row.penalty_due)
        book.touch(row)
    for row in created:
        row.status = Installment.Status.CANCELLED
        row.yield_amortization = ZERO
        planned.append(row)
    # A batched rate reset rewrote its rows' amounts in place (the record's schedule before,
    # row by row): they carry them again.
    for row, before in zip(
        rewritten, modification.schedule_before if rewritten else [], strict=True
    ):
        row.principal_due = Decimal(before["principal"])
        row.interest_due = Decimal(before["interest"])
        row.fee_due = Decimal(before["fee"])
        row.status = Installment.Status.SCHEDULED
        book.settle_status(row, book.business_date)
    # and the deferred yield they planned before the reset re-spread it
    for row, amount in zip(rewritten, change.get("rewritten_yield", []), strict=True):
        row.yield_amortization = Decimal(amount)
        planned.append(row)
    given_back = book.post(
        kind="modification_unwind",
        key=f"modification-unwind-adjust:{modification.pk}:g{generation}",
        value_date=book.business_date,
        memo=f"Recognition on rows of {modification.kind} {modification.pk}, given back",
        actor=actor,
    )
    if given_back:
        modification.entry_ids = [*modification.entry_ids, given_back]
    book.flush()
    for pk, before in change["cancelled"].items():
        row = by_id[int(pk)]
        row.interest_accrued = Decimal(before["interest_accrued"])
        row.fee_charged = Decimal(before["fee_charged"])
        row.penalty_due = Decimal(before["penalty_due"])
        row.status = before["status"]
        if "yield_amortization" in before:  # applied before re-spreading was built: not moved
            row.yield_amortization = Decimal(before["yield_amortization"])
            planned.append(row)
        book.settle_status(row, book.business_date)
    for pk, before in change["restated"].items():
        row = by_id[int(pk)]
        for name in RESTATED_FIELDS:
            setattr(row, name, Decimal(before[name]))
        row.status = before["status"]
        row.paid_on = date.fromisoformat(before["paid_on"]) if before["paid_on"] else None
        book.touch(row)
    book.flush()
    # The plan as it was: the new rows carry nothing, the rows they replaced their amounts again
    # (the next close books the difference from what was amortized under the modification).
    yield_rows_write(planned)
    loan = book.loan
    before = change["loan"]
    loan.annual_rate = Decimal(before["annual_rate"])
    if "effective_rate" in before:
        rate = before["effective_rate"]
        loan.effective_rate = None if rate is None else Decimal(rate)
    for name in ("maturity_date", "restructured_on", "restructured_until"):
        setattr(loan, name, date.fromisoformat(before[name]) if before[name] else None)
    loan.save(update_fields=[*LOAN_FIELDS, "updated_at"])
    modification.change = {
        "generation": generation,
        "after_repayment": change["after_repayment"],
        "unwound": True,
    }
    modification.save(update_fields=["change", "entry_ids"])
