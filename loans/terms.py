"""From a product (or a signed loan's snapshot) to the pure calculation core's inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from calc.contract_terms import schedule_terms
from calc.pricing import CapPolicy, RiskPricing, ScoreBand
from calc.rate_caps import rate_cap
from calc.schedules import ScheduleTerms
from core.money import ZERO

from .models import Loan, Product


def product_pricing(product: Product, *, on_date: date) -> RiskPricing | None:
    """The product's score bands, clamped to the jurisdiction's cap on `on_date`."""
    if not product.pricing_bands:
        return None
    _, cap = rate_cap(product.jurisdiction, on_date, product.cap_rule or None)
    bands = tuple(
        ScoreBand(band.get("min_score"), Decimal(str(band["annual_rate"])), band.get("name", ""))
        for band in product.pricing_bands
    )
    return RiskPricing(bands, cap=cap, policy=CapPolicy.CLAMP)


def product_rate(product: Product, *, credit_score: int | None, on_date: date) -> Decimal:
    """The annual rate a borrower with `credit_score` is offered (no score: the worst band)."""
    pricing = product_pricing(product, on_date=on_date)
    if pricing is None:
        return product.annual_rate
    return pricing.rate_for(credit_score).annual_rate


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
        },
        principal=loan.principal,
        term=loan.term,
        start_date=start_date or loan.start_date,
        annual_rate=loan.annual_rate,
        first_due_date=loan.first_due_date,
    )
