"""The unmatched queue's resolutions, decided by two people, and the daily cash reconciliation.

Staff propose for a queued statement line a match (to one order), a split (over several orders,
their settled amounts summing to the line's) or a suspense entry (money the books cannot place
yet: Dr 1002 clearing / Cr 2245 unidentified receipts, or the mirror for money out); a second
user approves (`core.maker_checker`) and only then is it applied, or rejects it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.audit import audit_record
from core.maker_checker import Decision
from core.money import ZERO
from ledger import chart
from ledger.selectors import account_balance
from ledger.services import EntrySpec, LineSpec, business_date_current, entry_post
from payments.errors import PaymentError
from payments.models import (
    BankStatement,
    PaymentOrder,
    ReconciliationRequest,
    StatementLine,
    StatementMatch,
)

Kind = ReconciliationRequest.Kind
AGE_BUCKETS = ((0, 1), (2, 7), (8, 30), (31, None))


class ReconciliationDecided(PaymentError):
    status_code = 409
    code = "reconciliation-decided"
    title = "The reconciliation request was decided already."


class OwnReconciliation(PaymentError):
    status_code = 403
    code = "reconciliation-own-request"
    title = "The maker of a reconciliation request cannot decide it."


DECISION = Decision(
    model=ReconciliationRequest,
    pending=ReconciliationRequest.Status.PENDING,
    maker="requested_by_id",
    checker="decided_by",
    decided_at="decided_at",
    not_pending=lambda r: ReconciliationDecided(f"Request {r.pk} is {r.status}."),
    self_decision=lambda r: OwnReconciliation(f"Request {r.pk} is your own."),
)


def reconciliation_request(
    *, line: StatementLine, kind: str, order_references: list[str], reason: str, user
) -> ReconciliationRequest:
    if line.status not in StatementLine.QUEUED:
        raise PaymentError(f"Statement line {line.pk} is {line.status}, not queued.")
    if kind in (Kind.MATCH, Kind.SPLIT) and not order_references:
        raise PaymentError("Name the order(s) to match the line to.")
    if kind == Kind.MATCH and len(order_references) != 1:
        raise PaymentError("A match names one order; a split names several.")
    return ReconciliationRequest.objects.create(
        line=line,
        kind=kind,
        order_references=order_references,
        reason=reason,
        requested_by=user,
    )


def reconciliation_decide(
    *, request: ReconciliationRequest, user, approve: bool, note: str = "", source: str = "admin"
) -> ReconciliationRequest:
    """Approve (apply) or reject a request; the maker cannot decide it, nor anyone twice."""
    with transaction.atomic():
        request = DECISION.pending_for(request.pk, user.pk)
        status = ReconciliationRequest.Status.REJECTED
        if approve:
            request.entry_id = _apply(request, user)
            status = ReconciliationRequest.Status.APPLIED
        DECISION.record(
            request, status=status, checker=user, when=timezone.now(), note=note, also=["entry_id"]
        )
        audit_record(
            actor=user,
            action=f"reconciliation.{'approve' if approve else 'reject'}",
            target=request,
            before={"status": ReconciliationRequest.Status.PENDING},
            after={"status": status, "kind": request.kind},
            reason=request.reason,
            source=source,
            business_date=business_date_current(),
        )
    return request


def _apply(request: ReconciliationRequest, user) -> int | None:
    line = StatementLine.objects.select_for_update().get(pk=request.line_id)
    if line.status not in StatementLine.QUEUED:
        raise PaymentError(f"Statement line {line.pk} is {line.status} already.")
    if request.kind == Kind.SUSPENSE:
        amount = abs(line.amount)
        money_in = line.amount > 0
        result = entry_post(
            spec=EntrySpec(
                kind="suspense",
                business_date=business_date_current(),
                value_date=line.booking_date,
                idempotency_key=f"suspense:statement-line:{line.pk}",
                memo=f"Unidentified statement line {line.pk}: {line.reference}"[:255],
                lines=(
                    LineSpec(chart.CASH if money_in else chart.SUSPENSE, debit=amount),
                    LineSpec(chart.SUSPENSE if money_in else chart.CASH, credit=amount),
                ),
            ),
            actor=user.get_username(),
        )
        line.status, line.match_rule = StatementLine.Status.SUSPENSE, "suspense"
        line.save(update_fields=["status", "match_rule"])
        return result.entry_id
    orders = list(
        PaymentOrder.objects.select_for_update().filter(
            reference__in=request.order_references, status=PaymentOrder.Status.SUCCEEDED
        )
    )
    if len(orders) != len(set(request.order_references)):
        raise PaymentError("Each order named must exist and have succeeded.")
    if sum((o.amount_settled for o in orders), ZERO) != abs(line.amount):
        raise PaymentError(f"The orders' settled amounts do not sum to {abs(line.amount)}.")
    if StatementMatch.objects.filter(order__in=orders).exists():
        raise PaymentError("An order named is matched to another line already.")
    StatementMatch.objects.bulk_create(
        StatementMatch(line=line, order=o, amount=o.amount_settled) for o in orders
    )
    line.status, line.match_rule = StatementLine.Status.MATCHED, f"manual_{request.kind}"
    line.save(update_fields=["status", "match_rule"])
    return None


def cash_reconciliation_report(*, on: date) -> dict:
    """The day's cash reconciliation: each account's latest statement balance up to `on` beside
    the ledger's clearing balance, the lines matched and queued, and the queue aged by booking
    date. `difference` is statement − ledger; `unexplained` what the queue does not explain."""
    ledger_balance = account_balance(code=chart.CASH, as_of=on)
    accounts = []
    for account in (
        BankStatement.objects.filter(statement_date__lte=on)
        .values_list("account", flat=True)
        .distinct()
    ):
        latest = (
            BankStatement.objects.filter(account=account, statement_date__lte=on)
            .order_by("-statement_date", "-id")
            .first()
        )
        lines = StatementLine.objects.filter(statement__account=account, booking_date__lte=on)
        queued = lines.filter(status__in=StatementLine.QUEUED)
        aged = Counter()
        amounts: dict[str, Decimal] = {}
        for booked, amount in queued.values_list("booking_date", "amount"):
            age = (on - booked).days
            for low, high in AGE_BUCKETS:
                if age >= low and (high is None or age <= high):
                    label = f"{low}-{high}" if high is not None else f"{low}+"
                    aged[label] += 1
                    amounts[label] = amounts.get(label, ZERO) + amount
                    break
        queued_total = queued.aggregate(s=Sum("amount"))["s"] or ZERO
        statement_balance = latest.closing_balance if latest else None
        difference = None if statement_balance is None else statement_balance - ledger_balance
        accounts.append(
            {
                "account": account,
                "statement_id": latest.statement_id if latest else "",
                "statement_date": latest.statement_date if latest else None,
                "statement_balance": statement_balance,
                "ledger_balance": ledger_balance,
                "difference": difference,
                "queued_total": queued_total,
                "unexplained": None if difference is None else difference - queued_total,
                "matched": lines.filter(status=StatementLine.Status.MATCHED).count(),
                "queued": queued.count(),
                "suspense": lines.filter(status=StatementLine.Status.SUSPENSE).count(),
                "queued_aged": {
                    label: {"lines": aged[label], "amount": amounts[label]} for label in aged
                },
            }
        )
    return {"business_date": on, "clearing_account": chart.CASH, "accounts": accounts}
