"""Credit lines (授信): opening from an approved decision, the available amount, limit changes,
freezing, unfreezing and closing, and the lines' share of a borrower's exposure (the end-of-day
sync is ``line_sync``).

The available amount is derived, never kept by counting: for a revolving line it is the limit
less the principal its loans still owe in the ledger (1303) and less what their write-offs took
off the books and was not recovered since, so any repayment, prepayment, refund, reversal or
recovery restores exactly what it repaid with no hook, and a write-off restores nothing; for a
one-off line it is the limit less everything drawn.

A charge-off of a loan drawn on a line closes or blocks the line by its product's rule
(``Product.line_on_charge_off``, default block): a blocked line is frozen with the reason
``charged_off``, which no cure lifts; staff may lift it only once everything written off on it
has been recovered.

A drawdown locks the line's row, so two drawdowns racing for the last available amount
serialize and exactly one wins. `available_amount` on the row is the last figure computed,
refreshed on every drawdown, restore and sync (for lists and admin).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from calc import limits
from core.money import ZERO
from loans.models import Loan
from loans.selectors.batch import among
from loans.selectors.exposure import (
    ExposureShare,
    outstanding_principal,
    unsecured_exposure,
    written_off_outstanding,
)
from origination.errors import CreditLineStateError, OriginationError
from origination.events import credit_line_changed
from origination.models import CreditLimitChange, CreditLine, Drawdown

from .facts import borrowers_lock
from .trail import objects_insert

DELINQUENCY = "delinquency"
CHARGED_OFF = "charged_off"
OPEN_LINE = (CreditLine.Status.ACTIVE, CreditLine.Status.FROZEN)
SETTLED_LOAN = (Loan.Status.PAID_OFF, Loan.Status.CLOSED, Loan.Status.CANCELLED)
Status = CreditLine.Status
Kind = CreditLimitChange.Kind


def _drawn(lines: Sequence[CreditLine]) -> dict[int, Decimal]:
    """Per line: principal owed and written off unrecovered (revolving), or drawn net of
    refunds (one-off)."""
    ids = [line.id for line in lines]
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    revolving = {line.id for line in lines if line.revolving}
    links = [
        link
        for link in Drawdown.objects.filter(line_id__in=ids).values_list(
            "line_id", "loan_id", "loan__status"
        )
        if link[0] in revolving
    ]
    owed = outstanding_principal([loan_id for _, loan_id, _ in links])
    lost = written_off_outstanding(
        [loan_id for _, loan_id, status in links if status == Loan.Status.CHARGED_OFF]
    )
    for line_id, loan_id, _ in links:
        used[line_id] += max(owed.get(loan_id, ZERO), ZERO) + lost.get(loan_id, ZERO)
    for line_id, amount, refunded in Drawdown.objects.filter(
        line_id__in=[i for i in ids if i not in revolving]
    ).values_list("line_id", "amount", "refunded_amount"):
        used[line_id] += amount - refunded
    return used


def written_off_on_lines(line_ids: Sequence[int]) -> dict[int, Decimal]:
    """Per line with a charged-off loan drawn on it: what was written off and not recovered
    (zero once recovered in full)."""
    links = list(
        Drawdown.objects.filter(
            line_id__in=among(line_ids), loan__status=Loan.Status.CHARGED_OFF
        ).values_list("line_id", "loan_id")
    )
    lost = written_off_outstanding([loan_id for _, loan_id in links])
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line_id, loan_id in links:
        totals[line_id] += lost.get(loan_id, ZERO)
    return dict(totals)


def lines_exposure(borrower_ids: Sequence[int], currency: str | None) -> list[ExposureShare]:
    """The exposure source of credit lines: an open unsecured line counts its whole limit,
    drawn or not (it is credit granted), and so covers the loans drawn on it."""
    lines = CreditLine.objects.filter(
        borrower_id__in=among(borrower_ids), status__in=OPEN_LINE, secured=False
    )
    if currency is not None:
        lines = lines.filter(currency=currency)
    rows = list(lines.values_list("id", "borrower_id", "limit"))
    if not rows:
        return []
    covered: dict[int, set[int]] = defaultdict(set)
    for borrower_id, loan_id in Drawdown.objects.filter(
        line_id__in=[line_id for line_id, _, _ in rows]
    ).values_list("line__borrower_id", "loan_id"):
        covered[borrower_id].add(loan_id)
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for _, borrower_id, limit in rows:
        totals[borrower_id] += limit
    return [
        ExposureShare(borrower_id, amount, frozenset(covered[borrower_id]))
        for borrower_id, amount in totals.items()
    ]


def credit_lines_available(lines: Sequence[CreditLine]) -> dict[int, Decimal]:
    """What each line may still lend (never below zero: a lowered limit can leave it owing
    more than its limit)."""
    used = _drawn(lines)
    return {line.id: max(line.limit - used[line.id], ZERO) for line in lines}


def credit_line_available(*, line: CreditLine) -> Decimal:
    return credit_lines_available([line])[line.id]


def credit_line_lock(line_id: int) -> CreditLine:
    return CreditLine.objects.select_for_update().get(pk=line_id)


def _log(
    line: CreditLine,
    *,
    kind: str,
    old_limit: Decimal,
    old_status: str,
    reason: str,
    actor: str,
    business_date: date,
) -> CreditLimitChange:
    return CreditLimitChange(
        line=line,
        kind=kind,
        old_limit=old_limit,
        new_limit=line.limit,
        old_status=old_status,
        new_status=line.status,
        reason=reason[:255],
        actor=actor,
        business_date=business_date,
    )


@dataclass(frozen=True)
class LineOpening:
    """What an approved application opens: from the decision's offer."""

    application_id: int
    borrower_id: int
    product_id: int
    product_type: str
    policy_version_id: int
    currency: str
    offer: Mapping[str, object]
    score: int | None
    reference: str
    jurisdiction: str = "CN"


