"""Quotes: the schedule, the APR by the IRR method and the rate-cap check for an amount and a term
of a product (the consumer quote), or for bare schedule terms (the back-office command).

A quote writes nothing. Its shape (``QuoteResult.as_dict``) is the one the API and the
``quote`` command's ``--json`` both render, through ``loans.api.serializers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calc.apr import AprError
from calc.money import is_quantized, minor_unit_for
from calc.pricing import PricedRate, PricingError
from calc.quote import Quote, quote
from calc.rate_caps import RateCapError, jurisdictions
from calc.schedules import ScheduleError, ScheduleTerms
from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import Product
from loans.selectors.products import product_get_active
from loans.terms import product_pricing, product_terms

NON_FIELD = "non_field_errors"


class QuoteInputError(DomainError):
    """A quote request that cannot be priced; ``errors`` maps each offending field (``product``,
    ``principal``, ``term``, ``start_date``, ``first_due_date``, ``credit_score``) to messages."""

    status_code = 400
    code = "validation-error"
    title = "The request is not valid."

    def __init__(self, errors: dict[str, list[str]]):
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        super().__init__(detail)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class QuoteResult:
    quote: Quote
    currency: str
    product: Product | None = None
    credit_score: int | None = None
    priced: PricedRate | None = None
    """The risk-based price (band, rate, whether the cap clamped it); None without bands."""

    def as_dict(self) -> dict[str, object]:
        """The quote API's shape; Decimals and dates stay Decimal and date."""
        product = self.product
        priced = self.priced
        return {
            "product": None
            if product is None
            else {"code": product.code, "name": product.name, "currency": product.currency},
            "currency": self.currency,
            "credit_score": self.credit_score,
            "pricing_band": None
            if priced is None
            else {
                "name": priced.band.name,
                "min_score": priced.band.min_score,
                "annual_rate": priced.annual_rate,
                "capped": priced.capped,
            },
            **self.quote.as_dict(),
        }


def quote_for_product(
    *,
    product_code: str,
    principal: Decimal,
    term: int,
    start_date: date | None = None,
    credit_score: int | None = None,
    first_due_date: date | None = None,
) -> QuoteResult:
    """Quote an active product by code; the start date defaults to the business date."""
    product = product_get_active(code=product_code)
    if product is None:
        raise QuoteInputError({"product": [f"There is no active product {product_code!r}."]})
    return product_quote(
        product=product,
        principal=principal,
        term=term,
        start_date=business_date_current() if start_date is None else start_date,
        credit_score=credit_score,
        first_due_date=first_due_date,
    )


def product_quote(
    *,
    product: Product,
    principal: Decimal,
    term: int,
    start_date: date,
    credit_score: int | None = None,
    first_due_date: date | None = None,
) -> QuoteResult:
    """Quote a product: amount and term within its ranges, the rate of the borrower's score band
    (no score: the worst band) clamped to the cap in force on ``start_date``, and the cap check
    of the resulting all-in APR on that date."""
    errors = _input_errors(product, principal, term, start_date, first_due_date)
    priced = None
    annual_rate = product.annual_rate
    try:
        pricing = product_pricing(product, on_date=start_date)
        if pricing is not None:
            priced = pricing.rate_for(credit_score)
            annual_rate = priced.annual_rate
    except RateCapError as exc:
        errors.setdefault("start_date", []).append(str(exc))
    except PricingError as exc:
        errors.setdefault("credit_score", []).append(str(exc))
    if errors:
        raise QuoteInputError(errors)
    try:
        terms = product_terms(
            product,
            principal=principal,
            term=term,
            start_date=start_date,
            annual_rate=annual_rate,
            first_due_date=first_due_date,
        )
        result = quote(terms, jurisdiction=product.jurisdiction, cap_rule=product.cap_rule or None)
    except RateCapError as exc:
        raise QuoteInputError({"start_date": [str(exc)]}) from exc
    except (ScheduleError, AprError) as exc:
        raise QuoteInputError({NON_FIELD: [str(exc)]}) from exc
    return QuoteResult(result, product.currency, product, credit_score, priced)


def quote_for_terms(
    *,
    terms: ScheduleTerms,
    jurisdiction: str | None = "CN",
    cap_rule: str | None = None,
    currency: str = "CNY",
) -> QuoteResult:
    """Quote bare schedule terms (no product), checked against ``jurisdiction``'s cap on the
    start date (no jurisdiction: no cap check)."""
    if jurisdiction is not None and jurisdiction.upper() not in jurisdictions():
        known = ", ".join(jurisdictions())
        raise QuoteInputError(
            {"jurisdiction": [f"Unknown jurisdiction {jurisdiction!r}: {known}."]}
        )
    try:
        result = quote(terms, jurisdiction=jurisdiction, cap_rule=cap_rule)
    except RateCapError as exc:
        raise QuoteInputError({"start_date": [str(exc)]}) from exc
    except (ScheduleError, AprError) as exc:
        raise QuoteInputError({NON_FIELD: [str(exc)]}) from exc
    return QuoteResult(result, currency)


def _input_errors(
    product: Product,
    principal: Decimal,
    term: int,
    start_date: date,
    first_due_date: date | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    currency = product.currency
    if not product.is_amount_allowed(principal):
        errors["principal"] = [
            f"The amount must be between {product.min_amount} and {product.max_amount} "
            f"{currency} for product {product.code}."
        ]
    elif not is_quantized(principal, minor_unit_for(currency)):
        errors["principal"] = [f"{currency} amounts have no digits below its minor unit."]
    if not product.is_term_allowed(term):
        allowed = (
            ", ".join(map(str, product.terms_in_range()))
            if product.allowed_terms
            else f"{product.min_term} to {product.max_term}"
        )
        errors["term"] = [f"Product {product.code} allows terms of {allowed} periods, not {term}."]
    if first_due_date is not None and first_due_date <= start_date:
        errors["first_due_date"] = [
            f"The first due date must be after the start date {start_date}."
        ]
    return errors
