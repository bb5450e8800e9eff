"""Posting through the ORM: the path on databases other than PostgreSQL (the SQLite demo)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from .accounts import keeps_loan_balances
from .errors import IdempotencyConflict
from .models import JournalEntry, JournalLine, LoanAccountBalance
from .specs import ZERO, PostingResult, Prepared


def post_with_orm(prepared: Prepared, actor: str) -> PostingResult:
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


def _write_lines_with_orm(posted: list[tuple[JournalEntry, Prepared]]) -> None:
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
            if line.loan_id is not None and keeps_loan_balances(account_id):
                total = totals.setdefault((line.loan_id, account_id), [ZERO, ZERO])
                total[0] += line.debit
                total[1] += line.credit
    JournalLine.objects.bulk_create(lines, batch_size=2000)
    if connection.vendor == "postgresql":
        return  # the database's line trigger keeps the stored balances (migration 0002)
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