def credit_lines_open(
    *, openings: Sequence[LineOpening], business_date: date, actor: str
) -> list[CreditLine]:
    """Open lines for approved applications (bulk: two COPYs), each logged as opened."""
    lines = []
    for item in openings:
        offer = item.offer
        limit = Decimal(str(offer["limit"]))
        secured = limits.collateral_limit(item.jurisdiction, item.product_type) is not None
        lines.append(
            CreditLine(
                reference=f"CL{item.reference.removeprefix('AP')}",
                borrower_id=item.borrower_id,
                product_id=item.product_id,
                application_id=item.application_id,
                policy_version_id=item.policy_version_id,
                allowed_product_types=[item.product_type]
                if not offer.get("revolving", True) or secured
                else list(limits.UNSECURED_CONSUMER_TYPES),
                currency=item.currency,
                limit=limit,
                available_amount=limit,
                revolving=bool(offer.get("revolving", True)),
                secured=secured,
                pricing_band=str(offer["band"]),
                annual_rate=Decimal(str(offer["annual_rate"])),
                credit_score=item.score,
                opened_on=business_date,
                expires_on=date.fromisoformat(str(offer["expires_on"])),
            )
        )
    created = objects_insert(lines)
    logged = objects_insert(
        [
            _log(
                line,
                kind=Kind.OPEN,
                old_limit=ZERO,
                old_status=Status.ACTIVE,
                reason=f"approved application {item.reference}",
                actor=actor,
                business_date=business_date,
            )
            for line, item in zip(created, openings, strict=True)
        ]
    )
    credit_line_changed(logged, business_date=business_date)
    return created


def credit_line_change_limit(
    *, line: CreditLine, new_limit: Decimal, reason: str, actor: str, business_date: date
) -> CreditLine:
    """Raise or lower a limit, logged with reason and actor. A raise stays within the
    product's maximum and the regulatory limit per borrower per lender."""
    if not reason.strip():
        raise OriginationError("A limit change needs a reason.")
    if new_limit < 0:
        raise OriginationError("A limit cannot be negative.")
    with transaction.atomic():
        locked = credit_line_lock(line.pk)
        if locked.status == Status.CLOSED:
            raise CreditLineStateError(f"Credit line {locked.reference} is closed.")
        old = locked.limit
        if new_limit > old:
            product = locked.product
            if new_limit > product.max_amount:
                raise OriginationError(
                    f"{new_limit} is above product {product.code}'s maximum {product.max_amount}."
                )
            if not locked.secured:
                borrowers_lock([locked.borrower_id])
                others = unsecured_exposure([locked.borrower_id])[locked.borrower_id] - old
                headroom = limits.exposure_headroom(
                    product.jurisdiction, product.product_type, others
                )
                if headroom is not None and new_limit > headroom:
                    raise OriginationError(
                        f"{new_limit} would take the borrower's credit above the regulatory "
                        f"limit: at most {headroom} more.",
                        limit="CN-internet-consumer-200k",
                    )
        locked.limit = new_limit
        locked.available_amount = credit_line_available(line=locked)
        locked.save(update_fields=["limit", "available_amount", "updated_at"])
        change = _log(
            locked,
            kind=Kind.INCREASE if new_limit > old else Kind.DECREASE,
            old_limit=old,
            old_status=locked.status,
            reason=reason,
            actor=actor,
            business_date=business_date,
        )
        change.save()
        credit_line_changed([change], business_date=business_date)
        return locked


