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
def _fresh_account_cache():
    """Transactional tests flush and reload the chart: never trust ids cached before."""
    from ledger.accounts import clear_account_cache

    clear_account_cache()
    yield
    clear_account_cache()
