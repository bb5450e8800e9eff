"""Payment orders: created, sent to the gateway, settled by what the gateway reports.

An order is committed (``created``) before it is sent, and the gateway is idempotent on its
reference, so a crash between sending and recording is repaired by sending again or by polling.
Every report (the submit's answer, a callback, a poll) is applied under the order's row lock:
a report that would not move the state machine forward (a duplicate, a stale failure after a
success) is recorded and ignored. The one ledger effect — the repayment of a collect order, the
disbursement of a payout — is posted in the transaction that marks the order succeeded, under
a key derived from the order, and the database refuses a second (see `payments.models`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from core.db import (
    fetch_pipelined,
    fetch_prepared,
    instance_insert_prepared,
    instance_save_prepared,
    pipelines_supported,
    whole_or_nothing,
)
from core.errors import DomainError, IdempotencyKeyReused
from events.deferred import events_deferred
from ledger.deferred import entries_deferred
from ledger.services import BUSINESS_DATE_SQL, business_date_current
from loans.models import Installment, Loan
from loans.raw_instances import instance_from_row, model_columns
from loans.services.repayment_batch import repayments_batched
from payments.errors import GatewayUnavailable, OrderNotFound, PaymentError
from payments.gateways import GatewayReport, ReportStatus, gateway_default_name, gateway_for
from payments.models import Mandate, PaymentOrder, PaymentOrderEvent

from .effects import GATEWAY_CHANNEL, collect_effect_key, order_settle, reversal_post
from .order_exceptions import late_success_apply, payout_return_apply
from .order_writes import BatchWrites

__all__ = [
    "GATEWAY_CHANNEL",
    "SETTLED_HOOKS",
    "order_create",
    "order_report_apply",
    "order_reports_apply",
    "order_submit",
    "orders_poll",
]
SETTLED_HOOKS: list[Callable[[PaymentOrder], None]] = []
"""Called after a report settled an order — succeeded, failed or reversed, not merely submitted
(committed); auto-debit registers its retries here."""
Status = PaymentOrder.Status
Outcome = PaymentOrderEvent.Outcome


def _reference() -> str:
    return "PO" + secrets.token_hex(8).upper()


def _request_hash(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def order_create(
    *,
    loan: Loan,
    direction: str,
    purpose: str,
    amount: Decimal,
    idempotency_key: str,
    business_date: date,
    actor: str = "system",
    installment: Installment | None = None,
    mandate: Mandate | None = None,
    scheduled_for: datetime | None = None,
    attempt: int = 1,
    gateway: str | None = None,
) -> PaymentOrder:
    """A new order, committed before anything is sent. The same key with the same request
    returns the first order; with another request it raises `IdempotencyKeyReused`."""
    if not isinstance(amount, Decimal) or amount <= 0:
        raise PaymentError(f"An order's amount must be a positive Decimal, not {amount!r}.")
    if not idempotency_key or len(idempotency_key) > 100:
        raise PaymentError("An idempotency key of 1 to 100 characters is required.")
    request_hash = _request_hash(loan.pk, direction, purpose, f"{amount:.2f}")
    # The common case, a new key: one INSERT (a savepoint only inside a caller's transaction,
    # which a unique violation would otherwise break); a repeated key: the first order.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            order = PaymentOrder(
                reference=_reference(),
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                direction=direction,
                purpose=purpose,
                loan=loan,
                installment=installment,
                mandate=mandate,
                amount=amount,
                currency=loan.currency,
                business_date=business_date,
                scheduled_for=scheduled_for,
                attempt=attempt,
                gateway=gateway or gateway_default_name(),
                actor=actor,
            )
            instance_insert_prepared(order)
            return order
    except IntegrityError:
        existing = PaymentOrder.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"Idempotency key {idempotency_key!r} was already used for another order."
        )
    return existing


def order_submit(*, order_id: int, order: PaymentOrder | None = None) -> PaymentOrder:
    """Send a created order to its gateway and apply the answer. A gateway that does not answer
    leaves the order created (polling resolves it); an order already past created is left as
    it is. Called outside any transaction: the network call holds no lock. `order`: the order
    as its caller just created it (not read again)."""
    if order is None or order.pk != order_id:
        order = PaymentOrder.objects.select_related("mandate").get(pk=order_id)
    if order.status != Status.CREATED:
        return order
    try:
        report = gateway_for(order.gateway).submit(order)
    except GatewayUnavailable:
        return order
    report = replace(report, reference=order.reference)
    if report.status == ReportStatus.PENDING and _submitted_record(order, report):
        return order
    return order_report_apply(report=report, source="submit")


SUBMITTED_SQL = """
WITH moved AS (
    UPDATE payments_paymentorder
       SET status = 'submitted', submitted_at = %(now)s, updated_at = %(now)s,
           provider_reference = CASE WHEN provider_reference = '' THEN %(provider)s
                                     ELSE provider_reference END
     WHERE id = %(id)s AND status = 'created'
 RETURNING id, provider_reference)
