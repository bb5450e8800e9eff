"""Funding arrangements: their rules (shares sum to one, the platform's minimum share, a partner
that bears no losses is guaranteed) and the shares a loan is funded by."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q

from core.money import ZERO

from ..errors import FundingError
from ..models import ArrangementShare, Funder, FundingArrangement, FundingPolicy, LoanFunding

ONE = Decimal(1)


def platform_min_share() -> Decimal:
    policy = FundingPolicy.objects.filter(name="default").first()
    return Decimal("0.30") if policy is None else policy.platform_min_share


def arrangement_shares_check(
    *, shares: list[tuple[Funder, Decimal, bool]], platform_guarantee: bool
) -> None:
    """Refuse, with the figures, shares that do not sum to one, a platform share below the
    policy's minimum, no funder bearing the credit losses, or a partner that bears no losses
    without the platform's guarantee.
    ``shares``: (funder, share, bears_losses)."""
    total = sum((share for _, share, _ in shares), ZERO)
    if total != ONE:
        raise FundingError(f"The shares sum to {total}, not 1.", total=str(total))
    platform = [share for funder, share, _ in shares if funder.is_platform]
    minimum = platform_min_share()
    if not platform or platform[0] < minimum:
        held = platform[0] if platform else ZERO
        raise FundingError(
            f"The platform's share is {held:.2%}, below the minimum of {minimum:.2%}.",
            platform_share=str(held),
            minimum=str(minimum),
        )
    if not any(bears_losses for _, _, bears_losses in shares):
        raise FundingError("Some funder must bear the credit losses; none does.")
    for funder, _share, bears_losses in shares:
        if not funder.is_platform and not bears_losses and not platform_guarantee:
            raise FundingError(
                f"{funder.code} bears no credit losses, so the platform must guarantee its share.",
                funder=funder.code,
            )


def arrangement_check(arrangement: FundingArrangement) -> None:
    arrangement_shares_check(
        shares=[
            (row.funder, row.share, row.bears_losses)
            for row in arrangement.shares.select_related("funder")
        ],
        platform_guarantee=arrangement.platform_guarantee,
    )


def arrangement_for(*, product_id: int | None, loan_id: int | None, on: date):
    """The arrangement a loan is funded by: its own, else its product's newest one in force."""
    if loan_id is not None:
        own = FundingArrangement.objects.filter(loan_id=loan_id, is_active=True).first()
        if own is not None:
            return own
    if product_id is None:
        return None
    return (
        FundingArrangement.objects.filter(
            Q(product_id=product_id), is_active=True, valid_from__lte=on
        )
        .order_by("-valid_from", "-id")
        .first()
    )


def loan_funding_assign(*, loan, arrangement: FundingArrangement) -> list[LoanFunding]:
    """The loan's shares from its arrangement, from its application date (every line the loan
    ever posts is split by them); kept if already assigned."""
    existing = list(LoanFunding.objects.filter(loan=loan))
    if existing:
        return existing
    arrangement_check(arrangement)
    rows = [
        LoanFunding(
            loan=loan,
            funder=row.funder,
            share=row.share,
            funder_rate=row.funder_rate,
            bears_losses=row.bears_losses,
            guaranteed=arrangement.platform_guarantee and not row.funder.is_platform,
            buyback_days_past_due=arrangement.buyback_days_past_due,
            valid_from=loan.application_date,
            source=LoanFunding.Source.ARRANGEMENT,
            arrangement=arrangement,
        )
        for row in ArrangementShare.objects.filter(arrangement=arrangement).select_related("funder")
    ]
    return LoanFunding.objects.bulk_create(rows)
