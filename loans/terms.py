"""From a product (or a signed loan's snapshot) to the pure calculation core's inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from calc.contract_terms import schedule_terms
from calc.pricing import CapPolicy, RiskPricing, ScoreBand
from calc.rate_caps import capped_rate
from calc.schedules import ScheduleTerms
from core.money import ZERO

from .models import Loan, Product


def risk_pricing(
    bands, *, jurisdiction: str, cap_rule: str | None, on_date: date
) -> RiskPricing | None:
    """Score bands (a product's ``pricing_bands``) clamped to the jurisdiction's cap on
    `on_date`; None without bands (a flat rate)."""
    if not bands:
        return None
    capped = capped_rate(jurisdiction, on_date, cap_rule or None)
    cap = None if capped is None else capped[1]
    return RiskPricing(
        tuple(
            ScoreBand(
                band.get("min_score"), Decimal(str(band["annual_rate"])), band.get("name", "")
            )
            for band in bands
        ),
        cap=cap,
        policy=CapPolicy.CLAMP,
    )


def product_pricing(product: Product, *, on_date: date) -> RiskPricing | None:
    """The product's score bands, clamped to the jurisdiction's cap on `on_date` (none where
    the jurisdiction has no APR ceiling)."""
    return risk_pricing(
        product.pricing_bands,
        jurisdiction=product.jurisdiction,
        cap_rule=product.cap_rule,
        on_date=on_date,
    )


def product_terms(
    product: Product,
    *,
    principal: Decimal,
    term: int,
    start_date: date,
    annual_rate: Decimal,
    first_due_date: date | None = None,
) -> ScheduleTerms:
    return schedule_terms(
        product.contract_terms(),
        principal=principal,
        term=term,
        start_date=start_date,
        annual_rate=annual_rate,
        first_due_date=first_due_date,
    )


def loan_terms(loan: Loan, *, start_date: date | None = None) -> ScheduleTerms:
    """The schedule terms a loan was signed on (its own terms, never the live product)."""
    return schedule_terms(
        {
            "currency": loan.currency,
            "method": loan.method,
            "frequency": loan.frequency,
            "day_count": loan.day_count,
            "rounding": loan.rounding,
            "fee_rate": loan.fee_rate,
            "upfront_fee_amount": loan.upfront_fee,
            "upfront_fee_rate": ZERO,
            "calendar": loan.calendar,
            "shift_rule": loan.shift_rule,
            "installment_rounding": loan.installment_rounding,
            "level_convention": loan.level_convention,
            "bullet_interest": loan.bullet_interest,
        },
        principal=loan.principal,
        term=loan.term,
        start_date=start_date or loan.start_date,
        annual_rate=loan.annual_rate,
        first_due_date=loan.first_due_date,
    )