INSERT INTO payments_paymentorderevent
       (order_id, source, reported_status, outcome, payload, created_at)
SELECT id, 'submit', 'pending', 'applied', %(payload)s::jsonb, %(now)s FROM moved
RETURNING (SELECT provider_reference FROM moved)
"""


def _submitted_record(order: PaymentOrder, report: GatewayReport) -> bool:
    """The usual answer to a submit — accepted, pending — applied in one statement rather than
    a locked read, an update and an insert in a transaction: the order moves created →
    submitted only if it is still created (the `submit` transition's rule, checked by the
    UPDATE under the row lock it takes) and the report is logged with it. False, changing
    nothing, if a callback moved the order first (or off PostgreSQL, the SQLite demo): the
    general path records the answer."""
    if connection.vendor != "postgresql":
        return False
    now = timezone.now()
    moved = fetch_prepared(
        SUBMITTED_SQL,
        {
            "id": order.pk,
            "now": now,
            "provider": report.provider_reference,
            "payload": Jsonb(report.raw),
        },
        one=True,
    )
    if moved is None:
        return False
    order.submit()  # the row moved already: the instance follows it
    order.submitted_at = order.updated_at = now
    order.provider_reference = moved[0]
    return True


def order_by_reference(reference: str, *, lock: bool = False) -> PaymentOrder:
    """The order (locked: its row only, read with its loan, which applying it needs)."""
    if lock:
        order = orders_locked([reference]).get(reference)
    else:
        order = PaymentOrder.objects.filter(reference=reference).first()
    if order is None:
        raise OrderNotFound(f"No payment order {reference!r}.")
    return order


@lru_cache(maxsize=1)
def _orders_lock_sql() -> tuple[list[str], list[str], str]:
    order_names = [field.attname for field in PaymentOrder._meta.concrete_fields]
    order_columns = ", ".join(f'o."{f.column}"' for f in PaymentOrder._meta.concrete_fields)
    loan_names, loan_columns = model_columns(Loan)
    loan_columns = ", ".join(f"l.{column}" for column in loan_columns.split(", "))
    return (
        order_names,
        loan_names,
        (
            f"SELECT {order_columns}, {loan_columns}, ({BUSINESS_DATE_SQL})"
            f" FROM {PaymentOrder._meta.db_table} o"
            f" JOIN {Loan._meta.db_table} l ON l.id = o.loan_id"
            " WHERE o.reference = ANY(%s) ORDER BY o.id FOR UPDATE OF o"
        ),
    )


def orders_locked(references: Sequence[str]) -> dict[str, PaymentOrder]:
    """The orders with these references (those that exist), their rows locked in id order and
    each read with its loan. On PostgreSQL one prepared statement: the ORM's query compiler cost
    more than the query, and this is a callback's hottest step."""
    return _orders_locked(references)[0]


