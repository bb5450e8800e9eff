from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from loans.models import Product

BUSINESS_DATE = date(2026, 1, 1)  # LEDGER_INITIAL_BUSINESS_DATE in config.settings.test


def product_fields(**overrides) -> dict:
    """A coherent, cap-compliant equal-installment cash loan (18%, no fees)."""
    fields = {
        "code": "test-cash",
        "name": "Test cash loan",
        "product_type": Product.Type.CASH_LOAN,
        "currency": "CNY",
        "jurisdiction": "CN",
        "method": "equal_installment",
        "frequency": "monthly",
        "day_count": "act/360",
        "rounding": "half_up",
        "annual_rate": Decimal("0.18"),
        "min_amount": Decimal("1000.00"),
        "max_amount": Decimal("50000.00"),
        "min_term": 3,
        "max_term": 12,
        "allowed_terms": [3, 6, 12],
    }
    fields.update(overrides)
    return fields


def make_product(**overrides) -> Product:
    """An unsaved product; save it with `product_save` (or `Product.objects.create` to skip the
    rules on purpose)."""
    return Product(**product_fields(**overrides))


@pytest.fixture
def build_product():
    return make_product


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Anonymous quote throttling counts in the default cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()
