"""Reports after an order's outcome was recorded: a success after a failure (money did move) and
a payout the bank returned. Each ends with exactly one ledger effect, or none and a staff item."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.models import AuditEvent
from ledger.models import BusinessDate, JournalLine
from ledger.periods import closed_periods_forget, period_close_approve, period_close_request
from ledger.services import business_date_current, business_date_open
from loans.models import Installment, Loan, Repayment
from loans.transitions import loan_transition
from payments.errors import PaymentError
from payments.gateways import GatewayReport, ReportStatus
from payments.models import OrderReview, PaymentOrder, PaymentOrderEvent
from payments.services.mandates import mandate_grant
from payments.services.order_reviews import order_review_resolve
from payments.services.orders import order_create, order_report_apply, orders_poll
from payments.services.payouts import loan_payout_start, payout_abandon
from tests.api.conftest import active_loan_for
from tests.lifecycle.factories import assert_books_consistent, make_borrower, make_loan

pytestmark = pytest.mark.django_db
Status = PaymentOrder.Status


def collect(loan, key="late1", amount="500.00", on=None):
    return order_create(
        loan=loan,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.REPAYMENT,
        amount=Decimal(amount),
        idempotency_key=key,
        business_date=on or business_date_current(),
        gateway="local",
    )


def payout(loan, attempt=1):
    return order_create(
        loan=loan,
        direction=PaymentOrder.Direction.PAYOUT,
        purpose=PaymentOrder.Purpose.DISBURSEMENT,
        amount=loan.principal,
        idempotency_key=f"payout:{loan.pk}:{attempt}",
        business_date=business_date_current(),
        gateway="local",
    )


def tell(order, status, source="callback", **extra):
    return order_report_apply(
        report=GatewayReport(reference=order.reference, status=status, **extra), source=source
    )


def loan_balances_nonzero(loan):
    return {
        code: total
        for code, total in JournalLine.objects.filter(loan_id=loan.pk)
        .values_list("account__code")
        .annotate(total=Sum("debit") - Sum("credit"))
        if total
    }


@pytest.fixture
def loan():
    return active_loan_for(make_borrower(), on=business_date_current())


def test_a_success_after_a_failure_posts_one_repayment_on_the_orders_value_date(loan):
    order = collect(loan)
    assert tell(order, ReportStatus.FAILED, reason="timeout at the bank").status == Status.FAILED
    assert not Repayment.objects.filter(loan=loan).exists()
    for _ in range(2):  # the success, and its duplicate
        order = tell(order, ReportStatus.SUCCEEDED, amount=Decimal("500.00"))
    assert order.status == Status.SUCCEEDED
    repayment = Repayment.objects.get(loan=loan)
    assert (repayment.amount, repayment.value_date) == (Decimal("500.00"), order.business_date)
    assert repayment.idempotency_key == order.effect_key
    assert list(order.events.values_list("reported_status", "outcome")) == [
        ("failed", "applied"),
        ("succeeded", "applied"),
        ("succeeded", "ignored"),
    ]
    audit = AuditEvent.objects.get(action="payment_order.succeeded_after_failure")
    assert (audit.object_id, audit.before["status"], audit.after["status"]) == (
        str(order.pk),
        "failed",
        "succeeded",
    )
    assert_books_consistent()


@pytest.mark.parametrize("source", ["submit", "admin"])
def test_a_success_after_a_failure_needs_a_verified_report(loan, source):
    order = collect(loan)
    tell(order, ReportStatus.FAILED)
    assert tell(order, ReportStatus.SUCCEEDED, source=source).status == Status.FAILED
    assert not Repayment.objects.filter(loan=loan).exists()
    assert tell(order, ReportStatus.SUCCEEDED, source="poll").status == Status.SUCCEEDED
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_a_late_success_dated_in_a_closed_period_is_applied_on_the_current_date():
    day = date(2027, 1, 28)
    business_date_open(on=day)
    loan = active_loan_for(make_borrower(), on=date(2027, 1, 5))
    order = collect(loan, on=day)
    tell(order, ReportStatus.FAILED)
    BusinessDate.objects.update(current=date(2027, 2, 2))
    period_close_request(month=date(2027, 1, 1), actor="maker")
    period_close_approve(month=date(2027, 1, 1), actor="checker")
    closed_periods_forget()
    order = tell(order, ReportStatus.SUCCEEDED)
    assert order.status == Status.SUCCEEDED
    assert Repayment.objects.get(loan=loan).value_date == date(2027, 2, 2)
    audit = AuditEvent.objects.get(action="payment_order.succeeded_after_failure")
    assert "closed period" in audit.reason
    assert_books_consistent()


def test_a_late_success_expires_the_auto_debit_retries_not_yet_sent(loan):
    row = Installment.objects.filter(loan=loan).order_by("number").first()
    mandate = mandate_grant(loan=loan, account_reference="6222****1234", consent_text="I agree")
    first, retry = (
        order_create(
            loan=loan,
            direction=PaymentOrder.Direction.COLLECT,
            purpose=PaymentOrder.Purpose.AUTO_DEBIT,
            amount=Decimal("100.00"),
            idempotency_key=f"autodebit:{row.pk}:{n}",
            business_date=business_date_current(),
            installment=row,
            mandate=mandate,
            scheduled_for=scheduled,
            attempt=n,
            gateway="local",
        )
        for n, scheduled in ((1, timezone.now()), (2, timezone.now() + timedelta(hours=3)))
    )
    tell(first, ReportStatus.FAILED)
    tell(first, ReportStatus.SUCCEEDED)
    assert PaymentOrder.objects.get(pk=retry.pk).status == Status.EXPIRED
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_a_late_payout_success_disburses_a_loan_still_waiting_for_it():
    loan = make_loan("6000.00", 6, business_date_current())
    order = payout(loan)
    tell(order, ReportStatus.FAILED)
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.APPROVED
    assert tell(order, ReportStatus.SUCCEEDED).status == Status.SUCCEEDED
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.ACTIVE
    assert_books_consistent()


def test_a_late_payout_success_for_a_cancelled_loan_is_queued_for_staff():
    today = business_date_current()
    loan = make_loan("6000.00", 6, today)
    order = payout(loan)
    tell(order, ReportStatus.FAILED)
    payout_abandon(loan=loan, business_date=today, actor="staff", reason="payout failed")
    for _ in range(2):
        order = tell(order, ReportStatus.SUCCEEDED)
    assert order.status == Status.FAILED
    assert not JournalLine.objects.filter(loan_id=loan.pk).exists()
    review = OrderReview.objects.get(order=order)
    assert (review.kind, review.status) == (OrderReview.Kind.LATE_SUCCESS, "open")
    outcomes = list(order.events.values_list("outcome", flat=True))
    assert outcomes == ["applied", "queued", "ignored"]


def test_a_returned_payout_before_any_repayment_cancels_the_loan_with_nothing_on_the_books():
    today = business_date_current()
    loan = make_loan("6000.00", 6, today)
    order = loan_payout_start(loan=loan, business_date=today, actor="staff")
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.ACTIVE
    for _ in range(2):
        order = tell(order, ReportStatus.REVERSED, reason="account closed")
    assert order.status == Status.REVERSED
    assert order.reversal_key == f"payout-return:{order.reference}"
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == Loan.Status.CANCELLED
    assert loan_balances_nonzero(loan) == {}
    assert set(Installment.objects.filter(loan=loan).values_list("status", flat=True)) == {
        Installment.Status.CANCELLED
    }
    assert list(order.events.values_list("outcome", flat=True)) == [
        "applied",
        "applied",
        "ignored",
    ]
    assert AuditEvent.objects.filter(action="loan.payout_returned", object_id=str(loan.pk)).exists()
    assert_books_consistent()


def test_a_returned_payout_after_a_repayment_is_queued_and_posts_nothing():
    today = business_date_current()
    loan = make_loan("6000.00", 6, today)
    order = loan_payout_start(loan=loan, business_date=today, actor="staff")
    paid = collect(loan, key="paid")
    tell(paid, ReportStatus.SUCCEEDED)
    lines_before = JournalLine.objects.count()
    for _ in range(2):
        order = tell(order, ReportStatus.REVERSED, reason="account closed")
    assert order.status == Status.SUCCEEDED
    assert JournalLine.objects.count() == lines_before
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.ACTIVE
    review = OrderReview.objects.get(order=order)
    assert review.kind == OrderReview.Kind.PAYOUT_RETURNED
    assert "repayments" in review.reason
    assert list(
        PaymentOrderEvent.objects.filter(order=order).values_list("outcome", flat=True)
    ) == ["applied", "queued", "ignored"]


def test_staff_resolve_a_queued_item_once_saying_what_they_did(django_user_model):
    today = business_date_current()
    loan = make_loan("6000.00", 6, today)
    order = payout(loan)
    tell(order, ReportStatus.FAILED)
    payout_abandon(loan=loan, business_date=today, actor="staff", reason="payout failed")
    tell(order, ReportStatus.SUCCEEDED)
    review = OrderReview.objects.get(order=order)
    staff = django_user_model.objects.create_user("ops", is_staff=True)
    with pytest.raises(PaymentError):
        order_review_resolve(review=review, user=staff, note=" ")
    review = order_review_resolve(review=review, user=staff, note="asked the bank to recall it")
    assert (review.status, review.resolved_by) == ("resolved", staff)
    with pytest.raises(PaymentError):
        order_review_resolve(review=review, user=staff, note="again")
    assert AuditEvent.objects.filter(action="payment_order.review_resolved").count() == 1


def test_a_late_success_for_a_loan_that_takes_no_payment_is_queued_and_books_nothing(loan):
    order = collect(loan)
    tell(order, ReportStatus.FAILED)
    with transaction.atomic():
        locked = Loan.objects.select_for_update().get(pk=loan.pk)
        loan_transition(
            loan=locked, action="cancel", actor="staff", business_date=business_date_current()
        )
    lines_before = JournalLine.objects.count()
    order = tell(order, ReportStatus.SUCCEEDED)
    assert order.status == Status.FAILED
    assert order.effect_key is None
    assert PaymentOrder.objects.get(pk=order.pk).status == Status.FAILED
    assert JournalLine.objects.count() == lines_before
    review = OrderReview.objects.get(order=order)
    assert review.kind == OrderReview.Kind.LATE_SUCCESS and "takes no payments" in review.reason
    assert list(order.events.values_list("outcome", flat=True)) == ["applied", "queued"]


def test_polling_a_failed_order_of_the_immediate_backend_changes_nothing(loan):
    order = collect(loan)
    PaymentOrder.objects.filter(pk=order.pk).update(gateway="immediate")
    tell(order, ReportStatus.FAILED)
    assert orders_poll(older_than=timedelta(0)) == 0
    assert PaymentOrder.objects.get(pk=order.pk).status == Status.FAILED
    assert not Repayment.objects.filter(loan=loan).exists()