def _orders_locked(references: Sequence[str]) -> tuple[dict[str, PaymentOrder], date]:
    """`orders_locked`, and the business date, read with them on PostgreSQL (a report applied
    needs it: one statement fewer)."""
    if connection.vendor != "postgresql":
        orders = (
            PaymentOrder.objects.select_for_update(of=("self",))
            .select_related("loan")
            .filter(reference__in=list(references))
            .order_by("id")
        )
        return {order.reference: order for order in orders}, business_date_current()
    order_names, loan_names, sql = _orders_lock_sql()
    found, today = {}, None
    width = len(order_names)
    for row in fetch_prepared(sql, [settings.LEDGER_LENDER, list(references)]):
        order = PaymentOrder.from_db(connection.alias, order_names, row[:width])
        order.loan = instance_from_row(Loan, loan_names, row[width:-1])
        found[order.reference] = order
        today = row[-1]
    return found, today or business_date_current()  # none found, or books never opened


def order_report_apply(*, report: GatewayReport, source: str) -> PaymentOrder:
    """Apply what the gateway reports about an order, once: under the order's row lock the
    state machine moves forward, or the report is recorded as ignored, or (money moved where
    booking it automatically could be wrong) queued for staff (`OrderReview`). Raises
    `OrderNotFound` (changing nothing) for a reference we never issued."""
    with transaction.atomic(durable=True):
        orders, today = _orders_locked([report.reference])
        order = orders.get(report.reference)
        if order is None:
            raise OrderNotFound(f"No payment order {report.reference!r}.")
        outcome = _apply_logged(order, report, source, today)
    if _settled_now(order, outcome):
        for hook in SETTLED_HOOKS:
            hook(order)
    return order


def _apply_logged(
    order: PaymentOrder,
    report: GatewayReport,
    source: str,
    business_date: date | None = None,
    writes: BatchWrites | None = None,
) -> str:
    """`_apply` the report, and log it on the order with its outcome (kept in `writes`, if
    given, with the order's row, for the batch to write together)."""
    outcome = _apply(order, report, source, business_date, writes)
    event = PaymentOrderEvent(
        order=order,
        source=source,
        reported_status=report.status,
        outcome=outcome,
        payload=report.raw,
    )
    if writes is None:
        instance_insert_prepared(event)
    else:
        writes.report_logged(event)
    return outcome


def _order_save(order: PaymentOrder) -> None:
    """`order.save()`, prepared (`core.db.instance_save_prepared`): on a callback the ORM's
    compiling of the UPDATE cost more than running it."""
    if not instance_save_prepared(order):
        raise OrderNotFound(f"No payment order {order.reference!r} to save.")


def _settled_now(order: PaymentOrder, outcome: str) -> bool:
    return outcome == Outcome.APPLIED and order.status not in PaymentOrder.OPEN


def order_reports_apply(
    *, reports: Sequence[GatewayReport], source: str
) -> list[PaymentOrder | DomainError]:
    """Apply a callback's batch of reports in one transaction, each as `order_report_apply`
    would, and return, report by report, the order as it stands or the error that refused the
    report (`OrderNotFound` for a reference we never issued, or the books' refusal). A report
    the books refuse changes nothing and does not hold the others back. The orders are locked
    together in id order and applied in loan order, so batches that share loans wait for one
    another rather than deadlock.

    The usual batch, every report accepted, runs without savepoints (`core.db.whole_or_nothing`:
    four statements a report saved), its orders' rows and report log written together at its
    end (`order_writes`) with its repayments (`repayment_batch`) and their ledger entries
    (`ledger.deferred`), and the loans it repays locked and read together at its start
    (`loan_io.loans_locked_for_payments`). If any report fails, that attempt is rolled back
    whole and the batch is applied again with each report under a savepoint of its own,
    written as applied."""
    try:
        results, settled = _reports_apply(reports, source, isolated=False)
    except _RetryIsolated:
        results, settled = _reports_apply(reports, source, isolated=True)
    for order in settled:
        for hook in SETTLED_HOOKS:
            hook(order)
    return results


