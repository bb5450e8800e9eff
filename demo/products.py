"""The demo products (``demo/fixtures/demo_products.json``), loaded through the product rules.

``loaddata`` would write the rows raw; loading them here runs every product rule and the
worst-case APR check, and is idempotent on the product code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from loans.models import Product
from loans.services.products import product_save

DEMO_PRODUCTS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "demo_products.json"


@dataclass(frozen=True, slots=True)
class DemoProductLoad:
    product: Product
    action: str
    """``created``, ``updated`` or ``kept`` (already there and not asked to update)."""


def demo_products_read(*, path: Path = DEMO_PRODUCTS_FIXTURE) -> list[dict[str, object]]:
    """Each product's fields, from a fixture in Django's format (primary keys are ignored)."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [entry["fields"] for entry in entries if entry.get("model") == "loans.product"]


def demo_products_load(
    *, on_date: date, update: bool = False, path: Path = DEMO_PRODUCTS_FIXTURE
) -> list[DemoProductLoad]:
    """Create the demo products that are missing (and, with ``update``, reset the others to the
    fixture), each checked by ``product_save`` on ``on_date``. All or nothing."""
    results = []
    with transaction.atomic():
        for fields in demo_products_read(path=path):
            product = Product.objects.filter(code=fields["code"]).first()
            if product is not None and not update:
                results.append(DemoProductLoad(product, "kept"))
                continue
            action = "created" if product is None else "updated"
            product = product or Product()
            for name, value in fields.items():
                setattr(product, name, Product._meta.get_field(name).to_python(value))
            results.append(DemoProductLoad(product_save(product=product, on_date=on_date), action))
    return results
