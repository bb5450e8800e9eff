"""Cooling-off cancellation (冷静期): within the loan's cooling-off days after disbursement the
borrower returns the principal and the loan is cancelled with no interest and no fees.

One entry takes every balance the loan holds with its customer back to zero: principal,
interest, fee and penalty receivables, interest in suspense, overpayments held, and the interest,
fee and penalty income recognized on it (the upfront fee withheld or charged is refunded). Cash
balances it: the borrower returns what they received less what they already paid, or — if they
paid more than that — the lender pays the difference back. Every installment is cancelled.
Allowance booked by the close's provisioning is its to release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from core.audit import NO_CONTEXT, AuditContext, audit_record, audit_snapshot
from core.db import action_transaction
from core.money import ZERO
from ledger import chart
from ledger.models import JournalLine
from ledger.selectors import loan_balances
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Installment, Loan, Repayment
from loans.posting_rules import COOLING_OFF_SETTLED, cooling_off_cash, cooling_off_lines
from loans.transitions import loan_transition

from .applying import (
    REPAYMENT_AUDIT_FIELDS,
    PaymentRequest,
    check_key,
    entry_key,
    loan_lock,
    loan_rows,
    overpayment_held,
    repayment_by_key,
    same_request,
)
from .book import LoanBook
from .effective_interest import MERCHANT_SUBSIDY, is_yield

MERCHANT_SUBSIDY_KIND = "merchant_subsidy"


@dataclass(frozen=True)
class CoolingOffQuote:
    loan_id: int
    last_day: date
    returned_by_borrower: Decimal
    refunded_to_borrower: Decimal


def _settlement(loan: Loan) -> tuple[dict[str, Decimal], Decimal]:
    """(balances to take back, cash the borrower returns: negative when the lender pays).
    A merchant's subsidy is income of the loan the borrower never paid: it stays (fee income,
    or, deferred as part of the yield, interest income: what was still deferred is earned now)."""
    balances = loan_balances(loan_id=loan.pk, currency=loan.currency)
    subsidy = _merchant_subsidy(loan)
    if subsidy:
        kept = chart.INTEREST_INCOME if is_yield(loan, MERCHANT_SUBSIDY) else chart.FEE_INCOME
        balances[kept] = balances.get(kept, ZERO) - subsidy
    balances = {
        code: amount for code, amount in balances.items() if code in COOLING_OFF_SETTLED and amount
    }
    return balances, cooling_off_cash(balances)


def _merchant_subsidy(loan: Loan) -> Decimal:
    totals = JournalLine.objects.filter(
        loan_id=loan.pk,
        account__code__in=(chart.FEE_INCOME, chart.DEFERRED_YIELD),
        account__currency=loan.currency,
        entry__kind=MERCHANT_SUBSIDY_KIND,
    ).aggregate(credit=Sum("credit", default=ZERO), debit=Sum("debit", default=ZERO))
    return totals["credit"] - totals["debit"]


def loan_cooling_off_quote(*, loan: Loan) -> CoolingOffQuote:
    _, cash = _settlement(loan)
    return CoolingOffQuote(
        loan_id=loan.pk,
        last_day=(loan.disbursed_on or loan.start_date) + timedelta(days=loan.cooling_off_days),
        returned_by_borrower=max(cash, ZERO),
        refunded_to_borrower=max(-cash, ZERO),
    )


def loan_cancel_cooling_off(
    *,
    loan: Loan,
    amount: Decimal,
    business_date: date,
    idempotency_key: str,
    channel: str = "",
    external_reference: str = "",
    actor: str = "system",
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Repayment:
    """Cancel a loan in its cooling-off period on the borrower's return of `amount`, which must
    be the quote's `returned_by_borrower` exactly. Keeps: every receivable, suspense, overpayment
    and income balance of the loan nets to zero; the loan ends `cancelled`."""
    check_key(idempotency_key)
    request = PaymentRequest(
        kind=Repayment.Kind.COOLING_OFF,
        amount=amount,
        value_date=business_date,
        idempotency_key=idempotency_key,
        channel=channel,
        external_reference=external_reference,
    )
    request_hash = request.hash(loan.pk)
    with action_transaction(durable=durable):
        locked = loan_lock(loan.pk)
        existing = repayment_by_key(idempotency_key)
        if existing is not None:
            return same_request(existing, loan_id=locked.pk, request_hash=request_hash)
        if locked.status != Loan.Status.ACTIVE or locked.disbursed_on is None:
            raise LoanStateError(
                f"Loan {locked.reference} is {locked.status}; only an active loan in its "
                "cooling-off period can be cancelled."
            )
        quote = loan_cooling_off_quote(loan=locked)
        if business_date > quote.last_day:
            raise LoanRuleError(
                f"The cooling-off period of loan {locked.reference} ended on {quote.last_day}."
            )
        if amount != quote.returned_by_borrower:
            raise LoanRuleError(
                f"Cancelling loan {locked.reference} takes {quote.returned_by_borrower} back from "
                f"the borrower, not {amount}.",
                returned_by_borrower=str(quote.returned_by_borrower),
                refunded_to_borrower=str(quote.refunded_to_borrower),
            )
        balances, _ = _settlement(locked)
        book = LoanBook(locked, business_date=business_date)
        book.add(cooling_off_lines(loan_id=locked.id, balances=balances))
        cancellation = Repayment(
            loan=locked,
            kind=Repayment.Kind.COOLING_OFF,
            amount=amount,
            currency=locked.currency,
            value_date=business_date,
            business_date=business_date,
            channel=channel,
            external_reference=external_reference,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            overpayment=-overpayment_held(locked),
            actor=actor,
        )
        cancellation.entry_id = book.post(
            kind="cooling_off",
            key=entry_key(cancellation, "cooling-off"),
            value_date=business_date,
            memo="Cancellation in the cooling-off period",
            actor=actor,
        )
        cancellation.entry_ids = [cancellation.entry_id] if cancellation.entry_id else []
        cancellation.save(force_insert=True)
        rows = loan_rows(locked, open_only=False)
        for row in rows:
            row.status = Installment.Status.CANCELLED
        Installment.objects.bulk_update(rows, ["status"])
        loan_transition(
            loan=locked,
            action="cancel",
            actor=actor,
            business_date=business_date,
            reason="cooling-off cancellation",
        )
        audit_record(
            actor=audit.actor(actor),
            action="loan.cancel_cooling_off",
            target=cancellation,
            after=audit_snapshot(cancellation, REPAYMENT_AUDIT_FIELDS)
            | {"loan": locked.reference, "loan_status": locked.status},
            reason=audit.reason,
            source=audit.source,
            business_date=business_date,
        )
        return cancellation