class _RetryIsolated(Exception):
    """A report failed in a batch applied without savepoints: roll it back and apply again."""


def _reports_apply(
    reports: Sequence[GatewayReport], source: str, *, isolated: bool
) -> tuple[list[PaymentOrder | DomainError], list[PaymentOrder]]:
    results: dict[int, PaymentOrder | DomainError] = {}
    settled: list[PaymentOrder] = []
    with transaction.atomic(durable=True):
        orders, today = _orders_locked(sorted({report.reference for report in reports}))
        for index, report in enumerate(reports):
            if report.reference not in orders:
                results[index] = OrderNotFound(f"No payment order {report.reference!r}.")

        def loan_order(index: int) -> tuple[int, int, int]:
            order = orders[reports[index].reference]
            return order.loan_id, order.pk, index

        pending = sorted(set(range(len(reports))) - set(results), key=loan_order)
        writes = None if isolated else BatchWrites()
        ahead = _repayments_ahead(reports, orders, pending, today)
        with (
            repayments_batched(ahead, keep=not isolated) as repayments,
            nullcontext() if isolated else entries_deferred(ahead) as entries,
            events_deferred(keep=not isolated) as events,
            nullcontext() if isolated else whole_or_nothing(),
        ):
            for index in pending:
                report = reports[index]
                order = orders[report.reference]
                try:
                    with transaction.atomic() if isolated else nullcontext():
                        outcome = _apply_logged(order, report, source, today, writes)
                except Exception as exc:
                    if not isolated:
                        raise _RetryIsolated from exc
                    if not isinstance(exc, DomainError):
                        raise
                    results[index] = exc
                    orders.update(orders_locked([report.reference]))  # as it stands, not tried
                    continue
                results[index] = order
                if _settled_now(order, outcome):
                    settled.append(order)
            if writes is not None:
                try:
                    _batch_write(writes, entries, repayments, events)
                except Exception as exc:
                    raise _RetryIsolated from exc
    return [results[index] for index in range(len(reports))], settled


def _batch_write(writes: BatchWrites, *kept) -> None:
    """What the batch kept — its entries, repayments and events, and its orders with their
    report log — written in one round trip on PostgreSQL, in that order."""
    if not pipelines_supported():
        for each in (*kept, writes):
            each.flush()
        return
    statements = [statement for each in kept for statement in each.statements()]
    ours = writes.statements()
    if statements or ours:
        answers = fetch_pipelined([*statements, *ours])
        if ours:
            writes.written(answers[-1])


def _repayments_ahead(
    reports: Sequence[GatewayReport],
    orders: dict[str, PaymentOrder],
    pending: Sequence[int],
    today: date,
) -> dict[int, str]:
    """The loans whose repayment a batch will post, to lock and read together (loan id → the
    repayment's key): those with one report in the batch, a success of an open collect order
    of today (an earlier one is applied back-dated, which reads its loan otherwise)."""
    per_loan: dict[int, list[int]] = {}
    for index in pending:
        per_loan.setdefault(orders[reports[index].reference].loan_id, []).append(index)
    ahead = {}
    for loan_id, indexes in per_loan.items():
        report = reports[indexes[0]]
        order = orders[report.reference]
        if (
            len(indexes) == 1
            and report.status == ReportStatus.SUCCEEDED
            and order.status in PaymentOrder.OPEN
            and order.direction == PaymentOrder.Direction.COLLECT
            and order.business_date >= today
        ):
            ahead[loan_id] = collect_effect_key(order)
    return ahead


