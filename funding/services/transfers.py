"""Asset transfer: a funder's share of a set of loans (or a part of it) sold to another funder
(an ABS pool, a loan sale) at a cut-off date and a price; the gain or loss booked in the
seller's books and the premium or discount in the buyer's (`shares_move`); collections from the
cut-off on are the buyer's and reach it through its settlement. And the platform's buyback of a
part of a guaranteed partner's share, at the face of that part's receivables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q

from core.audit import audit_record
from core.db import action_transaction
from core.money import ZERO
from ledger.models import JournalEntry
from ledger.services import business_date_current

from ..errors import FundingError
from ..events import asset_transferred
from ..models import AssetTransfer, Funder, LoanFunding
from .moves import BUYBACK_KIND, SIDES, MovedLoan, shares_move


def asset_transfer(
    *,
    reference: str,
    seller: Funder,
    buyer: Funder,
    loan_ids: list[int],
    cut_off: date,
    price: Decimal,
    actor: str,
    share: Decimal | None = None,
) -> AssetTransfer:
    """Sell ``share`` points of each loan (a part of the seller's share; None: all of it)."""
    if price < ZERO:
        raise FundingError(f"A price cannot be negative ({price}).")
    if cut_off > business_date_current():
        raise FundingError(
            f"The cut-off {cut_off} is after the business date {business_date_current()}."
        )
    if not loan_ids:
        raise FundingError("A transfer needs at least one loan.")
    with action_transaction():
        if AssetTransfer.objects.filter(reference=reference).exists():
            raise FundingError(f"Transfer {reference} exists already.")
        moved = shares_move(
            reference=reference,
            kind="asset_transfer",
            seller=seller,
            buyer=buyer,
            loan_ids=sorted(set(loan_ids)),
            cut_off=cut_off,
            price=price,
            actor=actor,
            portion=share,
        )
        carrying = sum((item.carrying for item in moved), ZERO)
        transfer = AssetTransfer.objects.create(
            reference=reference,
            seller=seller,
            buyer=buyer,
            cut_off=cut_off,
            price=price,
            carrying_amount=carrying,
            gain_loss=price - carrying,
            loan_ids=sorted(set(loan_ids)),
            share=share,
            created_by=actor,
        )
        asset_transferred(transfer)
        audit_record(
            actor=actor,
            action="funding.asset_transfer",
            target=transfer,
            after={
                "price": str(price),
                "carrying": str(carrying),
                "loans": len(moved),
                "share": None if share is None else str(share),
            },
            source="funding",
            business_date=cut_off,
        )
        return transfer


def share_buy_back(
    *,
    reference: str,
    seller: Funder,
    loan_ids: list[int],
    share: Decimal,
    on: date,
    actor: str,
) -> list[MovedLoan]:
    """The platform buys ``share`` points of each loan back from a partner whose share of it it
    guarantees (代偿 of a part), at the face of that part's receivables, from ``on``."""
    if seller.is_platform:
        raise FundingError("The platform cannot buy back from itself.")
    if on > business_date_current():
        raise FundingError(f"{on} is after the business date {business_date_current()}.")
    if not loan_ids:
        raise FundingError("A buyback needs at least one loan.")
    loan_ids = sorted(set(loan_ids))
    with action_transaction():
        unguaranteed = sorted(
            set(loan_ids)
            - set(
                LoanFunding.objects.filter(
                    Q(valid_until__isnull=True) | Q(valid_until__gt=on),
                    funder=seller,
                    loan_id__in=loan_ids,
                    valid_from__lte=on,
                    guaranteed=True,
                ).values_list("loan_id", flat=True)
            )
        )
        if unguaranteed:
            raise FundingError(
                f"The platform does not guarantee {seller.code}'s share of loans {unguaranteed}.",
                loans=unguaranteed,
            )
        keys = [f"funding:{reference}:{loan_id}:{side}" for loan_id in loan_ids for side in SIDES]
        if JournalEntry.objects.filter(idempotency_key__in=keys).exists():
            raise FundingError(f"Buyback {reference} exists already.")
        moved = shares_move(
            reference=reference,
            kind=BUYBACK_KIND,
            seller=seller,
            buyer=Funder.objects.get(kind=Funder.Kind.PLATFORM),
            loan_ids=loan_ids,
            cut_off=on,
            price=None,
            actor=actor,
            portion=share,
        )
        audit_record(
            actor=actor,
            action="funding.share_buy_back",
            target=seller,
            after={
                "reference": reference,
                "share": str(share),
                "loans": loan_ids,
                "price": str(sum((item.price for item in moved), ZERO)),
            },
            source="funding",
            business_date=on,
        )
        return moved
