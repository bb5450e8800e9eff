"""The ledger's one posting service, its reversal service and the business date.

Every money movement in the system is a call to `entry_post` (or `entries_post_bulk` for batch
jobs). Both keep these invariants: an entry balances per currency, amounts are positive and in
the currency's minor unit, an idempotency key posts at most once (a repeat with the same content
returns the first entry, with other content it is refused), entries are never changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from .accounts import account_ids
from .errors import AlreadyReversed, BusinessDateError, IdempotencyConflict, PostingRejected
from .models import BusinessDate, JournalEntry, JournalLine, LoanAccountBalance

ZERO = Decimal("0")
MINOR_UNIT_EXPONENT = {"JPY": 0, "KRW": 0, "VND": 0}


@dataclass(frozen=True)
class LineSpec:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    loan_id: int | None = None


@dataclass(frozen=True)
class EntrySpec:
    kind: str
    business_date: date
    lines: tuple[LineSpec, ...]
    idempotency_key: str
    value_date: date | None = None
    memo: str = ""
    currency: str = "CNY"
    reverses_id: int | None = None

    @property
    def effective_value_date(self) -> date:
        return self.value_date or self.business_date


@dataclass(frozen=True)
class PostingResult:
    entry_id: int
    created: bool


@dataclass(frozen=True)
class BulkPostingResult:
    created: int
    existing: int


@dataclass
class _Prepared:
    spec: EntrySpec
    content_hash: str
    account_ids: list[int] = field(default_factory=list)


def _check_amount(amount: Decimal, currency: str, key: str) -> None:
    if not isinstance(amount, Decimal):
        raise PostingRejected(f"{key}: amounts must be Decimal, got {type(amount).__name__}.")
    if amount < 0:
        raise PostingRejected(f"{key}: amounts must not be negative ({amount}).")
    exponent = MINOR_UNIT_EXPONENT.get(currency, 2)
    if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        raise PostingRejected(f"{key}: {amount} is finer than the {currency} minor unit.")


def _prepare(spec: EntrySpec) -> _Prepared:
    key = spec.idempotency_key
    if not key or len(key) > 200:
        raise PostingRejected("An idempotency key of 1 to 200 characters is required.")
    if len(spec.lines) < 2:
        raise PostingRejected(f"{key}: an entry needs at least two lines.")
    debits = credits = ZERO
    for line in spec.lines:
        _check_amount(line.debit, spec.currency, key)
        _check_amount(line.credit, spec.currency, key)
        if (line.debit > 0) == (line.credit > 0):
            raise PostingRejected(f"{key}: each line is either a debit or a credit, above zero.")
        debits += line.debit
        credits += line.credit
    if debits != credits:
        raise PostingRejected(f"{key}: debits {debits} and credits {credits} differ.")
    ids = account_ids([line.account for line in spec.lines], spec.currency)
    return _Prepared(spec=spec, content_hash=content_hash(spec), account_ids=ids)


def content_hash(spec: EntrySpec) -> str:
    """What a repeated idempotency key must match: everything but who posted it and when."""
    lines = sorted(
        f"{ln.account}:{'' if ln.loan_id is None else ln.loan_id}:{ln.debit:f}:{ln.credit:f}"
        for ln in spec.lines
    )
    text = "|".join(
        [
            spec.kind,
            spec.business_date.isoformat(),
            spec.effective_value_date.isoformat(),
            spec.currency,
            spec.memo,
            "" if spec.reverses_id is None else str(spec.reverses_id),
            *lines,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _use_database_functions() -> bool:
    backend = settings.LEDGER_POSTING_BACKEND
    if backend == "auto":
        return connection.vendor == "postgresql"
    return backend == "postgresql"


def entry_post(*, spec: EntrySpec, actor: str = "system") -> PostingResult:
    """Post one balanced entry, idempotently, in the caller's transaction (or its own)."""
    prepared = _prepare(spec)
    if _use_database_functions():
        return _post_with_function(prepared, actor)
    return _post_with_orm(prepared, actor)


def _post_with_function(prepared: _Prepared, actor: str) -> PostingResult:
    spec = prepared.spec
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry_id, created, stored_hash FROM ledger_post_entry("
            "%s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[])",
            [
                spec.idempotency_key,
                prepared.content_hash,
                spec.kind,
                spec.business_date,
                spec.effective_value_date,
                spec.memo,
                spec.currency,
                spec.reverses_id,
                actor,
                prepared.account_ids,
                [line.loan_id for line in spec.lines],
                [line.debit for line in spec.lines],
                [line.credit for line in spec.lines],
            ],
        )
        entry_id, created, stored_hash = cursor.fetchone()
    if not created and stored_hash != prepared.content_hash:
        raise IdempotencyConflict(
            f"Idempotency key {spec.idempotency_key!r} was already used for a different entry."
        )
    return PostingResult(entry_id=entry_id, created=created)


