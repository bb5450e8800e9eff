"""Refund of an overpayment: money the customer paid beyond the payoff, held in 2241, paid back.

One entry: Dr 2241 customer overpayments / Cr 1002 cash. A refund is recorded as a `Repayment` of
kind `refund` whose `overpayment` is the negative amount, so that a loan's posted repayments sum
to what it holds for the customer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError

from core.audit import NO_CONTEXT, AuditContext, audit_record, audit_snapshot
from core.db import action_transaction
from loans.errors import LoanRuleError
from loans.models import Loan, Repayment
from loans.posting_rules import refund_lines

from .applying import (
    REPAYMENT_AUDIT_FIELDS,
    PaymentRequest,
    check_amount,
    check_key,
    entry_key,
    loan_lock,
    overpayment_held,
    repayment_by_key,
    same_request,
)
from .book import LoanBook


def overpayment_refund(
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
    """Pay back `amount` (at most what the loan holds for the customer). Idempotent on the key
    like a repayment; keeps the overpayment held never below zero. One durable transaction with
    its audit row (``refund.record``)."""
    check_key(idempotency_key)
    request = PaymentRequest(
        kind=Repayment.Kind.REFUND,
        amount=amount,
        value_date=business_date,
        idempotency_key=idempotency_key,
        channel=channel,
        external_reference=external_reference,
    )
    request_hash = request.hash(loan.pk)
    try:
        with action_transaction(durable=durable):
            locked = loan_lock(loan.pk)
            existing = repayment_by_key(idempotency_key)
            if existing is not None:
                return same_request(existing, loan_id=locked.pk, request_hash=request_hash)
            check_amount(amount, locked.currency)
            held = overpayment_held(locked)
            if amount > held:
                raise LoanRuleError(
                    f"Loan {locked.reference} holds {held} for its customer; "
                    f"{amount} cannot be refunded.",
                    held=str(held),
                )
            refund = Repayment(
                loan=locked,
                kind=Repayment.Kind.REFUND,
                amount=amount,
                currency=locked.currency,
                value_date=business_date,
                business_date=business_date,
                channel=channel,
                external_reference=external_reference,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                overpayment=-amount,
                actor=actor,
            )
            book = LoanBook(locked, business_date=business_date)
            book.add(refund_lines(loan_id=locked.id, amount=amount))
            refund.entry_id = book.post(
                kind="refund",
                key=entry_key(refund, "refund"),
                value_date=business_date,
                memo=f"Overpayment refund {external_reference}".strip(),
                actor=actor,
            )
            refund.entry_ids = [refund.entry_id]
            refund.save(force_insert=True)
            audit_record(
                actor=audit.actor(actor),
                action="refund.record",
                target=refund,
                after=audit_snapshot(refund, REPAYMENT_AUDIT_FIELDS) | {"loan": locked.reference},
                reason=audit.reason,
                source=audit.source,
                business_date=business_date,
            )
            return refund
    except IntegrityError as exc:
        if "repayment_idempotency_uniq" not in str(exc):
            raise
        existing = repayment_by_key(idempotency_key)
        if existing is None:
            raise
        return same_request(existing, loan_id=loan.pk, request_hash=request_hash)
