"""Product validation: a product is valid only when its terms are coherent and its worst-case all-in
APR (by the IRR method, fees included) is within its jurisdiction's cap on the date it is saved.

The worst case is the highest rate any borrower can be priced at (the highest score band, taken
as configured: a band above the cap is refused here rather than silently clamped at quote time),
every fee the product charges, and each term and amount extreme the product allows: the shortest
term is the worst for an upfront fee, the longest for a per-period fee on the original amount
(分期手续费), and the smallest amount is the worst for a fixed fee and for rounding. Schedules are
regular (no odd first period) and start on the date checked; a quote with an odd first period
still carries its own cap check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext, gettext_lazy

from calc import limits
from calc.apr import AprError
from calc.contract_terms import schedule_terms
from calc.jurisdictions import JurisdictionError, apr_method_for
from calc.quote import quote
from calc.rate_caps import CapCheck, RateCapError, capped_check, capped_rate
from calc.schedules import (
    ScheduleError,
)
from loans.errors import LoanRuleError

from .product_rules import (
    band_errors,
    check_allocation_order,
    check_amounts,
    check_conventions,
    check_enums,
    check_rates,
    check_terms,
)

TERMS_CHECKED_IN_FULL = 48
"""A term range up to this many terms is checked term by term; a longer one at its ends and at
``TERM_SAMPLES`` evenly spaced terms between (the APR is monotone in the term for each kind of
fee, so the ends are the extremes and the samples a safety net)."""
TERM_SAMPLES = 24
REQUIRED_FIELDS = (
    "min_amount",
    "max_amount",
    "min_term",
    "max_term",
    "annual_rate",
    "fee_rate",
    "upfront_fee_amount",
    "upfront_fee_rate",
    "penalty_rate",
)


class ProductRuleError(LoanRuleError):
    """A product that may not be saved; ``errors`` maps field names (``__all__`` for the
    product as a whole) to messages, as Django forms expect."""

    code = "product-rule"
    title = "The product breaks a product rule."

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None, **context):
        super().__init__(detail, **context)
        self.errors = errors or {NON_FIELD_ERRORS: [detail]}


class RateCapExceeded(ProductRuleError):
    code = "rate-cap-exceeded"
    title = "The product's worst-case APR exceeds its jurisdiction's rate cap."


@dataclass(frozen=True, slots=True)
class AprCase:
    """One (term, amount, rate) the worst case was searched over, with its APR."""

    term: int
    principal: Decimal
    annual_rate: Decimal
    apr: Decimal
    effective: Decimal


# The APR methods by name (the signed terms' disclosure and the product page show them).
APR_METHOD_LABELS = {
    "cn_irr": gettext_lazy("annualized rate by the IRR method (China)"),
    "us_reg_z": gettext_lazy("APR by Regulation Z (US)"),
    "eu_aprc": gettext_lazy("APRC (EU)"),
    "uk_aprc": gettext_lazy("APRC (UK)"),
}


@dataclass(frozen=True, slots=True)
class WorstCaseApr:
    case: AprCase
    check: CapCheck | None
    """None where the jurisdiction has no APR ceiling."""
    band: str
    """The pricing band the rate came from ("" without risk-based pricing)."""
    cases: tuple[AprCase, ...]

    @property
    def apr(self) -> Decimal:
        return self.case.apr

    method: str = "us_reg_z"
    """The jurisdiction's APR method the cases were computed by."""

    @property
    def within_cap(self) -> bool:
        return self.check is None or self.check.within_cap

    def describe(self) -> str:
        """In the reader's language; the method by name, the rule and jurisdiction as codes."""
        figures = {
            "apr": percent(self.apr),
            "method": str(APR_METHOD_LABELS.get(self.method, self.method)),
            "term": self.case.term,
            "amount": self.case.principal,
            "rate": percent(self.case.annual_rate),
            "band": self.band,
        }
        figure = (
            gettext(
                "worst-case APR %(apr)s (%(method)s, fees included; term %(term)s, amount "
                "%(amount)s, annual rate %(rate)s, band %(band)s)"
            )
            if self.band
            else gettext(
                "worst-case APR %(apr)s (%(method)s, fees included; term %(term)s, amount "
                "%(amount)s, annual rate %(rate)s)"
            )
        ) % figures
        if self.check is None:
            return gettext("%(figure)s: the jurisdiction has no APR cap") % {"figure": figure}
        cap = {
            "figure": figure,
            "cap": percent(self.check.cap),
            "rule": self.check.rule,
            "jurisdiction": self.check.jurisdiction,
            "on": self.check.on_date,
        }
        if self.within_cap:
            return (
                gettext(
                    "%(figure)s is within the cap %(cap)s of rule %(rule)s (%(jurisdiction)s) "
                    "on %(on)s"
                )
                % cap
            )
        return (
            gettext(
                "%(figure)s exceeds the cap %(cap)s of rule %(rule)s (%(jurisdiction)s) on %(on)s"
            )
            % cap
        )


def percent(rate: Decimal, places: int = 4) -> str:
    return f"{(rate * 100).quantize(Decimal(1).scaleb(-places))}%"


