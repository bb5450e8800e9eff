"""Saving products: only a product whose fields are valid and that passes the product rules
(`loans.models.product_validation`: coherent terms, regulatory limits, worst-case APR within the
cap) is written."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from loans.models import Product
from loans.models.product_validation import (
    REQUIRED_FIELDS,
    ProductRuleError,
    RateCapExceeded,
    WorstCaseApr,
    percent,
    product_validate,
    product_worst_case_apr,
)

__all__ = [
    "REQUIRED_FIELDS",
    "ProductRuleError",
    "RateCapExceeded",
    "WorstCaseApr",
    "percent",
    "product_save",
    "product_validate",
    "product_worst_case_apr",
]


def product_save(*, product: Product, on_date: date) -> Product:
    """Save a product only if its fields are valid, its code unique and it passes
    ``product_validate`` on ``on_date`` (the business date)."""
    try:
        product.clean_fields()
        product.validate_unique()
    except ValidationError as exc:
        errors = exc.message_dict
        summary = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        raise ProductRuleError(summary, errors=errors) from exc
    product_validate(product, on_date)
    with transaction.atomic():
        product.save()
    return product
