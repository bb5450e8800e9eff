"""The end-of-day close's hook for credit lines (``credit_lines_sync``): lines follow their
loans. An expired line closes; a charged-off loan whose write-off is not recovered closes or
blocks its line by the product's rule; delinquency freezes a line and a cure unfreezes it by
policy; settled loans release their collateral; the listed available amounts are refreshed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from loans.models import Collateral, Loan
from origination.events import credit_line_changed
from origination.models import CreditLimitChange, CreditLine

from .credit_lines import (
    CHARGED_OFF,
    DELINQUENCY,
    SETTLED_LOAN,
    ZERO,
    Kind,
    Status,
    credit_lines_available,
    line_status_set,
    written_off_on_lines,
)


@dataclass(frozen=True)
class SyncResult:
    frozen: int
    unfrozen: int
    closed: int
    collateral_released: int
    refreshed: int
    charged_off: int = 0
    """Lines blocked or closed by the charge-off of a loan drawn on them."""


def _policy_section(line: CreditLine) -> Mapping[str, object]:
    return line.policy_version.policy.get("credit_line", {})


def _sync_change(
    line: CreditLine, *, past_due: int, unrecovered: Decimal, business_date: date
) -> tuple[str, CreditLimitChange] | None:
    """What the close does to one line today (the count it goes to, and the logged change)."""
    section = _policy_section(line)
    if line.expires_on < business_date:
        return "closed", _sync_status(line, Status.CLOSED, Kind.CLOSE, "expired", business_date)
    if unrecovered > 0:
        if line.product.line_on_charge_off == line.product.ChargeOffLineRule.CLOSE:
            change = _sync_status(line, Status.CLOSED, Kind.CLOSE, CHARGED_OFF, business_date)
            return "charged_off", change
        if line.status != Status.FROZEN or line.freeze_reason != CHARGED_OFF:
            change = _sync_status(line, Status.FROZEN, Kind.FREEZE, CHARGED_OFF, business_date)
            return "charged_off", change
        return None
    if line.status == Status.ACTIVE and past_due >= int(section.get("freeze_days_past_due", 1)):
        return "frozen", _sync_status(line, Status.FROZEN, Kind.FREEZE, DELINQUENCY, business_date)
    if (
        line.status == Status.FROZEN
        and line.freeze_reason == DELINQUENCY
        and past_due == 0
        and section.get("unfreeze_on_cure", True)
    ):
        return "unfrozen", _sync_status(line, Status.ACTIVE, Kind.UNFREEZE, "cured", business_date)
    return None


def credit_lines_sync(*, business_date: date, loan_ids: Iterable[int] | None = None) -> SyncResult:
    """The end-of-day close's hook: for the lines of `loan_ids` (None: every open line) close
    expired lines, close or block (by the product's rule) those with a charged-off loan whose
    write-off is not recovered, freeze those with a loan past the policy's days past due,
    unfreeze by policy those frozen for delinquency whose loans are all current again, release
    the collateral of settled loans, and refresh the listed available amounts. Idempotent."""
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
            CreditLine.objects.select_for_update(of=("self",))
            .filter(pk__in=lines_query.values("pk"))
            .select_related("policy_version", "product")
            .order_by("pk")
        )
        worst = dict(
            Loan.objects.filter(drawdown__line__in=lines, status__in=Loan.OPEN_STATUSES)
            .values("drawdown__line_id")
            .annotate(worst=Max("days_past_due"))
            .values_list("drawdown__line_id", "worst")
        )
        unrecovered = written_off_on_lines([line.id for line in lines])
        changes: list[CreditLimitChange] = []
        counts = {"frozen": 0, "unfrozen": 0, "closed": 0, "charged_off": 0}
        for line in lines:
            decided = _sync_change(
                line,
                past_due=worst.get(line.id, 0) or 0,
                unrecovered=unrecovered.get(line.id, ZERO),
                business_date=business_date,
            )
            if decided is not None:
                counts[decided[0]] += 1
                changes.append(decided[1])
        available = credit_lines_available(lines)
        for line in lines:
            line.available_amount = ZERO if line.status == Status.CLOSED else available[line.id]
        CreditLine.objects.bulk_update(lines, ["status", "freeze_reason", "available_amount"])
        CreditLimitChange.objects.bulk_create(changes)
        credit_line_changed(changes, business_date=business_date)
        return SyncResult(
            frozen=counts["frozen"],
            unfrozen=counts["unfrozen"],
            closed=counts["closed"],
            collateral_released=released,
            refreshed=len(lines),
            charged_off=counts["charged_off"],
        )


def _sync_status(
    line: CreditLine, status: str, kind: str, reason: str, business_date: date
) -> CreditLimitChange:
    return line_status_set(
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
