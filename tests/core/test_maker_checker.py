"""The one maker-checker helper (`core.maker_checker.Decision`) every back-office request uses:
a request already decided, or decided by its maker, is refused with the kind's own error and
left unchanged; a decision records status, checker, date and note."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from loans.errors import LoanRuleError, LoanStateError
from loans.models import LoanModification, RefundRequest
from loans.services.modifications import DECISION, modification_request
from loans.services.refund_requests import refund_request_approve, refund_request_reject
from tests.api.conftest import make_user
from tests.lifecycle.factories import make_active_loan

pytestmark = pytest.mark.django_db
ON = date(2026, 2, 1)


def requested() -> LoanModification:
    return modification_request(
        loan=make_active_loan(),
        kind="reschedule",
        effective_date=ON,
        parameters={"term": 18},
        business_date=ON,
        requested_by="maker",
    )


def test_a_decision_by_the_maker_or_of_a_decided_request_is_refused():
    modification = requested()
    with pytest.raises(LoanRuleError, match="another user must decide"):
        DECISION.pending_for(modification.pk, "maker")
    with pytest.raises(LoanRuleError):
        DECISION.pending_for(modification.pk, "")
    locked = DECISION.pending_for(modification.pk, "checker")
    DECISION.record(locked, status="rejected", checker="checker", when=ON, note="x" * 300)
    modification.refresh_from_db()
    assert (modification.status, modification.checked_by, modification.decided_on) == (
        "rejected",
        "checker",
        ON,
    )
    assert len(modification.decision_note) == 255
    with pytest.raises(LoanStateError, match="only a requested one"):
        DECISION.pending_for(modification.pk, "someone else")


def test_a_refund_request_is_not_decided_by_the_user_who_made_it():
    loan = make_active_loan()
    approver = make_user(staff=True)
    approver.user_permissions.add(Permission.objects.get(codename="approve_refundrequest"))
    request = RefundRequest.objects.create(
        loan=loan, amount=Decimal("10.00"), requested_by=approver, business_date=ON
    )
    for decide in (refund_request_approve, refund_request_reject):
        with pytest.raises(LoanRuleError, match="maker-checker"):
            decide(request=request, actor=approver, business_date=ON)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("pending", None)
