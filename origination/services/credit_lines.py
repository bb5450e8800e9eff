"""Credit lines (授信): opening from an approved decision, the available amount, limit changes,
freezing on delinquency and unfreezing on cure, and the end-of-day sync.

The available amount is derived, never kept by counting: for a revolving line it is the limit
less the principal its loans still owe in the ledger (1303), so any repayment, prepayment,
refund, reversal or write-off restores exactly what it repaid with no hook; for a one-off line
it is the limit less everything drawn. A drawdown locks the line's row, so two drawdowns racing
for the last available amount serialize and exactly one wins. `available_amount` on the row is
the last figure computed, refreshed on every drawdown, restore and sync (for lists and admin).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from core.money import ZERO
from loans.models import Loan
from origination import limits
from origination.errors import CreditLineStateError, OriginationError
from origination.models import Collateral, CreditLimitChange, CreditLine, Drawdown

from .facts import borrowers_lock, outstanding_principal, unsecured_exposure
from .trail import objects_insert

DELINQUENCY = "delinquency"
SETTLED_LOAN = (Loan.Status.PAID_OFF, Loan.Status.CLOSED, Loan.Status.CANCELLED)
Status = CreditLine.Status
Kind = CreditLimitChange.Kind


def _drawn(lines: Sequence[CreditLine]) -> dict[int, Decimal]:
    """Per line: principal owed (revolving) or drawn net of refunds (one-off)."""
    ids = [line.id for line in lines]
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    revolving = {line.id for line in lines if line.revolving}
    links = list(Drawdown.objects.filter(line_id__in=ids).values_list("line_id", "loan_id"))
    owed = outstanding_principal([loan_id for line_id, loan_id in links if line_id in revolving])
    for line_id, loan_id in links:
        if line_id in revolving:
            used[line_id] += max(owed.get(loan_id, ZERO), ZERO)
    for line_id, amount, refunded in Drawdown.objects.filter(
        line_id__in=[i for i in ids if i not in revolving]
    ).values_list("line_id", "amount", "refunded_amount"):
        used[line_id] += amount - refunded
    return used


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
    objects_insert(
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
        _log(
            locked,
            kind=Kind.INCREASE if new_limit > old else Kind.DECREASE,
            old_limit=old,
            old_status=locked.status,
            reason=reason,
            actor=actor,
            business_date=business_date,
        ).save()
        return locked


def _set_status(
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
        change = _set_status(
            locked,
            status=Status.FROZEN,
            kind=Kind.FREEZE,
            reason=reason,
            actor=actor,
            business_date=business_date,
        )
        locked.save(update_fields=["status", "freeze_reason", "updated_at"])
        change.save()
        return locked


def credit_line_unfreeze(
    *, line: CreditLine, reason: str, actor: str, business_date: date
) -> CreditLine:
    with transaction.atomic():
        locked = credit_line_lock(line.pk)
        if locked.status != Status.FROZEN:
            raise CreditLineStateError(f"Credit line {locked.reference} is {locked.status}.")
        change = _set_status(
            locked,
            status=Status.ACTIVE,
            kind=Kind.UNFREEZE,
            reason=reason,
            actor=actor,
            business_date=business_date,
        )
        locked.save(update_fields=["status", "freeze_reason", "updated_at"])
        change.save()
        return locked


def credit_line_close(
    *, line: CreditLine, reason: str, actor: str, business_date: date
) -> CreditLine:
    """No more drawdowns, ever; the loans drawn run to their end."""
    with transaction.atomic():
        locked = credit_line_lock(line.pk)
        if locked.status == Status.CLOSED:
            return locked
        change = _set_status(
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


@dataclass(frozen=True)
class SyncResult:
    frozen: int
    unfrozen: int
    closed: int
    collateral_released: int
    refreshed: int


def _policy_section(line: CreditLine) -> Mapping[str, object]:
    return line.policy_version.policy.get("credit_line", {})


def credit_lines_sync(*, business_date: date, loan_ids: Iterable[int] | None = None) -> SyncResult:
    """The end-of-day close's hook: for the lines of `loan_ids` (None: every open line) freeze
    those with a loan past the policy's days past due, unfreeze by policy those frozen for
    delinquency whose loans are all current again, close expired lines, release the collateral
    of settled loans, and refresh the listed available amounts. Idempotent."""
    with transaction.atomic():
        lines_query = CreditLine.objects.exclude(status=Status.CLOSED)
        released = 0
        if loan_ids is not None:
            ids = list(loan_ids)
            lines_query = lines_query.filter(drawdowns__loan_id__in=ids).distinct()
            released = collateral_release_settled(business_date=business_date, loan_ids=ids)
        else:
            released = collateral_release_settled(business_date=business_date, loan_ids=None)
        lines = list(
            CreditLine.objects.select_for_update()
            .filter(pk__in=lines_query.values("pk"))
            .select_related("policy_version")
            .order_by("pk")
        )
        worst = dict(
            Loan.objects.filter(drawdown__line__in=lines, status__in=Loan.OPEN_STATUSES)
            .values("drawdown__line_id")
            .annotate(worst=Max("days_past_due"))
            .values_list("drawdown__line_id", "worst")
        )
        changes: list[CreditLimitChange] = []
        counts = {"frozen": 0, "unfrozen": 0, "closed": 0}
        for line in lines:
            section = _policy_section(line)
            threshold = int(section.get("freeze_days_past_due", 1))
            past_due = worst.get(line.id, 0) or 0
            if line.expires_on < business_date:
                changes.append(
                    _sync_status(line, Status.CLOSED, Kind.CLOSE, "expired", business_date)
                )
                counts["closed"] += 1
            elif line.status == Status.ACTIVE and past_due >= threshold:
                changes.append(
                    _sync_status(line, Status.FROZEN, Kind.FREEZE, DELINQUENCY, business_date)
                )
                counts["frozen"] += 1
            elif (
                line.status == Status.FROZEN
                and line.freeze_reason == DELINQUENCY
                and past_due == 0
                and section.get("unfreeze_on_cure", True)
            ):
                changes.append(
                    _sync_status(line, Status.ACTIVE, Kind.UNFREEZE, "cured", business_date)
                )
                counts["unfrozen"] += 1
        available = credit_lines_available(lines)
        for line in lines:
            line.available_amount = ZERO if line.status == Status.CLOSED else available[line.id]
        CreditLine.objects.bulk_update(lines, ["status", "freeze_reason", "available_amount"])
        CreditLimitChange.objects.bulk_create(changes)
        return SyncResult(
            frozen=counts["frozen"],
            unfrozen=counts["unfrozen"],
            closed=counts["closed"],
            collateral_released=released,
            refreshed=len(lines),
        )


def _sync_status(
    line: CreditLine, status: str, kind: str, reason: str, business_date: date
) -> CreditLimitChange:
    return _set_status(
        line, status=status, kind=kind, reason=reason, actor="eod", business_date=business_date
    )


def collateral_release_settled(*, business_date: date, loan_ids: Iterable[int] | None) -> int:
    """Release the pledged collateral of loans paid off, closed or cancelled."""
    query = Collateral.objects.filter(
        status=Collateral.Status.PLEDGED, loan__status__in=SETTLED_LOAN
    )
    if loan_ids is not None:
        query = query.filter(loan_id__in=list(loan_ids))
    return query.update(status=Collateral.Status.RELEASED, released_on=business_date)
