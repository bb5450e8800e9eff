"""Staff's queue of gateway reports the ledger did not handle on its own (`OrderReview`): a
payout that succeeded after its failure for a loan that no longer wanted it, a payout returned
after repayments. Staff settle the money through the ordinary services (a refund, an
adjustment, a new loan) and then mark the item resolved, saying what they did."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from ledger.services import business_date_current
from payments.errors import PaymentError
from payments.models import OrderReview


def order_review_resolve(*, review: OrderReview, user, note: str) -> OrderReview:
    """Close an open item with what was done about it (required); audited."""
    if not note.strip():
        raise PaymentError("Say what was done about the order before resolving it.")
    with transaction.atomic():
        review = OrderReview.objects.select_for_update().get(pk=review.pk)
        if review.status != OrderReview.Status.OPEN:
            raise PaymentError(f"Review item {review.pk} is resolved already.")
        review.status = OrderReview.Status.RESOLVED
        review.resolved_by = user
        review.resolved_at = timezone.now()
        review.resolution_note = note.strip()[:255]
        review.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
        audit_record(
            actor=user,
            action="payment_order.review_resolved",
            target=review,
            before={"status": OrderReview.Status.OPEN},
            after={"status": review.status, "kind": review.kind},
            reason=review.resolution_note,
            source="admin",
            business_date=business_date_current(),
        )
    return review