def _apply(
    order: PaymentOrder,
    report: GatewayReport,
    source: str,
    business_date: date | None = None,
    writes: BatchWrites | None = None,
) -> str:
    now = timezone.now()
    if report.provider_reference and not order.provider_reference:
        order.provider_reference = report.provider_reference
    if report.status == ReportStatus.PENDING:
        if order.status != Status.CREATED:
            return Outcome.IGNORED
        order.submit()
        order.submitted_at = now
    elif report.status == ReportStatus.SUCCEEDED:
        if order.status == Status.FAILED:
            if writes is not None:
                writes.flush()  # it reads the loan's other orders
            return late_success_apply(order, report, source)
        if order.status not in PaymentOrder.OPEN:
            return Outcome.IGNORED
        order.succeed()
        order_settle(order, report, business_date=business_date)
    elif report.status == ReportStatus.FAILED:
        if order.status not in PaymentOrder.OPEN:
            return Outcome.IGNORED
        order.fail()
        order.failure_reason = report.reason[:255] or "failed at the gateway"
        order.settled_at = now
    elif report.status == ReportStatus.REVERSED:
        if order.status != Status.SUCCEEDED:
            return Outcome.IGNORED
        if order.direction == PaymentOrder.Direction.PAYOUT:
            if writes is not None:
                writes.flush()
            return payout_return_apply(order, report, source)
        order.reverse()
        order.reversal_key = reversal_post(order, report.reason)
    else:
        return Outcome.IGNORED
    if writes is None:
        _order_save(order)
    else:
        writes.order_changed(order)
    return Outcome.APPLIED


def orders_poll(
    *,
    older_than: timedelta = timedelta(seconds=30),
    expire_after: timedelta | None = None,
    recheck_failed_for: timedelta | None = None,
) -> int:
    """Ask the gateway about open orders last touched more than `older_than` ago: a lost
    callback is recovered, an order the gateway never received is sent again (same reference,
    so at most once) or, past `expire_after` (default `PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES`
    after its creation), expired. An order is expired only on the gateway's answer that it
    does not know it: a gateway that does not answer expires nothing. Orders that failed in
    the last `recheck_failed_for` (default `PAYMENTS_FAILED_RECHECK_MINUTES`) are asked about
    too, and only a success (the money moved after all) is applied. Returns how many reports
    were applied."""
    if expire_after is None:
        expire_after = timedelta(minutes=settings.PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES)
    if recheck_failed_for is None:
        recheck_failed_for = timedelta(minutes=settings.PAYMENTS_FAILED_RECHECK_MINUTES)
    now = timezone.now()
    applied = 0
    stale = PaymentOrder.objects.filter(
        Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now),
        status__in=PaymentOrder.OPEN,
        updated_at__lt=now - older_than,
    )
    if recheck_failed_for:
        stale = stale | PaymentOrder.objects.filter(
            status=Status.FAILED, settled_at__gte=now - recheck_failed_for
        )
    for order in stale.select_related("mandate").order_by("id"):
        gateway = gateway_for(order.gateway)
        try:
            report = gateway.query(order)
        except GatewayUnavailable:
            continue
        if order.status == Status.FAILED:
            if report.status != ReportStatus.SUCCEEDED:
                continue
        elif report.status == ReportStatus.UNKNOWN:
            if now - order.created_at > expire_after:
                _expire(order)
                applied += 1
            elif order.status == Status.CREATED:
                order_submit(order_id=order.pk)
                applied += 1
            continue
        before = order.status
        order = order_report_apply(report=replace(report, reference=order.reference), source="poll")
        applied += order.status != before
    return applied


def _expire(order: PaymentOrder) -> None:
    with transaction.atomic(durable=True):
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if order.status in PaymentOrder.OPEN:
            order.expire()
            order.failure_reason = "unknown at the gateway: never sent"
            order.save()
            PaymentOrderEvent.objects.create(
                order=order,
                source="poll",
                reported_status=ReportStatus.UNKNOWN,
                outcome=Outcome.APPLIED,
            )
