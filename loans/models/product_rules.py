"""Field rules of a product: each check adds field errors (``add(field, message)``) the way
Django forms show them. ``product_validation`` runs them before the worst-case APR check; the
product model's ``clean()`` runs that (a model calls the rules and the calculators, never a
service)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from calc.calendar import CalendarError, ShiftRule, get_calendar, parse_frequency
from calc.daycount import DayCountError, parse_day_count
from calc.money import (
    ROUNDING_MODES,
    InstallmentRounding,
    MoneyError,
    is_quantized,
    minor_unit_for,
)
from calc.schedules import (
    MAX_TERM,
    BulletInterest,
    LevelConvention,
    Method,
    ScheduleError,
    parse_method,
)

from .fields import COMPONENTS

BAND_KEYS = frozenset({"min_score", "annual_rate", "name"})

YIELD_FEES = ("upfront_fee", "merchant_subsidy", "direct_costs")


def check_enums(product, add) -> None:
    parsers = (
        ("method", parse_method, ScheduleError),
        ("frequency", parse_frequency, CalendarError),
        ("day_count", parse_day_count, DayCountError),
    )
    for field, parse, error in parsers:
        try:
            parse(getattr(product, field))
        except error as exc:
            add(field, str(exc))
    if product.rounding not in ROUNDING_MODES:
        add("rounding", f"Unknown rounding mode; use one of: {', '.join(sorted(ROUNDING_MODES))}.")
    if product.calendar:
        try:
            get_calendar(product.calendar)
        except CalendarError as exc:
            add("calendar", str(exc))
    fees = product.yield_fees
    if not isinstance(fees, list) or any(fee not in YIELD_FEES for fee in fees):
        add("yield_fees", f"Yield fees are a list of: {', '.join(YIELD_FEES)}.")
    if product.direct_cost_amount < 0:
        add("direct_cost_amount", "A direct cost cannot be negative.")
    if product.shift_rule not in (rule.value for rule in ShiftRule):
        add("shift_rule", f"Unknown shift rule {product.shift_rule!r}.")
    elif product.shift_rule != ShiftRule.NONE.value and not product.calendar:
        add("calendar", f"The shift rule {product.shift_rule} needs a business calendar.")


def check_conventions(product, add) -> None:
    """Installment rounding, the level convention and the bullet's interest mode, and the
    methods each applies to (the calculation core's rules, as field errors)."""
    try:
        rounding = InstallmentRounding.parse(product.installment_rounding)
        rounding.step(minor_unit_for(product.currency))
    except MoneyError as exc:
        add("installment_rounding", f"{exc}.")
    else:
        if not rounding.is_minor_unit and product.method in (
            Method.INTEREST_ONLY.value,
            Method.BULLET.value,
        ):
            add(
                "installment_rounding",
                f"A {product.method.replace('_', ' ')} schedule has no level installment to round.",
            )
    if product.level_convention not in (member.value for member in LevelConvention):
        add("level_convention", f"Unknown level convention {product.level_convention!r}.")
    elif (
        product.level_convention == LevelConvention.ROUNDED_ONCE.value
        and product.method != Method.EQUAL_INSTALLMENT.value
    ):
        add("level_convention", "The rounded-once convention applies to equal installments.")
    elif product.level_convention == LevelConvention.ROUNDED_ONCE.value and not str(
        product.installment_rounding or "cent"
    ).startswith("cent"):
        add(
            "level_convention",
            "The rounded-once convention rounds installments to the minor unit (cent); a whole "
            "unit or a multiple needs the last installment to absorb the rest.",
        )
    if product.bullet_interest not in (member.value for member in BulletInterest):
        add("bullet_interest", f"Unknown bullet interest mode {product.bullet_interest!r}.")
    elif product.bullet_interest == BulletInterest.COMPOUND_MONTHLY.value:
        if product.method != Method.BULLET.value:
            add("bullet_interest", "Compound monthly interest applies to bullet loans only.")
        elif product.frequency != "monthly":
            add("bullet_interest", "Compound monthly interest needs monthly periods.")


def check_amounts(product, add) -> None:
    try:
        unit = minor_unit_for(product.currency)
    except MoneyError as exc:
        add("currency", str(exc))
        unit = None
    if product.min_amount <= 0:
        add("min_amount", "The minimum amount must be positive.")
    if product.min_amount > product.max_amount:
        add(
            "max_amount",
            f"The maximum amount {product.max_amount} is below the minimum {product.min_amount}.",
        )
    if unit is not None:
        for field in ("min_amount", "max_amount", "upfront_fee_amount"):
            if not is_quantized(getattr(product, field), unit):
                add(field, f"Amounts in {product.currency} have no digits below {unit}.")


def check_terms(product, add) -> None:
    if not 1 <= product.min_term <= MAX_TERM:
        add("min_term", f"The minimum term must be between 1 and {MAX_TERM} periods.")
    if not 1 <= product.max_term <= MAX_TERM:
        add("max_term", f"The maximum term must be between 1 and {MAX_TERM} periods.")
    if product.min_term > product.max_term:
        add(
            "max_term",
            f"The maximum term {product.max_term} is below the minimum {product.min_term}.",
        )
    allowed = product.allowed_terms
    if not isinstance(allowed, list):
        add("allowed_terms", "Allowed terms are a list of whole numbers, e.g. [3, 6, 12].")
        return
    for term in allowed:
        if isinstance(term, bool) or not isinstance(term, int):
            add("allowed_terms", f"{term!r} is not a whole number of periods.")
        elif not product.min_term <= term <= product.max_term:
            add(
                "allowed_terms",
                f"Term {term} is outside the range {product.min_term}–{product.max_term}.",
            )
    if len(set(map(repr, allowed))) != len(allowed):
        add("allowed_terms", "A term is listed twice.")


def check_rates(product, add) -> None:
    for field in ("annual_rate", "fee_rate", "upfront_fee_rate", "penalty_rate"):
        if getattr(product, field) < 0:
            add(field, "A rate cannot be negative.")
    if product.upfront_fee_amount < 0:
        add("upfront_fee_amount", "A fee cannot be negative.")
    if product.method == Method.FLAT_FEE.value:
        if product.annual_rate != 0:
            add("annual_rate", "A flat-fee plan charges no interest: set the rate to 0.")
        if product.pricing_bands:
            add("pricing_bands", "A flat-fee plan charges no interest: it has no rate bands.")
    if product.min_amount > 0:
        upfront = product.upfront_fee_amount + product.min_amount * product.upfront_fee_rate
        if upfront >= product.min_amount:
            add(
                "upfront_fee_amount",
                f"The upfront fee ({upfront}) leaves nothing of the minimum amount "
                f"{product.min_amount} to pay out.",
            )


def band_errors(bands) -> Iterable[str]:
    if not isinstance(bands, list):
        yield 'Pricing bands are a list: [{"min_score": 700, "annual_rate": "0.12"}, …].'
        return
    scores = []
    for position, band in enumerate(bands, start=1):
        if not isinstance(band, dict):
            yield f"Band {position} is not an object with min_score and annual_rate."
            continue
        unknown = set(band) - BAND_KEYS
        if unknown:
            yield f"Band {position} has unknown keys: {', '.join(sorted(unknown))}."
        score = band.get("min_score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int)):
            yield f"Band {position}: min_score is a whole number or null, not {score!r}."
        elif score is not None and score < 0:
            yield f"Band {position}: min_score cannot be negative."
        scores.append(score)
        rate = band.get("annual_rate")
        if isinstance(rate, bool) or not isinstance(rate, (str, int)):
            # JSON numbers with a fraction parse as binary floats: rates travel as strings.
            yield f'Band {position}: annual_rate is a decimal string such as "0.12", not {rate!r}.'
            continue
        try:
            value = Decimal(str(rate).strip())
        except ArithmeticError:
            yield f"Band {position}: annual_rate {rate!r} is not a decimal number."
            continue
        if not value.is_finite() or value < 0:
            yield f"Band {position}: annual_rate must be a non-negative number."
    if len(set(scores)) != len(scores):
        yield "Two bands start at the same score."


def check_allocation_order(order, add) -> None:
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(COMPONENTS):
        add(
            "allocation_order",
            f"The allocation order must list each of {', '.join(COMPONENTS)} exactly once.",
        )
