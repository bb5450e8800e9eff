"""A funder's share of loans moving to another funder at a cut-off date: an asset transfer
(an ABS pool, a loan sale) at a price, or the platform's guarantee buyback (代偿) at the face of
the receivables.

Per loan, two entries through the ledger's posting service, each wholly one funder's
(`EntryFunder`): the seller's gives up its part of every balance of the loan (principal,
interest, fees, penalties, suspense, allowance) against the price, its gain or loss on 6115;
the buyer's takes the same balances over against the price, the difference on 1306. The journal
keeps each loan whole (the two entries net to nothing on the loan), and from the cut-off the
loan's lines split by the new shares: later collections are the buyer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from calc.split import split_by_weights
from core.money import ZERO
from ledger.models import JournalEntry
from ledger.services import EntrySpec, LineSpec, entries_post_bulk

from .. import accounts
from ..errors import FundingError
from ..models import EntryFunder, Funder, LoanFunding
from ..selectors.balances import funder_loan_balances


@dataclass(frozen=True)
class MovedLoan:
    loan_id: int
    carrying: Decimal
    price: Decimal


def _side(code: str, amount: Decimal, loan_id: int | None) -> LineSpec:
    if amount > 0:
        return LineSpec(account=code, debit=amount, loan_id=loan_id)
    return LineSpec(account=code, credit=-amount, loan_id=loan_id)


def shares_move(
    *,
    reference: str,
    kind: str,
    seller: Funder,
    buyer: Funder,
    loan_ids: list[int],
    cut_off: date,
    price: Decimal | None,
    actor: str,
) -> list[MovedLoan]:
    """Move the seller's whole share of each loan to the buyer from ``cut_off`` on (its
    balances measured on every line before it); ``price`` None: the face of the receivables
    (a buyback). In the caller's transaction."""
    if seller.pk == buyer.pk:
        raise FundingError("A funder cannot sell to itself.")
    held = dict(
        LoanFunding.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=cut_off),
            funder=seller,
            loan_id__in=loan_ids,
            valid_from__lte=cut_off,
        ).values_list("loan_id", "pk")
    )
    missing = sorted(set(loan_ids) - set(held))
    if missing:
        raise FundingError(
            f"Funder {seller.code} holds no share of loans {missing} on {cut_off}.",
            loans=missing,
        )
    balances = funder_loan_balances(
        funder=seller, loan_ids=loan_ids, codes=accounts.MOVED, as_of=cut_off - timedelta(days=1)
    )
    carrying = {loan_id: sum(balances.get(loan_id, {}).values(), ZERO) for loan_id in loan_ids}
    if price is None:
        prices = {
            loan_id: sum(
                (balances.get(loan_id, {}).get(code, ZERO) for code in accounts.RECEIVABLES),
                ZERO,
            )
            for loan_id in loan_ids
        }
    else:
        parts = split_by_weights(price, [max(carrying[i], ZERO) for i in loan_ids])
        prices = dict(zip(loan_ids, parts, strict=True))
    specs = []
    keys: dict[str, Funder] = {}
    moved = []
    for loan_id in loan_ids:
        own = balances.get(loan_id, {})
        loan_price = prices[loan_id]
        difference = loan_price - carrying[loan_id]
        out_lines = [_side(code, -amount, loan_id) for code, amount in own.items() if amount]
        in_lines = [_side(code, amount, loan_id) for code, amount in own.items() if amount]
        if loan_price:
            out_lines.append(_side(accounts.CASH, loan_price, None))
            in_lines.append(_side(accounts.CASH, -loan_price, None))
        if difference:
            out_lines.append(_side(accounts.TRANSFER_GAIN_LOSS, -difference, loan_id))
            in_lines.append(_side(accounts.PURCHASE_PREMIUM, difference, loan_id))
        for side, lines, funder in (("out", out_lines, seller), ("in", in_lines, buyer)):
            if len(lines) < 2:
                continue
            key = f"funding:{reference}:{loan_id}:{side}"
            keys[key] = funder
            specs.append(
                EntrySpec(
                    kind=kind,
                    business_date=cut_off,
                    lines=tuple(lines),
                    idempotency_key=key,
                    memo=f"{reference}: {seller.code} → {buyer.code}",
                )
            )
        moved.append(MovedLoan(loan_id=loan_id, carrying=carrying[loan_id], price=loan_price))
    entries_post_bulk(specs=specs, actor=actor)
    entry_ids = dict(
        JournalEntry.objects.filter(idempotency_key__in=list(keys)).values_list(
            "idempotency_key", "pk"
        )
    )
    EntryFunder.objects.bulk_create(
        [EntryFunder(entry_id=entry_ids[key], funder=funder) for key, funder in keys.items()],
        ignore_conflicts=True,
    )
    _shares_change(seller=seller, buyer=buyer, rows=held, cut_off=cut_off, source=kind)
    return moved


def _shares_change(*, seller, buyer, rows: dict[int, int], cut_off: date, source: str) -> None:
    source_value = (
        LoanFunding.Source.BUYBACK if source == "guarantee_buyback" else LoanFunding.Source.TRANSFER
    )
    for loan_id, pk in rows.items():
        sold = LoanFunding.objects.get(pk=pk)
        bought = LoanFunding.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=cut_off),
            loan_id=loan_id,
            funder=buyer,
            valid_from__lte=cut_off,
        ).first()
        new_share = sold.share + (bought.share if bought else ZERO)
        template = bought or sold
        for row in (sold, bought):
            if row is None:
                continue
            if row.valid_from == cut_off:
                row.delete()
            else:
                row.valid_until = cut_off
                row.save(update_fields=["valid_until"])
        LoanFunding.objects.create(
            loan_id=loan_id,
            funder=buyer,
            share=new_share,
            funder_rate=template.funder_rate if bought else None,
            bears_losses=True,
            guaranteed=False,
            buyback_days_past_due=None,
            valid_from=cut_off,
            source=source_value,
            arrangement=template.arrangement,
        )
