"""Reports as files: CSV, JSON and the credit-bureau fixed-width layout, written as a stream of
text chunks (a file, an HTTP response or stdout consume them alike), and read back.

* CSV: a header row of column names, then one row per report row; money and ratios as exact
  decimal strings, dates ISO 8601, booleans true/false, nothing as an empty cell. Totals are not
  in the CSV: they are in the JSON (and the CSV's rows add up to them).
* JSON: one object — report, title, as_of, start, product, currency, columns, meta, rows (objects
  by column name), totals — written rows first and totals last, so streamed reports stream.
  Money and ratios are strings (exact), as everywhere in the API.
* txt: the credit-bureau file (`CREDIT_BUREAU.md`): header, records, trailer, each line ended
  by a line feed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import IO

from django.core.serializers.json import DjangoJSONEncoder

from . import credit_bureau
from .base import Column, Report, ReportParameterError

ROWS_PER_CHUNK = 1_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "txt": "text/plain; charset=us-ascii",
}


def cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_chunks(report: Report, fmt: str) -> Iterator[str]:
    """The report in `fmt` (csv, json, txt), as text chunks."""
    if fmt == "csv":
        return _csv(report)
    if fmt == "json":
        return _json(report)
    if fmt == "txt":
        if report.name != credit_bureau.NAME:
            raise ReportParameterError("Only the credit-bureau file has a fixed-width layout.")
        return _bureau(report)
    raise ReportParameterError(f"Unknown format {fmt!r}: csv, json or txt.")


def _batches(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= ROWS_PER_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv(report: Report) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.column_names)
    kinds = [column.kind for column in report.columns]
    for batch in _batches(report.rows):
        writer.writerows([cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


class _Encoder(DjangoJSONEncoder):
    """Decimals as exact strings, dates ISO 8601 (DjangoJSONEncoder); tuples stay lists."""


def to_json(value) -> str:
    return json.dumps(value, cls=_Encoder, ensure_ascii=False, sort_keys=False)


def _json(report: Report) -> Iterator[str]:
    header = report.header()
    yield "{" + ", ".join(f"{to_json(key)}: {to_json(value)}" for key, value in header.items())
    yield ', "rows": ['
    names = report.column_names
    kinds = [column.kind for column in report.columns]
    first = True
    for batch in _batches(report.rows):
        parts = []
        for row in batch:
            item = {
                name: (value if kind in ("int", "bool") or value is None else cell(value, kind))
                for name, value, kind in zip(names, row, kinds, strict=True)
            }
            parts.append(to_json(item))
        yield ("" if first else ", ") + ", ".join(parts)
        first = False
    yield '], "totals": ' + to_json(report.totals) + "}\n"


def _bureau(report: Report) -> Iterator[str]:
    yield credit_bureau.header_record(report.params) + "\n"
    rendered = report.records = {}
    for batch in _batches(report.rows):
        yield "".join(
            (rendered.pop(id(row), None) or credit_bureau.detail_record(row)) + "\n"
            for row in batch
        )
    yield credit_bureau.trailer_record(report.totals, report.params.currency) + "\n"


def export_write(report: Report, fmt: str, target: IO[bytes]) -> tuple[str, int]:
    """Write the report to a binary file; return its SHA-256 and size in bytes."""
    digest, size = hashlib.sha256(), 0
    for chunk in export_chunks(report, fmt):
        data = chunk.encode("utf-8")
        digest.update(data)
        size += len(data)
        target.write(data)
    return digest.hexdigest(), size


def parse_value(text: str, kind: str):
    """A CSV cell (or JSON string) back to its value; an empty cell is None but for text."""
    if kind == "text":
        return text
    if text == "" or text is None:
        return None
    if kind in ("money", "ratio"):
        return Decimal(text)
    if kind == "int":
        return int(text)
    if kind == "bool":
        return text in ("true", True)
    if kind == "date":
        return date.fromisoformat(text)
    return text


def parse_csv(text: str, columns: tuple[Column, ...]) -> list[tuple]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if tuple(header) != tuple(column.name for column in columns):
        raise ValueError(f"unexpected CSV header {header}")
    return [
        tuple(parse_value(value, column.kind) for value, column in zip(row, columns, strict=True))
        for row in reader
    ]


def parse_json(text: str) -> dict:
    """The JSON document with its rows as typed tuples (`rows_typed`) next to the raw rows."""
    document = json.loads(text)
    columns = tuple(Column(c["name"], c["kind"]) for c in document["columns"])
    document["rows_typed"] = [
        tuple(
            value if column.kind in ("int", "bool") else parse_value(value, column.kind)
            for value, column in zip((row[c.name] for c in columns), columns, strict=True)
        )
        for row in document["rows"]
    ]
    return document
