import pytest


@pytest.fixture(autouse=True)
def _fresh_account_cache():
    """The calculation core is pure (no Django, no database): it has no ledger cache to reset,
    and overriding the suite-wide fixture keeps ``pytest tests/calc -p no:django`` working."""
    yield
