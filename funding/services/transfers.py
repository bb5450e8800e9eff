"""Asset transfer: a funder's share of a set of loans sold to another funder (an ABS pool, a
loan sale) at a cut-off date and a price; the gain or loss booked in the seller's books and the
premium or discount in the buyer's (`shares_move`); collections from the cut-off on are the
buyer's and reach it through its settlement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.audit import audit_record
from core.db import action_transaction
from core.money import ZERO
from ledger.services import business_date_current

from ..errors import FundingError
from ..models import AssetTransfer, Funder
from .moves import shares_move


def asset_transfer(
    *,
    reference: str,
    seller: Funder,
    buyer: Funder,
    loan_ids: list[int],
    cut_off: date,
    price: Decimal,
    actor: str,
) -> AssetTransfer:
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
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="funding.asset_transfer",
            target=transfer,
            after={"price": str(price), "carrying": str(carrying), "loans": len(moved)},
            source="funding",
            business_date=cut_off,
        )
        return transfer
