"""Fixtures for the API and admin tests: borrowers with users and tokens, loans through the
lifecycle services, staff users in the shipped groups."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import AuditEvent
from ledger.services import business_date_current
from loans.models import Loan
from loans.services.disbursement import loan_disburse
from tests.lifecycle.factories import make_borrower, make_loan, make_product

_users = itertools.count(1)
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttles count in the default cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def today() -> date:
    return business_date_current()


def staff_events():
    """The audit events of what a test's users do: every money movement is audited, and those a
    fixture makes through the services (a disbursement to set a loan up) are the system's."""
    return AuditEvent.objects.exclude(source="system")


def make_user(*, staff: bool = False, groups: tuple[str, ...] = (), **extra) -> User:
    user = User.objects.create_user(
        username=f"user{next(_users)}", password=PASSWORD, is_staff=staff, **extra
    )
    if groups:
        user.groups.set(Group.objects.filter(name__in=groups))
    return user


def make_borrower_user(name: str = "Li Na"):
    user = make_user()
    borrower = make_borrower(name=name, user=user)
    return user, borrower


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def active_loan_for(
    borrower, *, on: date, principal: str = "12000.00", term: int = 12, **product
) -> Loan:
    """A disbursed loan; `product` overrides the test product (`frequency="weekly"` makes the
    first installment fall due a week after `on`: few days to close in a test)."""
    loan = make_loan(principal, term, on, borrower=borrower, **product)
    return loan_disburse(loan=loan, business_date=on, actor="tester")


@pytest.fixture
def borrower_user(db):
    return make_borrower_user()


@pytest.fixture
def client(borrower_user) -> APIClient:
    return client_for(borrower_user[0])


@pytest.fixture
def loan(borrower_user, today) -> Loan:
    return active_loan_for(borrower_user[1], on=today)


@pytest.fixture
def other_loan(db, today) -> Loan:
    _, borrower = make_borrower_user("Wang Fang")
    return active_loan_for(borrower, on=today)


@pytest.fixture
def product(db):
    return make_product(code="api-cash", allowed_terms=[3, 6, 12])


def problem(response) -> dict:
    """The response's problem+json body, checked for the RFC 9457 members."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == response.status_code
    return body
