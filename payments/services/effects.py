"""An order's one ledger effect: the repayment of a collect order, the disbursement of a payout,
posted in the transaction that marks the order succeeded under a key derived from the order
(the database refuses a second, see `payments.models`); a chargeback's reversal of it."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from ledger.services import business_date_current
from loans.models import Repayment
from loans.services.disbursement import loan_disburse
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from payments.errors import PaymentError
from payments.gateways import GatewayReport
from payments.models import PaymentOrder

GATEWAY_CHANNEL = "gateway"


def order_settle(
    order: PaymentOrder,
    report: GatewayReport,
    *,
    value_date: date | None = None,
    business_date: date | None = None,
) -> None:
    """Record what moved and post the order's one ledger effect (the order is succeeded), a
    collect order's repayment as of `value_date` (default: the order's business date), booked
    on `business_date` (default: the current one; a batch of reports reads it once)."""
    settled = report.amount if report.amount is not None else order.amount
    if settled <= 0 or settled > order.amount:
        raise PaymentError(f"Order {order.reference} cannot settle {settled}.")
    order.amount_settled = settled
    order.settled_at = timezone.now()
    order.effect_key = effect_post(order, value_date=value_date, business_date=business_date)


def collect_effect_key(order: PaymentOrder) -> str:
    """The idempotency key of a collect order's repayment."""
    return f"payorder:{order.reference}"


def effect_post(
    order: PaymentOrder, *, value_date: date | None = None, business_date: date | None = None
) -> str:
    business_date = business_date or business_date_current()
    if order.direction == PaymentOrder.Direction.PAYOUT:
        loan_disburse(
            loan=order.loan, business_date=business_date, actor=order.actor, durable=False
        )
        return f"disbursement:{order.loan_id}"
    key = collect_effect_key(order)
    loan_repay(
        loan=order.loan,
        amount=order.amount_settled,
        value_date=min(value_date or order.business_date, business_date),
        business_date=business_date,
        idempotency_key=key,
        channel=GATEWAY_CHANNEL,
        external_reference=order.reference,
        actor=order.actor,
        durable=False,
    )
    return key


def reversal_post(order: PaymentOrder, reason: str) -> str:
    repayment = Repayment.objects.get(idempotency_key=order.effect_key)
    repayment_reverse(
        repayment=repayment,
        business_date=business_date_current(),
        actor="gateway",
        reason=(reason or f"returned: order {order.reference}")[:255],
        durable=False,
    )
    return f"reversal:{order.effect_key}"
