"""The general-ledger export of an accounting period, for finance and the customer's ERP.

Two tables: the period's journal lines (entry id, business and value dates, account code and
name, debit, credit, currency, loan reference, kind, memo) and its trial balance (opening,
movements and closing per account, `ledger.periods.period_trial_balance`). An ERP mapping
(`--mapping` or the `LEDGER_GL_MAPPING` setting: a CSV with `account_code,erp_code,erp_name` or a
JSON object `{"1002": {"code": "...", "name": "..."}}`) adds the customer's account to each row.

Streamed: the lines are read from their month's partition and written as they come (on
PostgreSQL the database writes the CSV, `COPY … TO STDOUT`, and builds each JSON object), so
memory stays flat whatever the period's size.

    csv   two sections, each a header row and its rows, introduced by a `# journal lines` and a
          `# trial balance` comment line and separated by a blank line;
    json  one object: {"period", "closed", "lines": [...], "trial_balance": [...]}.

The loan reference lives above the ledger: an app registers the table it is read from
(`loan_reference_source_register`, `loans` does in its `ready()`); without one the loan id is
exported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection

from .errors import PostingRejected
from .partitions import add_months, month_start
from .periods import period_is_closed, period_trial_balance

LINE_COLUMNS = (
    "entry_id",
    "business_date",
    "value_date",
    "account_code",
    "account_name",
    "debit",
    "credit",
    "currency",
    "loan_reference",
    "kind",
    "memo",
    "erp_account_code",
    "erp_account_name",
)
BALANCE_COLUMNS = (
    "account_code",
    "account_name",
    "currency",
    "opening",
    "period_debit",
    "period_credit",
    "movement",
    "closing",
    "erp_account_code",
    "erp_account_name",
)
FETCH_SIZE = 20_000


class GlExportError(PostingRejected):
    code = "gl-export"
    title = "The general-ledger export cannot be made."


@dataclass(frozen=True)
class LoanReferenceSource:
    table: str
    id_column: str
    reference_column: str


_reference_source: list[LoanReferenceSource] = []


def loan_reference_source_register(*, table: str, id_column: str, reference_column: str) -> None:
    """Where the export reads a loan's reference (one source; registering again replaces it)."""
    _reference_source[:] = [LoanReferenceSource(table, id_column, reference_column)]


def parse_period(text: str) -> date:
    """`YYYY-MM` → the period's first day."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise GlExportError(f"A period is YYYY-MM, not {text!r}.") from None


def erp_mapping_load(path: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """Our account code → (ERP code, ERP name), from `path` or the `LEDGER_GL_MAPPING` setting
    (none: an empty mapping)."""
    path = path or getattr(settings, "LEDGER_GL_MAPPING", "")
    if not path:
        return {}
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GlExportError(f"The ERP mapping {path} cannot be read: {exc}.") from exc
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
            return {str(code): (str(v["code"]), str(v.get("name", ""))) for code, v in data.items()}
        except (ValueError, AttributeError, KeyError, TypeError) as exc:
            raise GlExportError(
                f'The ERP mapping {path} is not {{"code": {{"code", "name"}}}}.'
            ) from exc
    rows = csv.DictReader(io.StringIO(text))
    if not rows.fieldnames or not {"account_code", "erp_code"} <= set(rows.fieldnames):
        raise GlExportError(
            f"The ERP mapping {path} needs the columns account_code, erp_code(, erp_name)."
        )
    return {row["account_code"]: (row["erp_code"], row.get("erp_name") or "") for row in rows}


def _lines_query(month: date, mapping: Mapping[str, tuple[str, str]], columns: str):
    """The period's lines joined to their entry, account, loan reference and ERP account."""
    source = _reference_source[0] if _reference_source else None
    reference = (
        f"COALESCE(r.{source.reference_column}, l.loan_id::text)" if source else "l.loan_id::text"
    )
    join = f"LEFT JOIN {source.table} r ON r.{source.id_column} = l.loan_id" if source else ""
    codes = list(mapping)
    sql = (
        f"SELECT {columns.format(reference=reference)}"
        " FROM ledger_journalline l"
        " JOIN ledger_journalentry e ON e.id = l.entry_id"
        " JOIN ledger_account a ON a.id = l.account_id"
        f" {join}"
        " LEFT JOIN unnest(%s::text[], %s::text[], %s::text[]) AS m(code, erp_code, erp_name)"
        " ON m.code = a.code"
        " WHERE l.business_date >= %s AND l.business_date < %s"
        " ORDER BY l.entry_id, l.id"
    )
    params = [
        codes,
        [mapping[code][0] for code in codes],
        [mapping[code][1] for code in codes],
        month,
        add_months(month, 1),
    ]
    return sql, params


