"""Gathering a decision's facts from the database, for many applications at once.

Set-based: one query per kind of fact for the whole batch (velocity, block list, exposure,
repayment history), never one per application. The result is JSON-shaped (amounts and dates as
strings) and is stored as the decision's ``inputs``: the pure pipeline reads nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from calc import limits
from core.money import ZERO
from loans import pii
from loans.models import Borrower, Installment, Loan, Product
from loans.selectors.batch import among
from loans.selectors.exposure import unsecured_exposure
from origination.models import BlockListEntry, CreditLine, LoanApplication
from origination.scoring import provider_for

OPEN_LINE = (CreditLine.Status.ACTIVE, CreditLine.Status.FROZEN)
OPEN_LOAN = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)
VELOCITY_FIELDS = {
    "national_id": "national_id_digest",
    "mobile": "mobile_digest",
    "device": "device_id",
}


def borrowers_lock(borrower_ids: Sequence[int]) -> None:
    """Lock borrowers' rows in id order (no deadlock between batches): what is granted to one
    borrower is decided by one transaction at a time."""
    list(
        Borrower.objects.select_for_update()
        .filter(id__in=among(sorted(set(borrower_ids))))
        .order_by("id")
        .values_list("id", flat=True)
    )


def product_snapshot(product: Product) -> dict[str, object]:
    """The product terms a decision prices on, as data (later product edits change nothing)."""
    return {
        "code": product.code,
        "product_type": product.product_type,
        "currency": product.currency,
        "jurisdiction": product.jurisdiction,
        "cap_rule": product.cap_rule,
        "method": product.method,
        "frequency": product.frequency,
        "day_count": product.day_count,
        "rounding": product.rounding,
        "annual_rate": str(product.annual_rate),
        "fee_rate": str(product.fee_rate),
        "upfront_fee_amount": str(product.upfront_fee_amount),
        "upfront_fee_rate": str(product.upfront_fee_rate),
        "min_amount": str(product.min_amount),
        "max_amount": str(product.max_amount),
        "terms": product.terms_in_range(),
        "calendar": product.calendar,
        "shift_rule": product.shift_rule,
        "installment_rounding": product.installment_rounding,
        "level_convention": product.level_convention,
        "bullet_interest": product.bullet_interest,
    }


def repayment_history(borrower_ids: Sequence[int], business_date: date) -> dict[int, dict]:
    """Per borrower: installments paid on time and late (or overdue now), the worst current
    days past due, and months since the first loan was disbursed."""
    history: dict[int, dict] = {
        borrower_id: {
            "on_time_installments": 0,
            "late_installments": 0,
            "max_days_past_due": 0,
            "months_with_lender": 0,
        }
        for borrower_id in borrower_ids
    }
    paid = Installment.Status.PAID
    for borrower_id, on_time, late in (
        Installment.objects.filter(loan__borrower_id__in=among(borrower_ids))
        .exclude(status=Installment.Status.CANCELLED)
        .values("loan__borrower_id")
        .annotate(
            on_time=Count("id", filter=Q(status=paid, paid_on__lte=F("due_date"))),
            late=Count(
                "id",
                filter=Q(status=paid, paid_on__gt=F("due_date"))
                | (~Q(status=paid) & Q(due_date__lt=business_date)),
            ),
        )
        .values_list("loan__borrower_id", "on_time", "late")
    ):
        history[borrower_id]["on_time_installments"] = on_time
        history[borrower_id]["late_installments"] = late
    for borrower_id, worst, first in (
        Loan.objects.filter(borrower_id__in=among(borrower_ids))
        .values("borrower_id")
        .annotate(worst=Max("days_past_due"), first=Min("disbursed_on"))
        .values_list("borrower_id", "worst", "first")
    ):
        history[borrower_id]["max_days_past_due"] = worst or 0
        if first is not None:
            months = limits.months_between(first, business_date)
            history[borrower_id]["months_with_lender"] = max(months, 0)
    return history


def _velocity(application_ids: Sequence[int], hours: int) -> dict[int, dict[str, int]]:
    """Applications with the same national ID, phone or device in the ``hours`` before each
    one (earlier ones only: ties on the timestamp are broken by id)."""
    window = ExpressionWrapper(
        F("submitted_at") - Value(timedelta(hours=hours)), output_field=DateTimeField()
    )
    annotations = {}
    for kind, field in VELOCITY_FIELDS.items():
        earlier = (
            LoanApplication.objects.filter(**{field: OuterRef(field)})
            .filter(submitted_at__gte=OuterRef("window_start"))
            .filter(
                Q(submitted_at__lt=OuterRef("submitted_at"))
                | Q(submitted_at=OuterRef("submitted_at"), id__lt=OuterRef("id"))
            )
            .exclude(**{field: ""})
            .order_by()
            .values(field)
            .annotate(n=Count("id"))
            .values("n")
        )
        annotations[kind] = Coalesce(Subquery(earlier, output_field=IntegerField()), 0)
    rows = (
        LoanApplication.objects.filter(id__in=among(application_ids))
        .annotate(window_start=window)
        .annotate(**annotations)
        .values_list("id", *VELOCITY_FIELDS)
    )
    return {row[0]: dict(zip(VELOCITY_FIELDS, row[1:], strict=True)) for row in rows}


def _block_list(applications: Sequence[LoanApplication]) -> dict[int, list[str]]:
    wanted: dict[tuple[str, str], list[int]] = defaultdict(list)
    for app in applications:
        wanted[(BlockListEntry.Kind.NATIONAL_ID, app.national_id_digest)].append(app.id)
        wanted[(BlockListEntry.Kind.MOBILE, app.mobile_digest)].append(app.id)
        if app.device_id:
            wanted[(BlockListEntry.Kind.DEVICE, pii.digest(app.device_id))].append(app.id)
    hits: dict[int, list[str]] = defaultdict(list)
    digests = {digest for _, digest in wanted}
    for kind, digest in BlockListEntry.objects.filter(
        value_digest__in=among(digests, "text")
    ).values_list("kind", "value_digest"):
        for app_id in wanted.get((kind, digest), ()):
            hits[app_id].append(kind)
    return hits


def gather(
    applications: Sequence[LoanApplication], *, policy: Mapping, business_date: date
) -> dict[int, dict]:
    """The facts of each application (borrower and product loaded), keyed by application id."""
    if not applications:
        return {}
    ids = [app.id for app in applications]
    borrower_ids = sorted({app.borrower_id for app in applications})
    hours = int(policy.get("fraud", {}).get("velocity_hours", 24))
    velocity = _velocity(ids, hours)
    blocked = _block_list(applications)
    exposure = unsecured_exposure(borrower_ids)
    history = repayment_history(borrower_ids, business_date)
    products: dict[int, dict] = {}
    out: dict[int, dict] = {}
    for app in applications:
        borrower = app.borrower
        if app.product_id not in products:
            products[app.product_id] = product_snapshot(app.product)
        facts = {
            "business_date": business_date.isoformat(),
            "application": {
                "reference": app.reference,
                "kind": app.kind,
                "requested_amount": str(app.requested_amount),
                "requested_term": app.requested_term,
                "purpose": app.purpose,
                "declared_monthly_income": str(app.declared_monthly_income),
                "channel": app.channel,
                "consents": sorted(app.consents),
                "birth_date": app.birth_date.isoformat() if app.birth_date else None,
                "residence_country": app.residence_country,
                "residence_region": app.residence_region,
                "national_id_valid": app.national_id_valid,
                "collateral": dict(app.collateral_data),
            },
            "identity": {
                "name": app.declared_name.strip() == borrower.name.strip(),
                "national_id": app.national_id_digest == borrower.national_id_digest,
                "mobile": app.mobile_digest == borrower.mobile_digest,
            },
            "velocity": {**velocity.get(app.id, dict.fromkeys(VELOCITY_FIELDS, 0)), "hours": hours},
            "block_list": sorted(blocked.get(app.id, [])),
            "exposure": {"unsecured": str(exposure.get(app.borrower_id, ZERO))},
            "history": history[app.borrower_id],
            "product": products[app.product_id],
        }
        out[app.id] = facts
    provider = provider_for(policy.get("scoring", {}).get("provider"))
    if not provider.pure:
        from origination.pipeline import features

        for facts in out.values():
            facts["external_score"] = provider.score(
                features=features(facts), config=policy.get("scoring", {})
            ).as_dict()
            # An external answer may carry values JSON cannot keep exactly: keep its text.
            facts["external_score"]["details"] = {
                key: str(value) for key, value in facts["external_score"]["details"].items()
            }
    return out
