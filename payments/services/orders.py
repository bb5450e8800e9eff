"""Payment orders: created, sent to the gateway, settled by what the gateway reports.

An order is committed (``created``) before it is sent, and the gateway is idempotent on its
reference, so a crash between sending and recording is repaired by sending again or by polling.
Every report (the submit's answer, a callback, a poll) is applied under the order's row lock:
a report that would not move the state machine forward (a duplicate, a stale failure after a
success) is recorded and ignored. The one ledger effect — the repayment of a collect order, the
disbursement of a payout — is posted in the transaction that marks the order succeeded, under
a key derived from the order, and the database refuses a second (see `payments.models`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import IdempotencyKeyReused
from ledger.services import business_date_current
from loans.models import Installment, Loan, Repayment
from loans.services.disbursement import loan_disburse
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from payments.errors import GatewayUnavailable, OrderNotFound, PaymentError
from payments.gateways import GatewayReport, ReportStatus, gateway_default_name, gateway_for
from payments.models import Mandate, PaymentOrder, PaymentOrderEvent

GATEWAY_CHANNEL = "gateway"
SETTLED_HOOKS: list[Callable[[PaymentOrder], None]] = []
"""Called after a report moved an order (committed); auto-debit registers its retries here."""
Status = PaymentOrder.Status


def _reference() -> str:
    return "PO" + secrets.token_hex(8).upper()


def _request_hash(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def order_create(
    *,
    loan: Loan,
    direction: str,
    purpose: str,
    amount: Decimal,
    idempotency_key: str,
    business_date: date,
    actor: str = "system",
    installment: Installment | None = None,
    mandate: Mandate | None = None,
    scheduled_for: datetime | None = None,
    attempt: int = 1,
    gateway: str | None = None,
) -> PaymentOrder:
    """A new order, committed before anything is sent. The same key with the same request
    returns the first order; with another request it raises `IdempotencyKeyReused`."""
    if not isinstance(amount, Decimal) or amount <= 0:
        raise PaymentError(f"An order's amount must be a positive Decimal, not {amount!r}.")
    if not idempotency_key or len(idempotency_key) > 100:
        raise PaymentError("An idempotency key of 1 to 100 characters is required.")
    request_hash = _request_hash(loan.pk, direction, purpose, f"{amount:.2f}")
    try:  # the common case, a new key: one INSERT; a repeated key: the first order
        with transaction.atomic():
            return PaymentOrder.objects.create(
                reference=_reference(),
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                direction=direction,
                purpose=purpose,
                loan=loan,
                installment=installment,
                mandate=mandate,
                amount=amount,
                currency=loan.currency,
                business_date=business_date,
                scheduled_for=scheduled_for,
                attempt=attempt,
                gateway=gateway or gateway_default_name(),
                actor=actor,
            )
    except IntegrityError:
        existing = PaymentOrder.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"Idempotency key {idempotency_key!r} was already used for another order."
        )
    return existing


def order_submit(*, order_id: int) -> PaymentOrder:
    """Send a created order to its gateway and apply the answer. A gateway that does not answer
    leaves the order created (polling resolves it); an order already past created is left as
    it is. Called outside any transaction: the network call holds no lock."""
    order = PaymentOrder.objects.select_related("mandate").get(pk=order_id)
    if order.status != Status.CREATED:
        return order
    try:
        report = gateway_for(order.gateway).submit(order)
    except GatewayUnavailable:
        return order
    return order_report_apply(report=replace(report, reference=order.reference), source="submit")


def order_by_reference(reference: str, *, lock: bool = False) -> PaymentOrder:
    orders = PaymentOrder.objects.select_for_update() if lock else PaymentOrder.objects
    order = orders.filter(reference=reference).first()
    if order is None:
        raise OrderNotFound(f"No payment order {reference!r}.")
    return order


def order_report_apply(*, report: GatewayReport, source: str) -> PaymentOrder:
    """Apply what the gateway reports about an order, once: under the order's row lock the
    state machine moves forward or the report is recorded as ignored. Raises `OrderNotFound`
    (changing nothing) for a reference we never issued."""
    with transaction.atomic(durable=True):
        order = order_by_reference(report.reference, lock=True)
        applied = _apply(order, report)
        PaymentOrderEvent.objects.create(
            order=order,
            source=source,
            reported_status=report.status,
            outcome=PaymentOrderEvent.Outcome.APPLIED
            if applied
            else PaymentOrderEvent.Outcome.IGNORED,
            payload=report.raw,
        )
    if applied:
        for hook in SETTLED_HOOKS:
            hook(order)
    return order


def _apply(order: PaymentOrder, report: GatewayReport) -> bool:
    now = timezone.now()
    if report.provider_reference and not order.provider_reference:
        order.provider_reference = report.provider_reference
    if report.status == ReportStatus.PENDING:
        if order.status != Status.CREATED:
            return False
        order.submit()
        order.submitted_at = now
    elif report.status == ReportStatus.SUCCEEDED:
        if order.status not in PaymentOrder.OPEN:
            return False
        settled = report.amount if report.amount is not None else order.amount
        if settled <= 0 or settled > order.amount:
            raise PaymentError(f"Order {order.reference} cannot settle {settled}.")
        order.succeed()
        order.amount_settled = settled
        order.settled_at = now
        order.effect_key = _effect_post(order)
    elif report.status == ReportStatus.FAILED:
        if order.status not in PaymentOrder.OPEN:
            return False
        order.fail()
        order.failure_reason = report.reason[:255] or "failed at the gateway"
        order.settled_at = now
    elif report.status == ReportStatus.REVERSED:
        if order.status != Status.SUCCEEDED or order.direction != PaymentOrder.Direction.COLLECT:
            return False
        order.reverse()
        order.reversal_key = _reversal_post(order, report.reason)
    else:
        return False
    order.save()
    return True


def _effect_post(order: PaymentOrder) -> str:
    business_date = business_date_current()
    if order.direction == PaymentOrder.Direction.PAYOUT:
        loan_disburse(
            loan=order.loan, business_date=business_date, actor=order.actor, durable=False
        )
        return f"disbursement:{order.loan_id}"
    key = f"payorder:{order.reference}"
    loan_repay(
        loan=order.loan,
        amount=order.amount_settled,
        value_date=min(order.business_date, business_date),
        business_date=business_date,
        idempotency_key=key,
        channel=GATEWAY_CHANNEL,
        external_reference=order.reference,
        actor=order.actor,
        durable=False,
    )
    return key


def _reversal_post(order: PaymentOrder, reason: str) -> str:
    repayment = Repayment.objects.get(idempotency_key=order.effect_key)
    repayment_reverse(
        repayment=repayment,
        business_date=business_date_current(),
        actor="gateway",
        reason=(reason or f"returned: order {order.reference}")[:255],
        durable=False,
    )
    return f"reversal:{order.effect_key}"


def orders_poll(*, older_than: timedelta = timedelta(seconds=30), expire_after=None) -> int:
    """Ask the gateway about open orders last touched more than `older_than` ago: a lost
    callback is recovered, an order the gateway never received is sent again (same reference,
    so at most once) or, past `expire_after`, expired. Returns how many reports were applied."""
    expire_after = expire_after or timedelta(hours=24)
    now = timezone.now()
    applied = 0
    stale = PaymentOrder.objects.filter(
        Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now),
        status__in=PaymentOrder.OPEN,
        updated_at__lt=now - older_than,
    )
    for order in stale.select_related("mandate").order_by("id"):
        gateway = gateway_for(order.gateway)
        try:
            report = gateway.query(order)
        except GatewayUnavailable:
            continue
        if report.status == ReportStatus.UNKNOWN:
            if now - order.created_at > expire_after:
                _expire(order)
                applied += 1
            elif order.status == Status.CREATED:
                order_submit(order_id=order.pk)
                applied += 1
            continue
        before = order.status
        order = order_report_apply(report=replace(report, reference=order.reference), source="poll")
        applied += order.status != before
    return applied


def _expire(order: PaymentOrder) -> None:
    with transaction.atomic(durable=True):
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if order.status in PaymentOrder.OPEN:
            order.expire()
            order.failure_reason = "unknown at the gateway: never sent"
            order.save()