ROW_COLUMNS = (
    "e.id, e.business_date, e.value_date, a.code, a.name, l.debit, l.credit, l.currency,"
    " {reference}, e.kind, e.memo, COALESCE(m.erp_code, ''), COALESCE(m.erp_name, '')"
)
JSON_COLUMNS = (
    "json_build_object('entry_id', e.id, 'business_date', e.business_date, 'value_date',"
    " e.value_date, 'account_code', a.code, 'account_name', a.name, 'debit', l.debit::text,"
    " 'credit', l.credit::text, 'currency', l.currency, 'loan_reference', {reference},"
    " 'kind', e.kind, 'memo', e.memo, 'erp_account_code', COALESCE(m.erp_code, ''),"
    " 'erp_account_name', COALESCE(m.erp_name, ''))::text"
)


def journal_lines(month: date, mapping: Mapping[str, tuple[str, str]]) -> Iterator[tuple]:
    """The period's lines in entry order, as LINE_COLUMNS."""
    sql, params = _lines_query(month, mapping, ROW_COLUMNS)
    if connection.vendor != "postgresql":
        sql, params = _portable(sql, params, mapping)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_SIZE):
            yield from rows


def _portable(sql: str, params: list, mapping) -> tuple[str, list]:
    """The query without PostgreSQL's arrays (the SQLite demo): ERP accounts joined from a
    VALUES list."""
    values = " UNION ALL ".join("SELECT %s, %s, %s" for _ in mapping) or "SELECT '', '', ''"
    sql = sql.replace(
        "unnest(%s::text[], %s::text[], %s::text[]) AS m(code, erp_code, erp_name)",
        f"({values}) AS m(code, erp_code, erp_name)",
    ).replace("l.loan_id::text", "CAST(l.loan_id AS TEXT)")
    flat = [part for code, (erp, name) in mapping.items() for part in (code, erp, name)]
    return sql, [*(flat or ["", "", ""]), *params[3:]]


def _erp(mapping: Mapping[str, tuple[str, str]], code: str) -> tuple[str, str]:
    return mapping.get(code, ("", ""))


def _balance_rows(month: date, mapping) -> Iterator[tuple]:
    for row in period_trial_balance(month):
        yield (
            row.code,
            row.name,
            row.currency,
            row.opening,
            row.period_debit,
            row.period_credit,
            row.movement,
            row.closing,
            *_erp(mapping, row.code),
        )


def gl_export_csv(month: date, mapping: Mapping[str, tuple[str, str]]) -> Iterator[str]:
    """The export as CSV text chunks (see the module docstring); on PostgreSQL the lines are
    written by the database (`COPY … TO STDOUT`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write(f"# journal lines, period {month:%Y-%m}\n")
    writer.writerow(LINE_COLUMNS)
    yield _drain(buffer)
    if connection.vendor == "postgresql":
        sql, params = _lines_query(month, mapping, ROW_COLUMNS)
        with connection.cursor() as cursor:
            copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
            with cursor.cursor.copy(copy_sql, params) as copy:
                for data in copy:
                    yield bytes(data).decode()
    else:
        for count, line in enumerate(journal_lines(month, mapping), start=1):
            writer.writerow(line)
            if count % FETCH_SIZE == 0:
                yield _drain(buffer)
    buffer.write(f"\n# trial balance, period {month:%Y-%m}\n")
    writer.writerow(BALANCE_COLUMNS)
    writer.writerows(_balance_rows(month, mapping))
    yield _drain(buffer)


def gl_export_json(month: date, mapping: Mapping[str, tuple[str, str]]) -> Iterator[str]:
    """The export as one JSON object, in text chunks; on PostgreSQL each line's object is built
    by the database."""
    head = {"period": f"{month:%Y-%m}", "closed": period_is_closed(month)}
    yield json.dumps(head)[:-1] + ', "lines": ['
    separator = ""
    if connection.vendor == "postgresql":
        yield from _json_copied(month, mapping)
    else:
        for line in journal_lines(month, mapping):
            yield separator + json.dumps(
                dict(zip(LINE_COLUMNS, line, strict=True)), default=_json_value
            )
            separator = ","
    balances = [
        dict(zip(BALANCE_COLUMNS, row, strict=True)) for row in _balance_rows(month, mapping)
    ]
    yield '], "trial_balance": ' + json.dumps(balances, default=_json_value) + "}\n"


def gl_export(month: date, *, fmt: str = "csv", mapping_path: str | None = None) -> Iterator[str]:
    """The export of the period containing `month` in `fmt` ("csv" or "json")."""
    month = month_start(month)
    mapping = erp_mapping_load(mapping_path)
    if fmt == "csv":
        return gl_export_csv(month, mapping)
    if fmt == "json":
        return gl_export_json(month, mapping)
    raise GlExportError(f"The export format is csv or json, not {fmt!r}.")


# CSV with a quote and a delimiter that JSON text never holds: each object comes out verbatim,
# one a line (the objects escape their own control characters, so no line breaks inside).
JSON_COPY = "COPY ({sql}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"


def _json_copied(month: date, mapping) -> Iterator[str]:
    """The lines' JSON objects, comma-separated, written by the database."""
    sql, params = _lines_query(month, mapping, JSON_COLUMNS)
    held = ""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(JSON_COPY.format(sql=sql), params) as copy,
    ):
        for data in copy:
            text = held + bytes(data).decode().replace("\n", ",")
            held = text[-1:]
            yield text[:-1]
    # `held` is the comma after the last object


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not exported")
