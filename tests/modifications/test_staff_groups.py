"""The shipped groups carry the modification roles (data migration): a loan officer asks, an
approver decides; a user in neither group, or in the wrong one, is refused and nothing changes."""

from datetime import date

import pytest

from loans.models import LoanModification
from loans.services.backoffice import StaffPermissionDenied
from loans.services.modification_backoffice import (
    backoffice_modification_decide,
    backoffice_modification_request,
)
from tests.api.conftest import make_user
from tests.lifecycle.factories import make_active_loan

pytestmark = pytest.mark.django_db
ON = date(2026, 2, 1)


def ask(loan, actor):
    return backoffice_modification_request(
        loan=loan,
        kind="reschedule",
        effective_date=ON,
        parameters={"term": 18},
        reason="hardship",
        actor=actor,
        business_date=ON,
    )


def test_a_loan_officer_asks_and_an_approver_decides():
    loan = make_active_loan()
    officer = make_user(staff=True, groups=("loan officer",))
    approver = make_user(staff=True, groups=("approver",))
    modification = ask(loan, officer)
    with pytest.raises(StaffPermissionDenied, match="approve_modification"):
        backoffice_modification_decide(
            modification=modification, approve=True, actor=officer, business_date=ON
        )
    decided = backoffice_modification_decide(
        modification=modification, approve=True, actor=approver, business_date=ON
    )
    assert (decided.status, decided.checked_by) == ("applied", approver.username)


@pytest.mark.parametrize("groups", [(), ("viewer",), ("approver",), ("collector",)])
def test_a_user_without_the_request_permission_is_refused(groups):
    loan = make_active_loan()
    with pytest.raises(StaffPermissionDenied, match="request_modification"):
        ask(loan, make_user(staff=True, groups=groups))
    assert not LoanModification.objects.exists()
