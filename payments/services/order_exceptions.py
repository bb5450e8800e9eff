"""Reports that come after an order's outcome was recorded: a success after a failure, and a
payout the bank returned. Both run under the order's row lock, inside `order_report_apply`.

- **Success after failure.** The gateway said failed, then — in a signed callback or in answer
  to our own status query, never on anything less — that the money moved after all. The order
  moves to succeeded (`succeed_after_failure`) and posts its one effect, as of the order's
  business date (the current one if that date's period is closed, the audit row saying so).
  A loan that takes no payment any more (cancelled, closed) books nothing: queued for staff.
  A collect order's auto-debit retries not yet sent are expired: the installment is paid (a
  partial debit is planned again by the retry hook). A payout whose loan no longer wants it
  (cancelled, or paid out by another order) posts nothing and is queued for staff.
- **Returned payout.** Before any repayment the loan is cancelled with nothing left on its books
  (`loans.services.payout_return`); after one, nothing is posted and it is queued for staff.

A report queued once is ignored when repeated (`OrderReview` is unique per order and kind).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from ledger.partitions import month_end
from ledger.periods import closed_through
from ledger.services import business_date_current
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Loan
from loans.services.payout_return import loan_payout_returned
from payments.gateways import GatewayReport
from payments.models import OrderReview, PaymentOrder, PaymentOrderEvent

from .effects import order_settle

VERIFIED_SOURCES = ("callback", "poll")
"""A callback whose signature was verified, or the gateway's answer to our signed query."""
Outcome = PaymentOrderEvent.Outcome
Status = PaymentOrder.Status
PAYOUT = PaymentOrder.Direction.PAYOUT


def late_success_apply(order: PaymentOrder, report: GatewayReport, source: str) -> str:
    if source not in VERIFIED_SOURCES:
        return Outcome.IGNORED
    if order.direction == PAYOUT and not _payout_still_wanted(order):
        return _queue(
            order,
            OrderReview.Kind.LATE_SUCCESS,
            f"payout {order.reference} succeeded after its failure, but loan "
            f"{order.loan.reference} is {order.loan.status} or paid out by another order",
        )
    today = business_date_current()
    before = {"status": order.status, "failure_reason": order.failure_reason}
    note = _value_date_note(order, today)
    unsettled = (order.amount_settled, order.settled_at, order.effect_key)
    try:  # the effect first: a loan that takes no payment now leaves the order as it was
        with transaction.atomic():
            order_settle(order, report, value_date=today if note else None)
    except (LoanRuleError, LoanStateError) as refused:
        order.amount_settled, order.settled_at, order.effect_key = unsettled
        return _queue(
            order,
            OrderReview.Kind.LATE_SUCCESS,
            f"order {order.reference} succeeded after its failure; not booked: {refused}",
        )
    order.succeed_after_failure()
    order.failure_reason = f"reported failed first: {before['failure_reason']}"[:255]
    if order.purpose == PaymentOrder.Purpose.AUTO_DEBIT:
        _unsent_retries_expire(order)
    order.save()
    audit_record(
        actor="gateway",
        action="payment_order.succeeded_after_failure",
        target=order,
        before=before,
        after={
            "status": order.status,
            "amount_settled": order.amount_settled,
            "effect_key": order.effect_key,
            "reported_by": source,
        },
        reason=note or f"the gateway reported success after a failure ({source})",
        source="system",
        business_date=today,
    )
    return Outcome.APPLIED


def payout_return_apply(order: PaymentOrder, report: GatewayReport, source: str) -> str:
    if order.reviews.filter(kind=OrderReview.Kind.PAYOUT_RETURNED).exists():
        return Outcome.IGNORED
    key = f"payout-return:{order.reference}"
    try:
        with transaction.atomic():
            loan_payout_returned(
                loan=order.loan,
                business_date=business_date_current(),
                idempotency_key=key,
                actor="gateway",
                reason=report.reason or "returned by the bank",
                durable=False,
            )
    except (LoanRuleError, LoanStateError) as refused:
        return _queue(order, OrderReview.Kind.PAYOUT_RETURNED, str(refused))
    order.reverse()
    order.reversal_key = key
    order.save()
    return Outcome.APPLIED


def _payout_still_wanted(order: PaymentOrder) -> bool:
    loan = Loan.objects.select_for_update().get(pk=order.loan_id)
    order.loan = loan
    others = PaymentOrder.objects.filter(loan_id=loan.pk, direction=PAYOUT).exclude(pk=order.pk)
    live = others.exclude(status__in=[Status.FAILED, Status.EXPIRED])
    return loan.status == Loan.Status.APPROVED and not live.exists()


def _value_date_note(order: PaymentOrder, today) -> str:
    """Empty if the order's business date may be its value date; else why today is."""
    last_closed = closed_through()
    if last_closed is None or order.business_date > month_end(last_closed):
        return ""
    return (
        f"value date {order.business_date} is in a closed period: applied on {today} "
        f"(success reported after a failure)"
    )


def _unsent_retries_expire(order: PaymentOrder) -> None:
    PaymentOrder.objects.filter(
        installment_id=order.installment_id,
        purpose=PaymentOrder.Purpose.AUTO_DEBIT,
        status=Status.CREATED,
        scheduled_for__gt=timezone.now(),
    ).exclude(pk=order.pk).update(
        status=Status.EXPIRED,
        failure_reason=f"not sent: order {order.reference} succeeded after all",
        updated_at=timezone.now(),
    )


def _queue(order: PaymentOrder, kind: str, reason: str) -> str:
    _, created = OrderReview.objects.get_or_create(
        order=order, kind=kind, defaults={"reason": reason[:255]}
    )
    return Outcome.QUEUED if created else Outcome.IGNORED
