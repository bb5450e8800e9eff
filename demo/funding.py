"""Joint lending in the demo: two partners (a bank and a trust) co-lend every other product with
the platform (30 / 50 / 20, the bank at 8% and the trust at 10% a year, the platform
guaranteeing both and buying back at 90 days past due), the other products stay own-funded;
each simulated day ends with the partners' settlement. On PostgreSQL the funders' books are
derived in one SQL statement; on SQLite (`make run`) by the same rules in Python, so the SQLite
demo co-lends too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from funding.models import ArrangementShare, Funder, FundingArrangement
from funding.services.settlement import funder_settle
from loans.models import Product

PARTNERS = (
    ("demo-bank", "Demo partner bank (演示合作银行)", Funder.Kind.BANK, Decimal("0.50"), "0.08"),
    ("demo-trust", "Demo trust (演示信托)", Funder.Kind.TRUST, Decimal("0.20"), "0.10"),
)
PLATFORM_SHARE = Decimal("0.30")


def demo_funding_ensure(*, products: list[Product], on: date) -> list[Product]:
    """The partners and an arrangement for every other product (by code); the co-lent
    products."""
    platform = Funder.objects.get(kind=Funder.Kind.PLATFORM)
    partners = [
        (
            Funder.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0],
            share,
            Decimal(rate),
        )
        for code, name, kind, share, rate in PARTNERS
    ]
    co_lent = sorted(products, key=lambda product: product.code)[::2]
    for product in co_lent:
        arrangement, created = FundingArrangement.objects.get_or_create(
            code=f"demo-{product.code}"[:32],
            defaults={"product": product, "valid_from": on, "buyback_days_past_due": 90},
        )
        if not created:
            continue
        ArrangementShare.objects.create(
            arrangement=arrangement, funder=platform, share=PLATFORM_SHARE
        )
        for funder, share, rate in partners:
            ArrangementShare.objects.create(
                arrangement=arrangement,
                funder=funder,
                share=share,
                funder_rate=rate if rate < product.annual_rate else None,
            )
    return co_lent


def demo_partners_settle(*, on: date) -> int:
    """Every partner settled for ``on``; how many settlement runs were made."""
    runs = 0
    for funder in Funder.objects.exclude(kind=Funder.Kind.PLATFORM).filter(is_active=True):
        funder_settle(funder=funder, on=on, actor="simulate")
        runs += 1
    return runs
