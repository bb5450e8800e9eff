"""Reads of products for the quote service, the API and the admin."""

from __future__ import annotations

from django.db.models import QuerySet

from loans.models import Product


def product_list_active() -> QuerySet[Product]:
    """Products a borrower can be quoted on, by code."""
    return Product.objects.filter(is_active=True).order_by("code")


def product_get_active(*, code: str) -> Product | None:
    return product_list_active().filter(code=code).first()
