"""A disbursement the bank sent back (a returned payout), before the borrower paid anything: the
loan is cancelled with nothing left on its books.

One entry takes every balance the loan holds back to zero — principal, interest and fees accrued
or charged, the upfront fee withheld, deferred yield — and cash balances it: the money came back
to the clearing account. Every installment is cancelled and the loan ends `cancelled`. Allowance
booked by the close's provisioning is the close's to release, as for a cooling-off cancellation.

Refused (`LoanRuleError`, nothing changes) once the loan has a repayment: the borrower has dealt
with the money, and what is owed is for staff to settle. The loan is cancelled rather than made
approved again because a loan is disbursed once: its disbursement entry key and its installment
numbers are one per loan, so a new payout is a new loan.
"""

from __future__ import annotations

from datetime import date

from core.audit import NO_CONTEXT, AuditContext, audit_record
from core.db import action_transaction
from ledger import chart
from ledger.selectors import loan_balances
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Installment, Loan, Repayment
from loans.posting_rules import COOLING_OFF_SETTLED, cooling_off_lines
from loans.transitions import loan_transition

from .applying import loan_lock, loan_rows
from .book import LoanBook

LEFT_TO_THE_CLOSE = {chart.ALLOWANCE}


def loan_payout_returned(
    *,
    loan: Loan,
    business_date: date,
    idempotency_key: str,
    actor: str,
    reason: str,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> int | None:
    """Cancel a disbursed loan whose payout came back. Keeps: every balance the loan holds
    (but the allowance) nets to zero afterwards; refused after any repayment or on a loan not
    active. Returns the entry's id. One durable transaction with its audit row
    (``loan.payout_returned``)."""
    with action_transaction(durable=durable):
        locked = loan_lock(loan.pk)
        if locked.status != Loan.Status.ACTIVE or locked.disbursed_on is None:
            raise LoanStateError(
                f"Loan {locked.reference} is {locked.status}; only an active disbursed loan can "
                "take back a returned payout."
            )
        if Repayment.objects.filter(loan_id=locked.pk).exists():
            raise LoanRuleError(
                f"Loan {locked.reference} has repayments: its returned payout is for staff."
            )
        balances = {
            code: amount
            for code, amount in loan_balances(loan_id=locked.pk, currency=locked.currency).items()
            if amount and code not in LEFT_TO_THE_CLOSE
        }
        unknown = sorted(set(balances) - set(COOLING_OFF_SETTLED))
        if unknown:
            raise LoanRuleError(
                f"Loan {locked.reference} holds balances on {', '.join(unknown)}: its returned "
                "payout is for staff."
            )
        book = LoanBook(locked, business_date=business_date)
        book.add(cooling_off_lines(loan_id=locked.id, balances=balances))
        entry_id = book.post(
            kind="payout_return",
            key=idempotency_key,
            value_date=business_date,
            memo=f"Payout of loan {locked.reference} returned by the bank"[:255],
            actor=actor,
        )
        rows = loan_rows(locked, open_only=False)
        for row in rows:
            row.status = Installment.Status.CANCELLED
        Installment.objects.bulk_update(rows, ["status"])
        loan_transition(
            loan=locked,
            action="cancel",
            actor=actor,
            business_date=business_date,
            reason=f"payout returned: {reason}"[:255],
        )
        audit_record(
            actor=audit.actor(actor),
            action="loan.payout_returned",
            target=locked,
            before={"status": Loan.Status.ACTIVE},
            after={"status": locked.status, "entry_id": entry_id},
            reason=reason,
            source=audit.source,
            business_date=business_date,
        )
        return entry_id
