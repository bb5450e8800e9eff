"""Bank statements imported into lines and matched to what the books say.

Every line ends matched or queued, never dropped. In order:

1. **Duplicate** — a bank reference seen before on the account (this or an earlier statement):
   queued as a duplicate for staff to confirm.
2. **Reference** — the line's text names one or more of our order references (`PO…`): matched
   to those succeeded orders when their settled amounts sum to the line's (more than one: a
   *split*), money in for collect orders, out for payouts.
3. **Amount and date** — a succeeded, unmatched order of the same amount and direction settled
   within `WINDOW_DAYS` of the booking date, the nearest first.
4. **Clearing journal line** — a line of the clearing account (1002) of the same amount and side
   within the window, not matched yet (a bank transfer recorded in the back office).

The rest is queued (unmatched) for staff: match, split or suspense (`reconciliation`). A line
matched to an order is matched to the order's clearing journal line too, so no journal line is
matched twice (the database keeps each order and each journal line matched once).
Set-based: the candidates are read in a few queries and the matches written in bulk.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.db import rows_update
from ledger import chart
from ledger.models import JournalEntry, JournalLine
from loans.models import Repayment
from payments.errors import PaymentError
from payments.models import BankStatement, PaymentOrder, StatementLine, StatementMatch
from payments.statement_formats import StatementFormatError, parse_statement

WINDOW_DAYS = 3
REFERENCE = re.compile(r"PO[0-9A-F]{16}")
BATCH = 5000
Line = StatementLine.Status


def statement_import(*, content: bytes, filename: str, actor: str) -> dict:
    """Read, store and match a statement; returns its counts. A file that cannot be read, or a
    statement imported before (same account and id), is refused and changes nothing."""
    try:
        parsed = parse_statement(content)
    except (StatementFormatError, UnicodeDecodeError) as exc:
        raise PaymentError(f"{filename}: {exc}") from exc
    if not 0 < len(parsed.statement_id) <= 64 or not 0 < len(parsed.account) <= 64:
        raise PaymentError(f"{filename}: the statement id and account need 1 to 64 characters.")
    try:
        with transaction.atomic():
            statement = BankStatement.objects.create(
                account=parsed.account,
                statement_id=parsed.statement_id,
                format=parsed.format,
                statement_date=parsed.statement_date,
                opening_balance=parsed.opening_balance,
                closing_balance=parsed.closing_balance,
                currency=parsed.currency,
                imported_by=actor,
            )
            rows_insert(
                StatementLine,
                (
                    "statement_id",
                    "line_number",
                    "booking_date",
                    "amount",
                    "reference",
                    "bank_reference",
                    "counterparty",
                    "status",
                    "match_rule",
                ),
                (
                    (
                        statement.pk,
                        number,
                        line.booking_date,
                        line.amount,
                        line.reference,
                        line.bank_reference,
                        line.counterparty,
                        Line.UNMATCHED,
                        "",
                    )
                    for number, line in enumerate(parsed.lines, start=1)
                ),
            )
            statement_match(statement=statement)
    except IntegrityError as exc:
        raise PaymentError(
            f"Statement {parsed.statement_id} of account {parsed.account} was imported before."
        ) from exc
    return statement_counts(statement)


def rows_insert(model, columns: tuple[str, ...], rows) -> None:
    """Insert many rows: COPY on PostgreSQL (the statement's 100,000 lines in about a second),
    `bulk_create` elsewhere (the SQLite demo)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=BATCH
        )
        return
    column_of = {field.attname: field.column for field in model._meta.concrete_fields}
    names = ", ".join(column_of[name] for name in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def in_chunks(queryset, field: str, values, *fields: str) -> list[tuple]:
    """`queryset.filter(field__in=values).values_list(*fields)`, a few thousand values a query."""
    values, found = list(values), []
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        found.extend(queryset.filter(**{f"{field}__in": chunk}).values_list(*fields))
    return found


def statement_counts(statement: BankStatement) -> dict:
    lines = StatementLine.objects.filter(statement=statement)
    return {
        "id": statement.pk,
        "account": statement.account,
        "statement_id": statement.statement_id,
        "format": statement.format,
        "statement_date": statement.statement_date,
        "lines": lines.count(),
        "matched": lines.filter(status=Line.MATCHED).count(),
        "queued": lines.filter(status__in=StatementLine.QUEUED).count(),
    }


class _Nearest:
    """Candidates by key, each a sorted list of (date, id): take the nearest within the window
    not taken yet."""

    def __init__(self, rows):
        self.by_key: dict[object, list[tuple[date, int]]] = defaultdict(list)
        for key, on, pk in rows:
            self.by_key[key].append((on, pk))
        for values in self.by_key.values():
            values.sort()
        self.taken: set[int] = set()

    def take(self, key, on: date) -> int | None:
        values = self.by_key.get(key)
        if not values:
            return None
        window = timedelta(days=WINDOW_DAYS)
        start = bisect_left(values, (on - window, -1))
        best = None
        for when, pk in values[start:]:
            if when > on + window:
                break
            if pk in self.taken:
                continue
            if best is None or abs((when - on).days) < abs((best[0] - on).days):
                best = (when, pk)
        if best is not None:
            self.taken.add(best[1])
            return best[1]
        return None


def _order_journal_lines(orders: dict[int, tuple]) -> dict[int, int]:
    """Order id → its effect's clearing journal line id."""
    keys = {effect_key: pk for pk, (_, _, _, _, effect_key) in orders.items()}
    entry_by_key = dict(
        in_chunks(
            Repayment.objects.all(),
            "idempotency_key",
            [k for k in keys if k.startswith("payorder:")],
            "idempotency_key",
            "entry_id",
        )
    )
    entry_by_key.update(
        in_chunks(
            JournalEntry.objects.all(),
            "idempotency_key",
            [k for k in keys if k.startswith("disbursement:")],
            "idempotency_key",
            "id",
        )
    )
    order_by_entry = {entry_by_key[k]: pk for k, pk in keys.items() if k in entry_by_key}
    found = {}
    for entry_id, line_id in in_chunks(
        JournalLine.objects.filter(account__code=chart.CASH),
        "entry_id",
        order_by_entry,
        "entry_id",
        "id",
    ):
        found[order_by_entry[entry_id]] = line_id
    return found


def statement_match(*, statement: BankStatement) -> int:
    """Match the statement's unmatched lines (see the module docstring); returns how many."""
    lines = list(
        StatementLine.objects.filter(statement=statement, status=Line.UNMATCHED)
        .order_by("line_number")
        .values_list("id", "booking_date", "amount", "reference", "bank_reference")
    )
    if not lines:
        return 0
    first = min(line[1] for line in lines) - timedelta(days=WINDOW_DAYS)
    last = max(line[1] for line in lines) + timedelta(days=WINDOW_DAYS)
    seen = set(
        StatementLine.objects.filter(statement__account=statement.account)
        .exclude(statement=statement)
        .exclude(bank_reference="")
        .values_list("bank_reference", flat=True)
    )
    named = {ref for line in lines for ref in REFERENCE.findall(line[3])}
    unmatched_orders = PaymentOrder.objects.filter(
        status=PaymentOrder.Status.SUCCEEDED, match__isnull=True
    )
    columns = ("id", "reference", "direction", "amount_settled", "business_date", "effect_key")
    orders = {
        row[0]: row[1:]
        for row in unmatched_orders.filter(reference__in=named).values_list(*columns)
    }
    by_reference = {row[0]: pk for pk, row in orders.items()}
    window_orders = {
        row[0]: row[1:]
        for row in unmatched_orders.filter(business_date__range=(first, last)).values_list(*columns)
    }
    orders.update(window_orders)
    nearest_order = _Nearest(
        ((direction, amount), on, pk) for pk, (_, direction, amount, on, _) in window_orders.items()
    )
    order_lines = _order_journal_lines(orders)
    matched_journal = set(
        StatementMatch.objects.filter(journal_line_id__isnull=False).values_list(
            "journal_line_id", flat=True
        )
    )
    taken_lines = matched_journal | set(order_lines.values())
    nearest_journal = _Nearest(
        (debit if debit else -credit, on, pk)
        for pk, on, debit, credit in JournalLine.objects.filter(
            account__code=chart.CASH, business_date__range=(first, last)
        ).values_list("id", "business_date", "debit", "credit")
        if pk not in taken_lines
    )
    used_orders: set[int] = set()
    matches, status_by_line = [], {}

    def match_order(line_id: int, order_id: int, amount: Decimal) -> None:
        used_orders.add(order_id)
        nearest_order.taken.add(order_id)
        matches.append(
            StatementMatch(
                line_id=line_id,
                order_id=order_id,
                journal_line_id=order_lines.get(order_id),
                amount=amount,
            )
        )

    for line_id, booked, amount, text, bank_reference in lines:
        if bank_reference and bank_reference in seen:
            status_by_line[line_id] = (Line.DUPLICATE, "")
            continue
        if bank_reference:
            seen.add(bank_reference)
        direction = PaymentOrder.Direction.COLLECT if amount > 0 else PaymentOrder.Direction.PAYOUT
        refs = [by_reference.get(ref) for ref in dict.fromkeys(REFERENCE.findall(text))]
        if refs and all(pk is not None and pk not in used_orders for pk in refs):
            settled = [orders[pk][2] for pk in refs]
            if all(orders[pk][1] == direction for pk in refs) and sum(settled, Decimal(0)) == abs(
                amount
            ):
                for pk, part in zip(refs, settled, strict=True):
                    match_order(line_id, pk, part)
                status_by_line[line_id] = (Line.MATCHED, "reference" if len(refs) == 1 else "split")
                continue
        order_id = nearest_order.take((direction, abs(amount)), booked)
        if order_id is not None:
            match_order(line_id, order_id, abs(amount))
            status_by_line[line_id] = (Line.MATCHED, "amount_date")
            continue
        journal_id = nearest_journal.take(amount, booked)
        if journal_id is not None:
            matches.append(
                StatementMatch(line_id=line_id, journal_line_id=journal_id, amount=abs(amount))
            )
            status_by_line[line_id] = (Line.MATCHED, "journal")
    now = timezone.now()
    rows_insert(
        StatementMatch,
        ("line_id", "order_id", "journal_line_id", "amount", "created_at"),
        ((m.line_id, m.order_id, m.journal_line_id, m.amount, now) for m in matches),
    )
    rows_update(
        StatementLine._meta.db_table,
        [("status", "text"), ("match_rule", "text")],
        [(line_id, status, rule) for line_id, (status, rule) in status_by_line.items()],
    )
    return sum(1 for status, _ in status_by_line.values() if status == Line.MATCHED)
