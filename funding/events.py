"""The events `funding` publishes (through the `events` outbox), each written in the
transaction of the change it reports: a loan's shares changed (a transfer or a buyback, one
event per loan, subject ``loan/<id>`` so it reads in order with the loan's own events), a
guarantee buyback of a loan, an asset transfer and a funder's settlement (subject
``funder/<code>``: one funder's stream). Set-based: a close that buys many loans back writes
their events in one statement per kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from events.services import event_record, events_record_many

from .models import AssetTransfer, Funder, SettlementRun


def loan_subject(loan_id: int) -> str:
    return f"loan/{loan_id}"


def funder_subject(code: str) -> str:
    return f"funder/{code}"


def shares_changed(
    *,
    reference: str,
    source: str,
    seller: Funder,
    buyer: Funder,
    cut_off: date,
    changes: Sequence[tuple[int, Decimal, Decimal, Decimal]],
) -> None:
    """``changes``: (loan, points moved, the seller's share after, the buyer's share after)."""
    events_record_many(
        type="funding.share_changed",
        business_date=cut_off,
        rows=[
            (
                loan_subject(loan_id),
                {
                    "loan_id": loan_id,
                    "reference": reference,
                    "source": source,
                    "seller": seller.code,
                    "buyer": buyer.code,
                    "share": moved,
                    "seller_share": kept,
                    "buyer_share": held,
                    "valid_from": cut_off,
                },
                f"funding.share_changed:{reference}:{loan_id}",
            )
            for loan_id, moved, kept, held in changes
        ],
    )


def loans_bought_back(
    *,
    reference: str,
    seller: Funder,
    on: date,
    bought: Sequence[tuple[int, Decimal, Decimal]],
) -> None:
    """``bought``: (loan, points bought back, price paid: the face of their receivables)."""
    events_record_many(
        type="funding.bought_back",
        business_date=on,
        rows=[
            (
                loan_subject(loan_id),
                {
                    "loan_id": loan_id,
                    "reference": reference,
                    "funder": seller.code,
                    "share": share,
                    "price": price,
                    "business_date": on,
                },
                f"funding.bought_back:{reference}:{loan_id}",
            )
            for loan_id, share, price in bought
        ],
    )


def asset_transferred(transfer: AssetTransfer) -> None:
    event_record(
        type="funding.transferred",
        subject=funder_subject(transfer.seller.code),
        business_date=transfer.cut_off,
        key=f"funding.transferred:{transfer.pk}",
        data={
            "transfer_id": transfer.pk,
            "reference": transfer.reference,
            "seller": transfer.seller.code,
            "buyer": transfer.buyer.code,
            "cut_off": transfer.cut_off,
            "loans": len(transfer.loan_ids),
            "share": transfer.share,
            "price": transfer.price,
            "carrying_amount": transfer.carrying_amount,
            "gain_loss": transfer.gain_loss,
        },
    )


def funder_settled(run: SettlementRun) -> None:
    event_record(
        type="funding.settled",
        subject=funder_subject(run.funder.code),
        business_date=run.business_date,
        key=f"funding.settled:{run.pk}",
        data={
            "settlement_run_id": run.pk,
            "funder": run.funder.code,
            "business_date": run.business_date,
            "principal": run.principal,
            "interest": run.interest,
            "fee": run.fee,
            "penalty": run.penalty,
            "recoveries": run.recoveries,
            "other": run.other,
            "service_fee": run.service_fee,
            "net_amount": run.net_amount,
            "transferred": run.transferred,
            "settlement_day": run.settlement_day,
        },
    )