def _post_with_orm(prepared: _Prepared, actor: str) -> PostingResult:
    spec = prepared.spec
    with transaction.atomic():
        existing = (
            JournalEntry.objects.filter(idempotency_key=spec.idempotency_key)
            .values_list("id", "content_hash")
            .first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    entry = JournalEntry.objects.create(
                        business_date=spec.business_date,
                        value_date=spec.effective_value_date,
                        kind=spec.kind,
                        memo=spec.memo,
                        currency=spec.currency,
                        idempotency_key=spec.idempotency_key,
                        content_hash=prepared.content_hash,
                        reverses_id=spec.reverses_id,
                        created_by=actor,
                    )
            except IntegrityError:
                existing = (
                    JournalEntry.objects.filter(idempotency_key=spec.idempotency_key)
                    .values_list("id", "content_hash")
                    .first()
                )
                if existing is None:
                    raise
        if existing is not None:
            entry_id, stored_hash = existing
            if stored_hash != prepared.content_hash:
                raise IdempotencyConflict(
                    f"Idempotency key {spec.idempotency_key!r} was already used for a "
                    "different entry."
                )
            return PostingResult(entry_id=entry_id, created=False)
        _write_lines_with_orm([(entry, prepared)])
    return PostingResult(entry_id=entry.id, created=True)


def _write_lines_with_orm(posted: list[tuple[JournalEntry, _Prepared]]) -> None:
    lines = []
    totals: dict[tuple[int, int], list[Decimal]] = {}
    for entry, prepared in posted:
        spec = prepared.spec
        for line, account_id in zip(spec.lines, prepared.account_ids, strict=True):
            lines.append(
                JournalLine(
                    entry_id=entry.id,
                    account_id=account_id,
                    loan_id=line.loan_id,
                    debit=line.debit,
                    credit=line.credit,
                    currency=spec.currency,
                    business_date=spec.business_date,
                )
            )
            if line.loan_id is not None:
                total = totals.setdefault((line.loan_id, account_id), [ZERO, ZERO])
                total[0] += line.debit
                total[1] += line.credit
    JournalLine.objects.bulk_create(lines, batch_size=2000)
    # Fixed (loan, account) order: concurrent postings take these row locks in the same order.
    for (loan_id, account_id), (debit, credit) in sorted(totals.items()):
        updated = LoanAccountBalance.objects.filter(loan_id=loan_id, account_id=account_id).update(
            debit_total=F("debit_total") + debit, credit_total=F("credit_total") + credit
        )
        if not updated:
            try:
                with transaction.atomic():
                    LoanAccountBalance.objects.create(
                        loan_id=loan_id, account_id=account_id, debit_total=debit,
                        credit_total=credit,
                    )
            except IntegrityError:
                LoanAccountBalance.objects.filter(loan_id=loan_id, account_id=account_id).update(
                    debit_total=F("debit_total") + debit, credit_total=F("credit_total") + credit
                )


def entries_post_bulk(*, specs: Sequence[EntrySpec], actor: str = "system") -> BulkPostingResult:
    """Post many entries in one transaction (the end-of-day close), same invariants as one."""
    prepared = _prepare_batch(specs)
    if not prepared:
        return BulkPostingResult(created=0, existing=0)
    with transaction.atomic():
        if _use_database_functions():
            return _post_staged(prepared, actor)
        created = existing = 0
        for item in prepared:
            result = _post_with_orm(item, actor)
            created += result.created
            existing += not result.created
        return BulkPostingResult(created=created, existing=existing)


def _prepare_batch(specs: Sequence[EntrySpec]) -> list[_Prepared]:
    by_key: dict[str, _Prepared] = {}
    for spec in specs:
        prepared = _prepare(spec)
        seen = by_key.get(spec.idempotency_key)
        if seen is not None and seen.content_hash != prepared.content_hash:
            raise IdempotencyConflict(
                f"Idempotency key {spec.idempotency_key!r} appears twice with different content."
            )
        by_key.setdefault(spec.idempotency_key, prepared)
    return list(by_key.values())


def _post_staged(prepared: list[_Prepared], actor: str) -> BulkPostingResult:
    from .pg_sql import STAGING_TABLES

    with connection.cursor() as cursor:
        cursor.execute(STAGING_TABLES)
        raw = cursor.cursor
        with raw.copy(
            "COPY ledger_stage_entry (seq, key, hash, kind, business_date, value_date, memo,"
            " currency, reverses_id) FROM STDIN"
        ) as copy:
            for seq, item in enumerate(prepared):
                spec = item.spec
                copy.write_row(
                    (
                        seq, spec.idempotency_key, item.content_hash, spec.kind,
                        spec.business_date, spec.effective_value_date, spec.memo,
                        spec.currency, spec.reverses_id,
                    )
                )
        with raw.copy(
            "COPY ledger_stage_line (seq, account_id, loan_id, debit, credit) FROM STDIN"
        ) as copy:
            for seq, item in enumerate(prepared):
                for line, account_id in zip(item.spec.lines, item.account_ids, strict=True):
                    copy.write_row((seq, account_id, line.loan_id, line.debit, line.credit))
        try:
            with transaction.atomic():
                cursor.execute("SELECT created, existing FROM ledger_post_staged(%s)", [actor])
                created, existing = cursor.fetchone()
        except IntegrityError as exc:
            if "idempotency key" in str(exc):
                raise IdempotencyConflict(str(exc).splitlines()[0].removeprefix("ledger: ")) from exc
            raise
    return BulkPostingResult(created=created, existing=existing)


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
    with transaction.atomic():
        original = JournalEntry.objects.select_for_update().filter(pk=entry_id).first()
        if original is None:
            raise PostingRejected(f"Journal entry {entry_id} does not exist.")
        lines = tuple(
            LineSpec(account=code, debit=credit, credit=debit, loan_id=loan_id)
            for code, loan_id, debit, credit in original.lines.order_by("id").values_list(
                "account__code", "loan_id", "debit", "credit"
            )
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
        already = JournalEntry.objects.filter(reverses_id=original.id).values_list(
            "idempotency_key", flat=True
        ).first()
        if already is not None and already != key:
            raise AlreadyReversed(f"Journal entry {entry_id} has already been reversed.")
        return entry_post(spec=spec, actor=actor)


def business_date_current(*, lender: str | None = None) -> date:
    lender = lender or settings.LEDGER_LENDER
    row = BusinessDate.objects.filter(lender=lender).values_list("current", flat=True).first()
    if row is not None:
        return row
    return business_date_open(lender=lender, on=None)


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
