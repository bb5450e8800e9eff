"""The ledger's one posting service, its reversal service and the business date.

Every money movement in the system is a call to `entry_post` (or `entries_post_bulk` for batch
jobs). Both keep these invariants: an entry balances per currency, amounts are positive and in
the currency's minor unit, an idempotency key posts at most once (a repeat with the same content
returns the first entry, with other content it is refused), entries are never changed.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from .accounts import account_ids, load_accounts
from .errors import AlreadyReversed, BusinessDateError, IdempotencyConflict, PostingRejected
from .models import BusinessDate, JournalEntry, JournalLine, LoanAccountBalance

ZERO = Decimal("0")
MINOR_UNIT_EXPONENT = {"JPY": 0, "KRW": 0, "VND": 0}
COPY_CHUNK = 20_000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNITS = {exponent: Decimal(1).scaleb(-exponent) for exponent in (0, 1, 2, 3)}


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


def _prepare(spec: EntrySpec, *, reload_accounts: bool = True) -> _Prepared:
    """Validate an entry and compute its content hash (one pass: bulk posting calls it a lot)."""
    key = spec.idempotency_key
    if not key or len(key) > 200:
        raise PostingRejected("An idempotency key of 1 to 200 characters is required.")
    if len(spec.lines) < 2:
        raise PostingRejected(f"{key}: an entry needs at least two lines.")
    unit = _UNITS[MINOR_UNIT_EXPONENT.get(spec.currency, 2)]
    debits = credits = ZERO
    parts = []
    for line in spec.lines:
        debit, credit = line.debit, line.credit
        if type(debit) is not Decimal or type(credit) is not Decimal:
            raise PostingRejected(f"{key}: amounts must be Decimal.")
        if debit < 0 or credit < 0:
            raise PostingRejected(f"{key}: amounts must not be negative.")
        if debit:
            if credit:
                raise PostingRejected(f"{key}: each line is either a debit or a credit.")
            amount = debit.quantize(unit)
            if amount != debit:
                raise PostingRejected(
                    f"{key}: {debit} is finer than the {spec.currency} minor unit."
                )
            debits += amount
            parts.append(f"{line.account}:{line.loan_id}:D{amount}")
        elif credit:
            amount = credit.quantize(unit)
            if amount != credit:
                raise PostingRejected(
                    f"{key}: {credit} is finer than the {spec.currency} minor unit."
                )
            credits += amount
            parts.append(f"{line.account}:{line.loan_id}:C{amount}")
        else:
            raise PostingRejected(f"{key}: each line is either a debit or a credit, above zero.")
    if debits != credits:
        raise PostingRejected(f"{key}: debits {debits} and credits {credits} differ.")
    parts.sort()
    # What a repeated idempotency key must match: everything but who posted it and when.
    text = "|".join(
        (
            spec.kind,
            spec.business_date.isoformat(),
            (spec.value_date or spec.business_date).isoformat(),
            spec.currency,
            spec.memo,
            str(spec.reverses_id),
            *parts,
        )
    )
    return _Prepared(
        spec=spec,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        account_ids=account_ids(
            [line.account for line in spec.lines], spec.currency, reload=reload_accounts
        ),
    )


def _only_new(cursor, prepared: list[_Prepared]) -> list[_Prepared]:
    """The entries whose keys are not posted yet; a posted key must carry the same content."""
    cursor.execute(
        "SELECT idempotency_key, content_hash FROM ledger_journalentry"
        " WHERE idempotency_key = ANY(%s)",
        [[item.spec.idempotency_key for item in prepared]],
    )
    existing = dict(cursor.fetchall())
    for item in prepared:
        stored = existing.get(item.spec.idempotency_key)
        if stored is not None and stored != item.content_hash:
            raise IdempotencyConflict(
                f"Idempotency key {item.spec.idempotency_key!r} was already used for a "
                "different entry."
            )
    return [item for item in prepared if item.spec.idempotency_key not in existing]


_entry_sequence: dict[str, str] = {}


def _allocate_entry_ids(cursor, count: int) -> list[int]:
    alias = connection.alias
    if alias not in _entry_sequence:
        cursor.execute("SELECT pg_get_serial_sequence('ledger_journalentry', 'id')")
        _entry_sequence[alias] = cursor.fetchone()[0]
    # A constant regclass: resolving the sequence per row would cost more than the rows.
    cursor.execute(
        "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
        [_entry_sequence[alias], count],
    )
    return cursor.fetchone()[0]


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_null(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def content_hash(spec: EntrySpec) -> str:
    return _prepare(spec).content_hash


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
    if connection.vendor == "postgresql":
        return  # the database's line trigger keeps the stored balances (ledger/pg_sql.py)
    # Fixed (loan, account) order: concurrent postings take these row locks in the same order.
    for (loan_id, account_id), (debit, credit) in sorted(totals.items()):
        updated = LoanAccountBalance.objects.filter(loan_id=loan_id, account_id=account_id).update(
            debit_total=F("debit_total") + debit, credit_total=F("credit_total") + credit
        )
        if not updated:
            try:
                with transaction.atomic():
                    LoanAccountBalance.objects.create(
                        loan_id=loan_id,
                        account_id=account_id,
                        debit_total=debit,
                        credit_total=credit,
                    )
            except IntegrityError:
                LoanAccountBalance.objects.filter(loan_id=loan_id, account_id=account_id).update(
                    debit_total=F("debit_total") + debit, credit_total=F("credit_total") + credit
                )


def entries_post_bulk(*, specs: Sequence[EntrySpec], actor: str = "system") -> BulkPostingResult:
    """Post many entries in one transaction (the end-of-day close), same invariants as one."""
    with _no_cyclic_gc():
        return _post_bulk(specs, actor)


@contextmanager
def _no_cyclic_gc():
    """A batch allocates hundreds of thousands of acyclic objects; collecting them as they are
    made costs a third of the posting time. Reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _post_bulk(specs: Sequence[EntrySpec], actor: str) -> BulkPostingResult:
    if not specs:
        return BulkPostingResult(created=0, existing=0)
    with transaction.atomic():
        if _use_database_functions():
            return _post_staged(specs, actor)
        created = existing = 0
        for item in _prepare_batch(specs):
            result = _post_with_orm(item, actor)
            created += result.created
            existing += not result.created
        return BulkPostingResult(created=created, existing=existing)


