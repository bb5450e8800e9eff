"""The ledger's one posting service, its reversal service and the business date.

Every money movement in the system is a call to `entry_post` (or `entries_post_bulk` for batch
jobs). Both keep these invariants: an entry balances per currency, amounts are positive and in
the currency's minor unit, an idempotency key posts at most once (a repeat with the same content
returns the first entry, with other content it is refused), entries are never changed.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from core.db import fetch_prepared

from .bulk import entries_post_bulk, posting_uses_database_functions
from .deferred import deferred_for, entries_written
from .errors import (
    AlreadyReversed,
    BusinessDateError,
    IdempotencyConflict,
    PostingRejected,
    archived_month_refusal,
    closed_period_refusal,
)
from .models import BusinessDate, JournalEntry
from .partitions import archived_entry_lines
from .periods import booked_in_open_period, closed_periods_forget, closed_through
from .posting_orm import post_with_orm
from .specs import (
    BulkPostingResult,
    EntrySpec,
    LineSpec,
    PostingResult,
    Prepared,
    content_hash,
    prepare,
)

__all__ = [
    "BUSINESS_DATE_SQL",
    "BulkPostingResult",
    "EntrySpec",
    "LineSpec",
    "PostingResult",
    "business_date_advance",
    "business_date_current",
    "business_date_open",
    "content_hash",
    "entries_post_bulk",
    "entry_post",
    "entry_reverse",
]


def entry_post(*, spec: EntrySpec, actor: str = "system") -> PostingResult:
    """Post one balanced entry, idempotently, in the caller's transaction (or its own). An entry
    dated in a closed accounting period is booked in the open one (`ledger.periods`); its
    idempotency is still judged on the content it was asked with, so a retry of an entry
    posted before the close returns it."""
    prepared = prepare(spec)
    booked = booked_in_open_period(spec, closed_through())
    if booked is not spec:
        prepared = Prepared(
            spec=booked, content_hash=prepared.content_hash, account_ids=prepared.account_ids
        )
        spec = booked
    if posting_uses_database_functions():
        if (deferred := deferred_for(spec)) is not None:
            return deferred.post(prepared, actor)
        try:
            return _post_with_function(prepared, actor)
        except IntegrityError as exc:
            refusal = archived_month_refusal(exc, spec.business_date) or closed_period_refusal(
                exc, spec.business_date
            )
            if refusal is None:
                raise
            closed_periods_forget()
            raise refusal from exc
    return post_with_orm(prepared, actor)


POST_ENTRY_CALL = (
    "SELECT entry_id, created, stored_hash FROM ledger_post_entry("
    "%s, %s, %s, %s::date, %s::date, %s, %s, %s::bigint, %s,"
    " %s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[])"
)


def _post_with_function(prepared: Prepared, actor: str) -> PostingResult:
    spec = prepared.spec
    lines = spec.lines
    entry_id, created, stored_hash = fetch_prepared(
        POST_ENTRY_CALL,
        [
            spec.idempotency_key,
            prepared.content_hash,
            spec.kind,
            spec.business_date,
            spec.value_date or spec.business_date,
            spec.memo,
            spec.currency,
            spec.reverses_id,
            actor,
            prepared.account_ids,
            [line.loan_id for line in lines],
            [line.debit for line in lines],
            [line.credit for line in lines],
        ],
        one=True,
    )
    if not created and stored_hash != prepared.content_hash:
        raise IdempotencyConflict(
            f"Idempotency key {spec.idempotency_key!r} was already used for a different entry."
        )
    return PostingResult(entry_id=entry_id, created=created)


def entry_reverse(
    *,
    entry_id: int,
    business_date: date,
    actor: str = "system",
    memo: str = "",
    idempotency_key: str | None = None,
) -> PostingResult:
    """Post the mirror of an entry, linked to it. An entry can be reversed once only."""
    key = idempotency_key or f"reversal:{entry_id}"
    entries_written()
    with transaction.atomic():
        original = JournalEntry.objects.select_for_update().filter(pk=entry_id).first()
        if original is None:
            raise PostingRejected(f"Journal entry {entry_id} does not exist.")
        posted = list(
            original.lines.order_by("id").values_list("account__code", "loan_id", "debit", "credit")
        )
        lines = tuple(
            LineSpec(account=code, debit=credit, credit=debit, loan_id=loan_id)
            for code, loan_id, debit, credit in posted or archived_entry_lines(entry_id)
        )
        spec = EntrySpec(
            kind="reversal",
            business_date=business_date,
            value_date=business_date,
            lines=lines,
            idempotency_key=key,
            memo=memo or f"Reversal of entry {entry_id} ({original.kind})",
            currency=original.currency,
            reverses_id=original.id,
        )
        already = (
            JournalEntry.objects.filter(reverses_id=original.id)
            .values_list("idempotency_key", flat=True)
            .first()
        )
        if already is not None and already != key:
            raise AlreadyReversed(f"Journal entry {entry_id} has already been reversed.")
        return entry_post(spec=spec, actor=actor)


def business_date_current(*, lender: str | None = None) -> date:
    """The lender's business date (its books opened first if they never were). Read on every
    request that moves money: on PostgreSQL a prepared statement, which the ORM's compiler
    would cost several times over."""
    lender = lender or settings.LEDGER_LENDER
    if connection.vendor == "postgresql":
        row = fetch_prepared(BUSINESS_DATE_SQL, [lender], one=True)
        current = None if row is None else row[0]
    else:
        current = (
            BusinessDate.objects.filter(lender=lender).values_list("current", flat=True).first()
        )
    if current is not None:
        return current
    return business_date_open(lender=lender, on=None)


BUSINESS_DATE_SQL = 'SELECT "current" FROM ledger_businessdate WHERE lender = %s'


def business_date_open(*, lender: str | None = None, on: date | None) -> date:
    """Open the books of a lender at a first business date (once)."""
    from django.utils import timezone

    lender = lender or settings.LEDGER_LENDER
    initial = on
    if initial is None and settings.LEDGER_INITIAL_BUSINESS_DATE:
        initial = date.fromisoformat(settings.LEDGER_INITIAL_BUSINESS_DATE)
    if initial is None:
        # Only when the books are first opened is the calendar consulted.
        initial = timezone.localdate()
    row, _ = BusinessDate.objects.get_or_create(lender=lender, defaults={"current": initial})
    return row.current


def business_date_advance(*, to: date, lender: str | None = None) -> date:
    """Move the business date to the next day: never backwards, never skipping a day."""
    lender = lender or settings.LEDGER_LENDER
    with transaction.atomic():
        business_date_current(lender=lender)
        row = BusinessDate.objects.select_for_update().get(lender=lender)
        if to == row.current:
            return row.current
        if to < row.current:
            raise BusinessDateError(f"The business date {row.current} cannot go back to {to}.")
        if to != row.current + timedelta(days=1):
            raise BusinessDateError(
                f"The business date {row.current} can only advance to "
                f"{row.current + timedelta(days=1)}, not skip to {to}."
            )
        row.current = to
        row.save(update_fields=["current", "updated_at"])
        return to
