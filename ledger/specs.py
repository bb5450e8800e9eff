"""What a posting is: entry and line specifications, validated and hashed in one pass."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.money import ZERO, MoneyError, minor_unit_for

from .accounts import account_ids
from .errors import PostingRejected


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


@dataclass(slots=True)
class Prepared:
    spec: EntrySpec
    content_hash: str
    account_ids: list[int] = field(default_factory=list)


def prepare(spec: EntrySpec, *, reload_accounts: bool = True) -> Prepared:
    """Validate an entry and compute its content hash (one pass: bulk posting calls it a lot)."""
    key = spec.idempotency_key
    if not key or len(key) > 200:
        raise PostingRejected("An idempotency key of 1 to 200 characters is required.")
    if len(spec.lines) < 2:
        raise PostingRejected(f"{key}: an entry needs at least two lines.")
    try:
        unit = minor_unit_for(spec.currency)
    except MoneyError as exc:
        raise PostingRejected(f"{key}: {exc}.") from exc
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
    return Prepared(
        spec=spec,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        account_ids=account_ids(
            [line.account for line in spec.lines], spec.currency, reload=reload_accounts
        ),
    )


def content_hash(spec: EntrySpec) -> str:
    return prepare(spec).content_hash
