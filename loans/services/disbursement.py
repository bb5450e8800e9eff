"""Disbursement: the loan becomes active, its schedule is built from the disbursement date and
the money goes out.

One entry (key `disbursement:{loan}`): Dr 1303 principal / Cr 1002 cash, net of an upfront fee
withheld, and Cr 6021 fee income for that fee. A fee the product does not withhold is charged on
the first installment instead (Dr 1133 / Cr 6021, `fee_charged` raised), payable with it.
A fee the product declares part of the yield goes to 1305 deferred fees and subsidies instead of
6021, direct costs it declares are paid out of 1305 (Dr 1305 / Cr 1002), and the EIR and each
period's amortization are worked out on the schedule (`effective_interest.yield_plan`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from calc.schedules import ScheduleError, build_schedule
from core.audit import NO_CONTEXT, AuditContext, audit_record, audit_snapshot
from core.db import action_transaction
from core.money import ZERO
from ledger import chart
from loans.errors import LoanRuleError
from loans.models import Installment, Loan
from loans.posting_rules import direct_cost_lines, disbursement_lines
from loans.terms import loan_terms
from loans.transitions import loan_transition

from .applying import loan_lock
from .book import LoanBook
from .effective_interest import (
    DIRECT_COSTS,
    UPFRONT_FEE,
    deferred_at_disbursement,
    is_yield,
    yield_plan,
)
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
    subsidy: Decimal = ZERO,
) -> list[Installment]:
    """Build the schedule from `business_date`, insert its rows and post the disbursement (see
    the module docstring); the money goes out through `payout_account` (cash, or a merchant
    payable for a scene loan: per loan, so its settlement can be followed). `subsidy`: what a
    merchant pays for the plan (booked by the caller), deferred with the yield if the product
    says so. Returns the rows; the loan's EIR fields are set (saved here)."""
    try:
        schedule = build_schedule(loan_terms(loan, start_date=business_date))
    except ScheduleError as exc:
        raise LoanRuleError(f"Loan {loan.reference} cannot be scheduled: {exc}") from exc
    rows = rows_from_schedule(loan, schedule, first_number=1, business_date=business_date)
    fee = schedule.totals.upfront_fee
    fee_deferred = is_yield(loan, UPFRONT_FEE)
    book = LoanBook(loan, business_date=business_date)
    book.add(
        disbursement_lines(
            loan_id=loan.id,
            principal=loan.principal,
            fee=fee,
            fee_withheld=loan.upfront_fee_withheld,
            payout_account=payout_account,
            fee_deferred=fee_deferred,
        )
    )
    if not loan.upfront_fee_withheld:
        rows[0].fee_due += fee
        book.charge_fee(rows[0], fee, income=chart.DEFERRED_YIELD if fee_deferred else None)
    if is_yield(loan, DIRECT_COSTS):
        book.add(direct_cost_lines(loan_id=loan.id, amount=loan.direct_costs))
    yield_plan(
        loan, rows, deferred=deferred_at_disbursement(loan, upfront_fee=fee, subsidy=subsidy)
    )
    loan.save(update_fields=["effective_rate", "deferred_yield", "yield_amortized"])
    Installment.objects.bulk_create(rows)
    book.post(
        kind="disbursement",
        key=f"disbursement:{loan.pk}",
        value_date=business_date,
        memo=memo,
        actor=actor,
    )
    return rows
