"""A funder's share of loans (all of it or a part: 20 of its 70 points) moving to another funder
at a cut-off date: an asset transfer (an ABS pool, a loan sale) at a price, or the platform's
guarantee buyback (代偿) at the face of the receivables.

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
from ..events import loans_bought_back, shares_changed
from ..models import EntryFunder, Funder, LoanFunding
from ..selectors.balances import funder_loan_balances
from .arrangements import platform_min_share

SIDES = ("out", "in")
BUYBACK_KIND = "guarantee_buyback"


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
    portion: Decimal | None = None,
) -> list[MovedLoan]:
    """Move the seller's share of each loan to the buyer from ``cut_off`` on (its balances
    measured on every line before it): ``portion`` points of it (0.20 of a 0.70 share), or all
    of it (None); ``price`` None: the face of the receivables (a buyback). A part moves that
    part of each of the seller's balances (largest remainder, exact to the cent). In the
    caller's transaction."""
    if seller.pk == buyer.pk:
        raise FundingError("A funder cannot sell to itself.")
    held = {
        row.loan_id: row
        for row in LoanFunding.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=cut_off),
            funder=seller,
            loan_id__in=loan_ids,
            valid_from__lte=cut_off,
        )
    }
    missing = sorted(set(loan_ids) - set(held))
    if missing:
        raise FundingError(
            f"Funder {seller.code} holds no share of loans {missing} on {cut_off}.",
            loans=missing,
        )
    moving = {loan_id: _portion_check(seller, held[loan_id], portion) for loan_id in loan_ids}
    whole_balances = funder_loan_balances(
        funder=seller, loan_ids=loan_ids, codes=accounts.MOVED, as_of=cut_off - timedelta(days=1)
    )
    balances = {
        loan_id: _part_of(whole_balances.get(loan_id, {}), moving[loan_id], held[loan_id].share)
        for loan_id in loan_ids
    }
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
        for side, lines, funder in zip(SIDES, (out_lines, in_lines), (seller, buyer), strict=True):
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
    changes = _shares_change(buyer=buyer, rows=held, moving=moving, cut_off=cut_off, source=kind)
    shares_changed(
        reference=reference,
        source=_source(kind),
        seller=seller,
        buyer=buyer,
        cut_off=cut_off,
        changes=changes,
    )
    if kind == BUYBACK_KIND:
        loans_bought_back(
            reference=reference,
            seller=seller,
            on=cut_off,
            bought=[(item.loan_id, moving[item.loan_id], item.price) for item in moved],
        )
    return moved


def _source(kind: str) -> str:
    return LoanFunding.Source.BUYBACK if kind == BUYBACK_KIND else LoanFunding.Source.TRANSFER


def _portion_check(seller: Funder, row: LoanFunding, portion: Decimal | None) -> Decimal:
    """The points of the loan that move: a part must be more than nothing and no more than the
    seller holds, and leave the platform at least its minimum share."""
    if portion is None:
        moving = row.share
    elif portion <= ZERO or portion > row.share:
        raise FundingError(
            f"Funder {seller.code} holds {row.share} of loan {row.loan_id}: it cannot move "
            f"{portion}.",
            loan=row.loan_id,
            held=str(row.share),
            portion=str(portion),
        )
    else:
        moving = portion
    if seller.is_platform:
        minimum = platform_min_share()
        if row.share - moving < minimum:
            raise FundingError(
                f"The platform's share of loan {row.loan_id} would fall to "
                f"{row.share - moving:.2%}, below the minimum of {minimum:.2%}.",
                loan=row.loan_id,
                platform_share=str(row.share - moving),
                minimum=str(minimum),
            )
    return moving


def _part_of(balances: dict[str, Decimal], moving: Decimal, held: Decimal) -> dict[str, Decimal]:
    """``moving`` of ``held`` points of each balance: all of it, or its largest-remainder part."""
    if moving == held:
        return dict(balances)
    return {
        code: split_by_weights(amount, [moving, held - moving])[0]
        for code, amount in balances.items()
    }


def _shares_change(
    *, buyer, rows: dict[int, LoanFunding], moving: dict[int, Decimal], cut_off: date, source: str
) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    """From the cut-off: the seller keeps what it did not sell (if any), on the same terms; the
    buyer holds what it held plus what it bought. Returns (loan, moved, kept, held after)."""
    source_value = _source(source)
    changes = []
    for loan_id, sold in sorted(rows.items()):
        kept = sold.share - moving[loan_id]
        bought = LoanFunding.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=cut_off),
            loan_id=loan_id,
            funder=buyer,
            valid_from__lte=cut_off,
        ).first()
        new_share = moving[loan_id] + (bought.share if bought else ZERO)
        template = bought or sold
        for row in (sold, bought):
            if row is None:
                continue
            if row.valid_from == cut_off:
                row.delete()
            else:
                row.valid_until = cut_off
                row.save(update_fields=["valid_until"])
        if kept:
            LoanFunding.objects.create(
                loan_id=loan_id,
                funder_id=sold.funder_id,
                share=kept,
                funder_rate=sold.funder_rate,
                bears_losses=sold.bears_losses,
                guaranteed=sold.guaranteed,
                buyback_days_past_due=sold.buyback_days_past_due,
                valid_from=cut_off,
                source=source_value,
                arrangement=sold.arrangement,
            )
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
        changes.append((loan_id, moving[loan_id], kept, new_share))
    return changes