def _prepare_batch(specs: Sequence[EntrySpec]) -> list[_Prepared]:
    """Validate every entry; a key twice in one batch is kept once if the content agrees."""
    by_key: dict[str, _Prepared] = {}
    for spec in specs:
        _add_unique(by_key, _prepare(spec))
    return list(by_key.values())


def _prepare_in_copy(spec: EntrySpec) -> _Prepared:
    return _prepare(spec, reload_accounts=False)


def _add_unique(by_key: dict[str, _Prepared], item: _Prepared) -> bool:
    key = item.spec.idempotency_key
    seen = by_key.get(key)
    if seen is None:
        by_key[key] = item
        return True
    if seen.content_hash != item.content_hash:
        raise IdempotencyConflict(f"Idempotency key {key!r} appears twice with different content.")
    return False


def _post_staged(specs: Sequence[EntrySpec], actor: str) -> BulkPostingResult:
    """COPY entries and lines straight into their tables; the database triggers check them.

    Optimistic: a first run of a batch (the usual case) validates and streams entries to the
    server in chunks without looking keys up, so the server indexes one chunk while the next is
    validated. If a key exists already (a re-run, or a race with another worker), the batch is
    rolled back to its savepoint and posted again with the keys looked up: existing entries must
    match, and only the new ones are written.
    """
    try:
        with transaction.atomic():
            return _copy_entries(specs, actor, look_up_keys=False)
    except (IntegrityError, psycopg.errors.UniqueViolation) as exc:
        if "entry_idempotency_key_uniq" not in str(exc):
            raise
    with transaction.atomic():
        return _copy_entries(specs, actor, look_up_keys=True)


def _copy_entries(
    specs: Sequence[EntrySpec], actor: str, *, look_up_keys: bool
) -> BulkPostingResult:
    from django.utils import timezone

    now = timezone.now().isoformat()
    actor_text = _copy_text(actor)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if look_up_keys:
            pending = _only_new(cursor, _prepare_batch(specs))
            if not pending:
                return BulkPostingResult(created=0, existing=len(specs))
            chunks = (pending[i : i + COPY_CHUNK] for i in range(0, len(pending), COPY_CHUNK))
            ids = _allocate_entry_ids(cursor, len(pending))
        else:
            chunks = None
            ids = _allocate_entry_ids(cursor, len(specs))
        posted: list[_Prepared] = []
        by_key: dict[str, _Prepared] = {}
        load_accounts()  # no other query may run on this connection while a COPY is open
        with raw.copy(
            "COPY ledger_journalentry (id, business_date, value_date, kind, memo, currency,"
            " idempotency_key, content_hash, reverses_id, created_at, created_by) FROM STDIN"
        ) as copy:
            for start in range(0, len(specs), COPY_CHUNK):
                if chunks is not None:
                    chunk = next(chunks, [])
                else:
                    chunk = [
                        item
                        for item in map(_prepare_in_copy, specs[start : start + COPY_CHUNK])
                        if _add_unique(by_key, item)
                    ]
                rows = []
                for item in chunk:
                    spec = item.spec
                    rows.append(
                        f"{ids[len(posted)]}\t{spec.business_date}"
                        f"\t{spec.value_date or spec.business_date}"
                        f"\t{_copy_text(spec.kind)}\t{_copy_text(spec.memo)}\t{spec.currency}"
                        f"\t{_copy_text(spec.idempotency_key)}\t{item.content_hash}"
                        f"\t{_copy_null(spec.reverses_id)}\t{now}\t{actor_text}\n"
                    )
                    posted.append(item)
                copy.write("".join(rows))
        with raw.copy(
            "COPY ledger_journalline (entry_id, account_id, loan_id, debit, credit, currency,"
            " business_date) FROM STDIN"
        ) as copy:
            rows = []
            for entry_id, item in zip(ids, posted, strict=False):
                spec = item.spec
                tail = f"\t{spec.currency}\t{spec.business_date}\n"
                for line, account_id in zip(spec.lines, item.account_ids, strict=True):
                    loan_id = "\\N" if line.loan_id is None else line.loan_id
                    rows.append(
                        f"{entry_id}\t{account_id}\t{loan_id}\t{line.debit}\t{line.credit}{tail}"
                    )
                if len(rows) >= COPY_CHUNK:
                    copy.write("".join(rows))
                    rows.clear()
            if rows:
                copy.write("".join(rows))
    return BulkPostingResult(created=len(posted), existing=len(specs) - len(posted))


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
        already = (
            JournalEntry.objects.filter(reverses_id=original.id)
            .values_list("idempotency_key", flat=True)
            .first()
        )
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
