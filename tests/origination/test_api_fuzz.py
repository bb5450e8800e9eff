"""Property-based fuzzing of the origination endpoints against the OpenAPI schema (schemathesis
through the WSGI app): no 5xx, and every response matches the schema."""

from datetime import date

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from schemathesis import checks

from ledger.services import business_date_open

from .factories import make_borrower, make_merchant, make_product, open_line

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
FUZZED = r"^/api/v1/(applications|credit-lines)"
EXAMPLES_PER_OPERATION = 25
HIGH_RATES = {key: "100000/min" for key in api_settings.DEFAULT_THROTTLE_RATES}


@pytest.fixture
def keep_test_connection():
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_origination_endpoints_never_fail_and_match_the_schema(keep_test_connection):
    from django.core.wsgi import get_wsgi_application

    business_date_open(on=date(2026, 1, 15))
    borrower = make_borrower()
    user = get_user_model().objects.create_user("fuzz", password="x")
    borrower.user = user
    borrower.save(update_fields=["user"])
    token = Token.objects.create(user=user)
    cash = make_product("cash_loan")
    line = open_line(cash, borrower)
    make_merchant()
    references = [line.reference, line.application.reference]
    rest = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": HIGH_RATES}
    with override_settings(REST_FRAMEWORK=rest):
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
        operations = [r.ok() for r in schema.include(path_regex=FUZZED).get_all_operations()]
        assert len(operations) == 5  # the list, apply and read applications; lines; draw
        failures = {}
        for operation in operations:

            @given(case=operation.as_strategy(), own=st.sampled_from([None, *references]))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def exercise(case, own):
                if own is not None and "reference" in (case.path_parameters or {}):
                    case.path_parameters["reference"] = own
                case.headers = {**(case.headers or {}), "Authorization": f"Token {token.key}"}
                response = case.call()
                case.validate_response(response, checks=CHECKS)

            try:
                exercise()
            except Exception as exc:  # noqa: BLE001 - every operation's failure, reported together
                failures[operation.label] = exc
    assert not failures, "\n\n".join(f"{label}: {exc}" for label, exc in failures.items())