def line_status_set(
    line: CreditLine, *, status: str, kind: str, reason: str, actor: str, business_date: date
) -> CreditLimitChange:
    old_status = line.status
    line.status = status
    line.freeze_reason = reason if status == Status.FROZEN else ""
    return _log(
        line,
        kind=kind,
        old_limit=line.limit,
        old_status=old_status,
        reason=reason,
        actor=actor,
        business_date=business_date,
    )


def credit_line_freeze(
    *, line: CreditLine, reason: str, actor: str, business_date: date
) -> CreditLine:
    """Stop drawdowns on a line (its loans run on). Freezing a frozen line changes nothing."""
    with transaction.atomic():
        locked = credit_line_lock(line.pk)
        if locked.status == Status.CLOSED:
            raise CreditLineStateError(f"Credit line {locked.reference} is closed.")
        if locked.status == Status.FROZEN:
            return locked
        change = line_status_set(
            locked,
            status=Status.FROZEN,
            kind=Kind.FREEZE,
            reason=reason,
            actor=actor,
            business_date=business_date,
        )
        locked.save(update_fields=["status", "freeze_reason", "updated_at"])
        change.save()
        credit_line_changed([change], business_date=business_date)
        return locked


def credit_line_unfreeze(
    *, line: CreditLine, reason: str, actor: str, business_date: date
) -> CreditLine:
    with transaction.atomic():
        locked = credit_line_lock(line.pk)
        if locked.status != Status.FROZEN:
            raise CreditLineStateError(f"Credit line {locked.reference} is {locked.status}.")
        if locked.freeze_reason == CHARGED_OFF:
            unrecovered = written_off_on_lines([locked.pk]).get(locked.pk, ZERO)
            if unrecovered > 0:
                raise CreditLineStateError(
                    f"Credit line {locked.reference} is blocked by a charge-off: {unrecovered} "
                    f"{locked.currency} written off on it is not recovered.",
                    unrecovered=str(unrecovered),
                )
        change = line_status_set(
            locked,
            status=Status.ACTIVE,
            kind=Kind.UNFREEZE,
            reason=reason,
            actor=actor,
            business_date=business_date,
        )
        locked.save(update_fields=["status", "freeze_reason", "updated_at"])
        change.save()
        credit_line_changed([change], business_date=business_date)
        return locked


def credit_line_close(
    *, line: CreditLine, reason: str, actor: str, business_date: date
) -> CreditLine:
    """No more drawdowns, ever; the loans drawn run to their end."""
    with transaction.atomic():
        locked = credit_line_lock(line.pk)
        if locked.status == Status.CLOSED:
            return locked
        change = line_status_set(
            locked,
            status=Status.CLOSED,
            kind=Kind.CLOSE,
            reason=reason,
            actor=actor,
            business_date=business_date,
        )
        locked.available_amount = ZERO
        locked.save(update_fields=["status", "freeze_reason", "available_amount", "updated_at"])
        change.save()
        credit_line_changed([change], business_date=business_date)
        return locked


def credit_line_restore(
    *, loan: Loan, principal_repaid: Decimal | None = None
) -> CreditLine | None:
    """Refresh the available amount of the line `loan` was drawn on after `principal_repaid`
    came back. The amount is derived from the ledger, so calling this late, twice or never
    loses nothing; it only keeps the listed figure current. None: not drawn on a line."""
    with transaction.atomic():
        line_id = Drawdown.objects.filter(loan_id=loan.pk).values_list("line_id", flat=True).first()
        if line_id is None:
            return None
        locked = credit_line_lock(line_id)
        locked.available_amount = credit_line_available(line=locked)
        locked.save(update_fields=["available_amount", "updated_at"])
        return locked