def product_worst_case_apr(product, on_date: date) -> WorstCaseApr:
    """The highest APR the product can produce on ``on_date`` and its cap check.

    Expects a product whose terms are coherent (``product_validate`` checks them first);
    terms the calculation core refuses raise ``ProductRuleError``.
    """
    annual_rate, band = _worst_rate(product)
    try:
        method = apr_method_for(product.jurisdiction)
    except JurisdictionError as exc:
        raise ProductRuleError(str(exc), errors={"jurisdiction": [str(exc)]}) from exc
    cases = []
    for term in _candidate_terms(product):
        for principal in sorted({product.min_amount, product.max_amount}):
            try:
                terms = schedule_terms(
                    product.contract_terms(),
                    principal=principal,
                    term=term,
                    start_date=on_date,
                    annual_rate=annual_rate,
                )
                result = quote(terms, apr_method=method)
            except (ScheduleError, AprError) as exc:
                raise ProductRuleError(
                    f"term {term}, amount {principal}: {exc}", term=term, principal=principal
                ) from exc
            cases.append(
                AprCase(term, principal, annual_rate, result.apr.nominal, result.apr.effective)
            )
    worst = max(cases, key=lambda case: (case.apr, -case.term))
    try:
        check = capped_check(
            worst.apr, product.jurisdiction, on_date=on_date, rule=product.cap_rule or None
        )
    except RateCapError as exc:
        raise ProductRuleError(str(exc), errors={_cap_field(product): [str(exc)]}) from exc
    return WorstCaseApr(case=worst, check=check, band=band, cases=tuple(cases), method=method.value)


def product_validate(product, on_date: date) -> WorstCaseApr:
    """Refuse an incoherent product (``ProductRuleError`` with every field's messages) or one
    whose worst-case APR exceeds its cap on ``on_date`` (``RateCapExceeded``, with the APR, the
    cap, the rule and the term and amount that gave it). Returns the worst case when it passes."""
    errors = _rule_errors(product, on_date)
    if errors:
        summary = "; ".join(
            f"{'product' if field == NON_FIELD_ERRORS else field}: {' '.join(messages)}"
            for field, messages in errors.items()
        )
        raise ProductRuleError(summary, errors=errors)
    worst = product_worst_case_apr(product, on_date)
    if worst.check is not None and not worst.within_cap:
        detail = f"Product {product.code}: {worst.describe()}."
        raise RateCapExceeded(
            detail,
            errors={NON_FIELD_ERRORS: [detail]},
            apr=worst.apr,
            cap=worst.check.cap,
            rule=worst.check.rule,
            jurisdiction=worst.check.jurisdiction,
            term=worst.case.term,
            principal=worst.case.principal,
            annual_rate=worst.case.annual_rate,
        )
    return worst


def _worst_rate(product) -> tuple[Decimal, str]:
    if not product.pricing_bands:
        return product.annual_rate, ""
    band = max(product.pricing_bands, key=lambda band: Decimal(str(band["annual_rate"])))
    label = band.get("name") or (
        f"score ≥ {band['min_score']}" if band.get("min_score") is not None else "lowest scores"
    )
    return Decimal(str(band["annual_rate"])), label


def _candidate_terms(product) -> list[int]:
    terms = product.terms_in_range()
    if len(terms) <= TERMS_CHECKED_IN_FULL:
        return terms
    step = (len(terms) - 1) / TERM_SAMPLES
    picked = {terms[0], terms[-1]}
    picked.update(terms[round(step * k)] for k in range(1, TERM_SAMPLES))
    return sorted(picked)


def _cap_field(product) -> str:
    return "cap_rule" if product.cap_rule else "jurisdiction"


def _rule_errors(product, on_date: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for name in REQUIRED_FIELDS:
        if getattr(product, name) is None:
            add(name, "This field is required.")
    if errors:
        return errors
    check_enums(product, add)
    check_amounts(product, add)
    check_terms(product, add)
    check_rates(product, add)
    if not errors:
        _check_lending_limits(product, add)
    for message in band_errors(product.pricing_bands):
        add("pricing_bands", message)
    check_allocation_order(product.allocation_order, add)
    try:
        capped_rate(product.jurisdiction, on_date, product.cap_rule or None)
    except RateCapError as exc:
        add(_cap_field(product), str(exc))
    check_conventions(product, add)
    return errors


def _check_lending_limits(product, add) -> None:
    """Terms the product type's regulatory limits forbid: a term longer than the method or type
    may run (a single bullet a year, a policy loan six months), an amount above the
    per-borrower limit of unsecured consumer credit (``calc.limits``)."""
    field = "allowed_terms" if product.allowed_terms else "max_term"
    try:
        limits.term_check(
            jurisdiction=product.jurisdiction,
            product_type=product.product_type,
            method=product.method,
            term=max(product.terms_in_range()),
            frequency=product.frequency,
        )
    except limits.LimitBreach as exc:
        add(field, f"{exc} The product type's rules ({exc.limit}) forbid it.")
    exposure = limits.exposure_limit(product.jurisdiction, product.product_type)
    if (
        exposure is not None
        and exposure.currency == product.currency
        and product.max_amount > exposure.amount
    ):
        add(
            "max_amount",
            f"{exposure.source}: {product.max_amount} is above {exposure.amount} "
            f"{exposure.currency} ({exposure.name}).",
        )
