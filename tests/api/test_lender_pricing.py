"""Risk-based prices follow the lender's credit assessment of the borrower, never a score the
borrower sends; approval checks the price again (issue 23, item 1)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from loans.models import CreditAssessment, Loan
from loans.services.credit_assessments import credit_assessment_record
from tests.lifecycle.factories import make_product, reload

from .conftest import client_for, make_user, problem

D = Decimal
pytestmark = pytest.mark.django_db
BANDS = [
    {"min_score": 700, "annual_rate": "0.12", "name": "prime"},
    {"min_score": 650, "annual_rate": "0.18", "name": "near prime"},
    {"min_score": None, "annual_rate": "0.24", "name": "subprime"},
]


@pytest.fixture
def banded(db):
    return make_product(code="banded-cash", pricing_bands=BANDS, allowed_terms=[6, 12])


@pytest.fixture
def approver(db):
    return make_user(staff=True, groups=("approver",))


def apply(client, product, **extra):
    body = {"product": product.code, "principal": "6000.00", "term": 6, **extra}
    return client.post("/api/v1/loans", body, format="json")


def assess(staff, borrower, score: int):
    return client_for(staff).post(
        f"/api/v1/backoffice/borrowers/{borrower.pk}/credit-assessments",
        {"score": score, "reason": "bureau report", "reference": "PBOC-0001"},
        format="json",
    )


def test_the_same_application_with_720_and_300_is_refused_not_priced(client, banded):
    for score in (720, 300):
        body = problem(apply(client, banded, credit_score=score))
        assert body["status"] == 400
        assert "lender's own credit assessment" in body["errors"]["credit_score"][0]
    # another invalid field is named with it
    assert {"credit_score", "term"} <= set(
        problem(apply(client, banded, credit_score=720, term=0))["errors"]
    )
    assert not Loan.objects.exists()


def test_an_application_is_priced_on_the_lenders_assessment(
    client, borrower_user, banded, approver, today
):
    # given a borrower the lender never assessed: the worst band
    unassessed = apply(client, banded)
    assert unassessed.status_code == 201, unassessed.json()
    assert unassessed.json()["annual_rate"] == "0.24000000"
    # when an approver records the lender's assessment (audited)
    response = assess(approver, borrower_user[1], 720)
    assert response.status_code == 201, response.json()
    assessment = CreditAssessment.objects.get(pk=response.json()["id"])
    assert (assessment.source, assessment.assessed_by) == ("staff", approver.username)
    event = AuditEvent.objects.get(action="borrower.credit_assess")
    assert (event.actor, event.after["score"], event.reason) == (approver, 720, "bureau report")
    # then the borrower's quote and application are priced in the prime band, at one price
    quote = client.post(
        "/api/v1/quotes",
        {"product": banded.code, "principal": "6000.00", "term": 6},
        format="json",
    ).json()
    assert quote["pricing_band"]["name"] == "prime"
    applied = apply(client, banded, disclosed_apr=quote["apr"]["nominal"])
    assert applied.status_code == 201, applied.json()
    loan = Loan.objects.get(pk=applied.json()["id"])
    assert (loan.annual_rate, loan.credit_score, loan.credit_assessment) == (
        D("0.12"),
        720,
        assessment,
    )


@pytest.mark.parametrize("groups", [("loan officer",), ("viewer",), ("auditor",)])
def test_only_staff_with_the_permission_record_an_assessment(borrower_user, groups):
    response = assess(make_user(staff=True, groups=groups), borrower_user[1], 720)
    assert problem(response)["status"] == 403
    assert not CreditAssessment.objects.exists()


def test_a_borrower_cannot_assess_themself(client, borrower_user):
    response = client.post(
        f"/api/v1/backoffice/borrowers/{borrower_user[1].pk}/credit-assessments",
        {"score": 900, "reason": "trust me"},
        format="json",
    )
    assert problem(response)["status"] == 403
    anonymous = APIClient().post(
        f"/api/v1/backoffice/borrowers/{borrower_user[1].pk}/credit-assessments"
    )
    assert problem(anonymous)["status"] == 401
    assert not CreditAssessment.objects.exists()


def test_approval_refuses_a_loan_priced_on_a_score_the_borrower_claimed(client, banded, approver):
    # given a loan signed as the old API signed it: 12% on a claimed 720, no assessment
    loan = Loan.objects.get(pk=apply(client, banded).json()["id"])
    Loan.objects.filter(pk=loan.pk).update(annual_rate=D("0.12"), credit_score=720)
    # when staff approve it
    response = client_for(approver).post(f"/api/v1/backoffice/loans/{loan.pk}/approve")
    # then it is refused with the figures, and nothing changes
    body = problem(response)
    assert response.status_code == 422
    assert body["type"].endswith("/price-mismatch")
    assert "0.12" in body["detail"] and "0.24" in body["detail"]
    assert "no valid credit assessment" in body["detail"]
    assert reload(loan).status == "pending"
    assert not AuditEvent.objects.filter(action="loan.approve").exists()


def test_approval_rechecks_the_price_against_the_assessment_valid_today(
    client, borrower_user, banded, approver, today
):
    borrower = borrower_user[1]
    credit_assessment_record(
        borrower=borrower, score=720, source="bureau", business_date=today, assessed_by="bureau"
    )
    loan = Loan.objects.get(pk=apply(client, banded).json()["id"])
    assert loan.annual_rate == D("0.12")
    # the lender's assessment falls to 600 (subprime) before approval: refused
    assert assess(approver, borrower, 600).status_code == 201
    staff = client_for(approver)
    refused = staff.post(f"/api/v1/backoffice/loans/{loan.pk}/approve")
    assert problem(refused)["status"] == 422
    assert "score 600" in problem(refused)["detail"]
    # a new assessment in the same band as the price: approved
    assert assess(approver, borrower, 705).status_code == 201
    approved = staff.post(f"/api/v1/backoffice/loans/{loan.pk}/approve")
    assert approved.status_code == 200, approved.json()
    assert reload(loan).status == "approved"
