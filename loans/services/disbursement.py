"""Disbursement: the loan becomes active, its schedule is built from the disbursement date and
the money goes out.

One entry (key `disbursement:{loan}`): Dr 1303 principal / Cr 1002 cash, net of an upfront fee
withheld, and Cr 6021 fee income for that fee. A fee the product does not withhold is charged on
the first installment instead (Dr 1133 / Cr 6021, `fee_charged` raised), payable with it.
"""

from __future__ import annotations

from datetime import date

from calc.schedules import ScheduleError, build_schedule
from core.audit import NO_CONTEXT, AuditContext, audit_record, audit_snapshot
from core.db import action_transaction
from ledger import chart
from loans.errors import LoanRuleError
from loans.models import Installment, Loan
from loans.posting_rules import disbursement_lines
from loans.terms import loan_terms
from loans.transitions import loan_transition

from .applying import loan_lock
from .book import LoanBook
from .lending_limits import lending_limits_check, lending_terms_for_loan
from .schedule_rows import rows_from_schedule

LOAN_AUDIT_FIELDS = ("status", "disbursed_on", "maturity_date", "risk_category")


def loan_disburse(
    *,
    loan: Loan,
    business_date: date,
    actor: str,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Loan:
    """Disburse an approved loan on `business_date`. Keeps: the schedule's principal sums to the
    loan's principal, and the loan's principal receivable equals it. The regulatory lending
    limits are checked again first: the borrower's exposure may have grown since approval. One
    durable transaction with its audit row (``loan.disburse``)."""
    with action_transaction(durable=durable):
        loan = loan_lock(loan.pk)
        before = audit_snapshot(loan, LOAN_AUDIT_FIELDS)
        if loan.status == Loan.Status.APPROVED:
            lending_limits_check(lending_terms_for_loan(loan))
        loan_transition(
            loan=loan,
            action="activate",
            actor=actor,
            business_date=business_date,
            reason="disbursed",
        )
        if loan.first_due_date is not None and loan.first_due_date <= business_date:
            loan.first_due_date = None  # signed for a later start; the regular first period
        rows = disbursement_post(
            loan,
            business_date=business_date,
            actor=actor,
            memo=f"Disbursement of loan {loan.reference}",
        )
        loan.start_date = loan.disbursed_on = business_date
        loan.maturity_date = rows[-1].due_date
        loan.save(
            update_fields=[
                "start_date",
                "disbursed_on",
                "maturity_date",
                "first_due_date",
                "updated_at",
            ]
        )
        audit_record(
            actor=audit.actor(actor),
            action="loan.disburse",
            target=loan,
            before=before,
            after=audit_snapshot(loan, LOAN_AUDIT_FIELDS),
            reason=audit.reason,
            source=audit.source,
            business_date=business_date,
        )
        return loan


def disbursement_post(
    loan: Loan,
    *,
    business_date: date,
    actor: str,
    memo: str,
    payout_account: str = chart.CASH,
) -> list[Installment]:
    """Build the schedule from `business_date`, insert its rows and post the disbursement (see
    the module docstring); the money goes out through `payout_account` (cash, or a merchant
    payable for a scene loan: per loan, so its settlement can be followed). Returns the rows."""
    try:
        schedule = build_schedule(loan_terms(loan, start_date=business_date))
    except ScheduleError as exc:
        raise LoanRuleError(f"Loan {loan.reference} cannot be scheduled: {exc}") from exc
    rows = rows_from_schedule(loan, schedule, first_number=1, business_date=business_date)
    fee = schedule.totals.upfront_fee
    book = LoanBook(loan, business_date=business_date)
    book.add(
        disbursement_lines(
            loan_id=loan.id,
            principal=loan.principal,
            fee=fee,
            fee_withheld=loan.upfront_fee_withheld,
            payout_account=payout_account,
        )
    )
    if not loan.upfront_fee_withheld:
        rows[0].fee_due += fee
        book.charge_fee(rows[0], fee)
    Installment.objects.bulk_create(rows)
    book.post(
        kind="disbursement",
        key=f"disbursement:{loan.pk}",
        value_date=business_date,
        memo=memo,
        actor=actor,
    )
    return rows
