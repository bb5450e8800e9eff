from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile("default")


@pytest.fixture
def d():
    """Short date constructor for given/when/then tests: d('2026-01-15')."""
    return date.fromisoformat


@pytest.fixture
def money():
    return Decimal


@pytest.fixture(autouse=True)
def _language_of_the_settings():
    """The test client's requests go through LocaleMiddleware, which activates the request's
    language in the test's thread and leaves it there: a later test rendering outside a
    request (a chart, a report) would speak Chinese. Each test starts in LANGUAGE_CODE."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_account_cache():
    """Transactional tests flush and reload the chart: never trust ids (nor closed accounting
    periods) cached before."""
    from ledger.accounts import clear_account_cache
    from ledger.periods import closed_periods_forget

    clear_account_cache()
    closed_periods_forget()
    yield
    clear_account_cache()
    closed_periods_forget()


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_ledgers_truncate_guard():
    """Transactional tests end with Django's flush, one TRUNCATE of every table, which the
    ledger's tables refuse (migration ledger/0004). The suite's flush runs with triggers off for
    its own transaction, which only a superuser (or a role granted the setting) may do."""
    from unittest import mock

    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return flush(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    with mock.patch.object(DatabaseOperations, "execute_sql_flush", execute_sql_flush):
        yield


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """The long scenario tests (marked ``slow``) first: xdist hands out the first quarter of the
    suite round-robin, so they run side by side on every worker from the start instead of one
    of them starting last and running alone. pytest-django's sort (database tests, then
    transactional ones, then the rest) runs after this one and keeps this order within each."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
