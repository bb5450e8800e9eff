"""Quotes: the schedule, the APR by the IRR method and the rate-cap check for an amount and a term
of a product (the consumer quote), or for bare schedule terms (the back-office command).

A product with risk-based pricing is quoted at the rate of the borrower's band on the lender's
credit assessment (``CreditAssessment``; none, or an anonymous caller: the worst band), never on
a score the caller claims, together with the band table: each band's rate and the APR it gives
for the amount and term asked. A quote writes nothing. Its shape (``QuoteResult.as_dict``) is
the one the API and the ``quote`` command's ``--json`` both render, through
``loans.api.serializers``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from calc.apr import AprError, AprResult
from calc.money import is_quantized, minor_unit_for
from calc.pricing import PricedRate, PricingError
from calc.quote import Quote, quote
from calc.rate_caps import RateCapError, jurisdictions
from calc.schedules import ScheduleError, ScheduleTerms
from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import Borrower, Product
from loans.selectors.assessments import credit_assessment_current
from loans.selectors.products import product_get_active
from loans.terms import product_pricing, product_terms

NON_FIELD = "non_field_errors"


class QuoteInputError(DomainError):
    """A quote request that cannot be priced; ``errors`` maps each offending field (``product``,
    ``principal``, ``term``, ``start_date``, ``first_due_date``) to messages."""

    status_code = 400
    code = "validation-error"
    title = "The request is not valid."

    def __init__(self, errors: dict[str, list[str]]):
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        super().__init__(detail)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class BandPrice:
    """One row of a product's band table: the band, its rate (clamped to the cap) and the APR
    it gives for the amount and term quoted."""

    name: str
    min_score: int | None
    annual_rate: Decimal
    capped: bool
    apr: AprResult

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "min_score": self.min_score,
            "annual_rate": self.annual_rate,
            "capped": self.capped,
            "apr": {"nominal": self.apr.nominal, "effective": self.apr.effective},
        }


@dataclass(frozen=True, slots=True)
class QuoteResult:
    quote: Quote
    currency: str
    product: Product | None = None
    priced: PricedRate | None = None
    """The risk-based price (band, rate, whether the cap clamped it); None without bands."""
    bands: tuple[BandPrice, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The quote API's shape; Decimals and dates stay Decimal and date."""
        product = self.product
        priced = self.priced
        return {
            "product": None
            if product is None
            else {"code": product.code, "name": product.name, "currency": product.currency},
            "currency": self.currency,
            "pricing_band": None
            if priced is None
            else {
                "name": priced.band.name,
                "min_score": priced.band.min_score,
                "annual_rate": priced.annual_rate,
                "capped": priced.capped,
            },
            "bands": [band.as_dict() for band in self.bands],
            **self.quote.as_dict(),
        }


def quote_for_product(
    *,
    product_code: str,
    principal: Decimal,
    term: int,
    start_date: date | None = None,
    first_due_date: date | None = None,
    borrower: Borrower | None = None,
) -> QuoteResult:
    """Quote an active product by code, with its band table; the start date defaults to the
    business date. Priced on ``borrower``'s credit assessment valid today (see the module
    docstring); without one, in the worst band."""
    product = product_get_active(code=product_code)
    if product is None:
        raise QuoteInputError({"product": [f"There is no active product {product_code!r}."]})
    today = business_date_current()
    assessment = (
        None
        if borrower is None
        else credit_assessment_current(borrower_id=borrower.pk, on_date=today)
    )
    result = product_quote(
        product=product,
        principal=principal,
        term=term,
        start_date=today if start_date is None else start_date,
        credit_score=None if assessment is None else assessment.score,
        first_due_date=first_due_date,
    )
    return replace(result, bands=_band_table(product, result))


def _band_table(product: Product, result: QuoteResult) -> tuple[BandPrice, ...]:
    terms = result.quote.schedule.terms
    pricing = product_pricing(product, on_date=terms.start_date)
    if pricing is None:
        return ()
    rows = []
    aprs = {terms.annual_rate: result.quote.apr}
    for band in pricing.bands:
        capped = pricing.cap is not None and band.annual_rate > pricing.cap
        rate = pricing.cap if capped else band.annual_rate
        if rate not in aprs:
            banded = product_terms(
                product,
                principal=terms.principal,
                term=terms.term,
                start_date=terms.start_date,
                annual_rate=rate,
                first_due_date=terms.first_due_date,
            )
            aprs[rate] = quote(banded).apr
        rows.append(BandPrice(band.name, band.min_score, rate, capped, aprs[rate]))
    return tuple(rows)


def product_quote(
    *,
    product: Product,
    principal: Decimal,
    term: int,
    start_date: date,
    credit_score: int | None = None,
    first_due_date: date | None = None,
) -> QuoteResult:
    """Quote a product: amount and term within its ranges, the rate of the score band of
    ``credit_score`` (the lender's assessment; no score: the worst band) clamped to the cap in
    force on ``start_date``, and the cap check of the resulting all-in APR on that date."""
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
        errors.setdefault(NON_FIELD, []).append(str(exc))
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
    return QuoteResult(result, product.currency, product, priced)


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
