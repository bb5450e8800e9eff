"""Property-based fuzzing of the API against its own OpenAPI schema (schemathesis, through the
WSGI app: no server). No request may get a 5xx, and every response must match the schema:
status code, content type, headers and body.

Each operation is driven by its hypothesis strategy directly (schemathesis' pytest plugin does
not run under pytest 9), a few examples each so the whole run stays well under a minute.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from schemathesis import checks

from loans.models import Loan

from .conftest import active_loan_for, make_borrower_user

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
FUZZED = r"^/api/v1/(loans|quotes|products|auth/token)"
EXAMPLES_PER_OPERATION = 20
HIGH_RATES = {key: "100000/min" for key in api_settings.DEFAULT_THROTTLE_RATES}


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes the database connection after each request, which would end the
    test's transaction; Django's test client disconnects the same signal handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def borrower_token(db, today) -> Token:
    user, borrower = make_borrower_user()
    for _ in range(2):
        active_loan_for(borrower, on=today)
    return Token.objects.create(user=user)


@pytest.mark.django_db
def test_no_server_error_and_every_response_matches_the_schema(
    borrower_token, keep_test_connection
):
    rest = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": HIGH_RATES}
    headers = {"Authorization": f"Token {borrower_token.key}"}
    loan_ids = list(Loan.objects.values_list("id", flat=True))
    with override_settings(REST_FRAMEWORK=rest):
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
        operations = [
            result.ok() for result in schema.include(path_regex=FUZZED).get_all_operations()
        ]
        assert len(operations) >= 10
        failures = {}
        for operation in operations:

            @given(case=operation.as_strategy(), own_loan=st.sampled_from([None, *loan_ids]))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def exercise(case, own_loan):
                # Random ids are nearly always 404s: half the cases ask about the borrower's
                # own loans, so the successful responses are checked against the schema too.
                if own_loan is not None and "loan_id" in (case.path_parameters or {}):
                    case.path_parameters["loan_id"] = own_loan
                # The generated security header would be random: sign the case in instead, with
                # a token a fuzzed DELETE /auth/token may have revoked meanwhile.
                Token.objects.get_or_create(key=borrower_token.key, user=borrower_token.user)
                case.headers = {**(case.headers or {}), **headers}
                response = case.call()
                case.validate_response(response, checks=CHECKS)

            try:
                exercise()
            except Exception as exc:  # collect every operation's failure, then report them all
                failures[operation.label] = exc
    assert not failures, "\n\n".join(f"{label}: {exc}" for label, exc in failures.items())
