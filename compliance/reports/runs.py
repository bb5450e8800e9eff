"""Producing report files: one on demand (`report_run_produce`), or every report due after a
close (`reports_produce_due`, which the schedule runs).

A produced file is stored (`models.reports_storage`: `REPORTS_ROOT`, else `MEDIA_ROOT`/reports,
else var/reports) and recorded as a `ReportRun` with its SHA-256, size, row count and totals.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from django.core.files import File
from django.db import transaction

from compliance.models import ReportRun
from ledger.services import business_date_current

from .base import Report, ReportError, is_month_end
from .export import export_write, to_json
from .month_end import month_end_backfill, month_end_capture
from .registry import DAILY, MONTHLY, REPORTS, check_format, report_build, report_spec

logger = logging.getLogger(__name__)


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[tuple]):
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[tuple]:
        for row in self.rows:
            self.count += 1
            yield row


def _file_name(report: Report, fmt: str) -> str:
    params = report.params
    parts = [report.name, params.as_of.isoformat()]
    if params.start != params.as_of:
        parts.insert(1, params.start.isoformat())
    if params.product:
        parts.append(params.product)
    return f"{report.name}/{params.as_of:%Y-%m}/{'_'.join(parts)}.{fmt}"


def report_run_produce(
    *,
    name: str,
    fmt: str = "csv",
    as_of: date | None = None,
    start: date | None = None,
    product: str | None = None,
    currency: str | None = None,
    trigger: str = ReportRun.Trigger.MANUAL,
    actor: str = "system",
) -> ReportRun:
    """Build report `name`, store it as a `fmt` file with its checksum, and record the run."""
    check_format(report_spec(name), fmt)
    report = report_build(name=name, as_of=as_of, start=start, product=product, currency=currency)
    counted = _Counted(report.rows)
    report.rows = counted
    storage = ReportRun._meta.get_field("file").storage
    with tempfile.TemporaryFile() as scratch:
        sha256, size = export_write(report, fmt, scratch)
        scratch.seek(0)
        stored = storage.save(_file_name(report, fmt), File(scratch))
    try:
        with transaction.atomic():
            return ReportRun.objects.create(
                name=report.name,
                as_of=report.params.as_of,
                start=report.params.start,
                product=report.params.product or "",
                currency=report.params.currency,
                format=fmt,
                trigger=trigger,
                file=stored,
                sha256=sha256,
                size=size,
                rows=counted.count,
                totals=json.loads(to_json(report.totals)),
                source=str(report.meta.get("state_source", "")),
                business_date=business_date_current(),
                produced_by=actor,
            )
    except Exception:
        storage.delete(stored)
        raise


def _produced(name: str, as_of: date, fmt: str) -> bool:
    return ReportRun.objects.filter(
        name=name, as_of=as_of, format=fmt, product="", trigger=ReportRun.Trigger.SCHEDULE
    ).exists()


def reports_produce_due(*, today: date | None = None) -> list[ReportRun]:
    """Every scheduled report not produced yet for the last closed business date D: the daily
    ones, and when D ends a month, the month's capture and the monthly ones. A report that
    cannot be produced is logged and skipped; running this again produces only what is
    missing."""
    today = today or business_date_current()
    closed = today - timedelta(days=1)
    due = [spec for spec in REPORTS.values() if spec.schedule == DAILY]
    if is_month_end(closed):
        month_end_backfill(through=closed - timedelta(days=1), today=today)
        month_end_capture(business_date=closed, today=today)
        due += [spec for spec in REPORTS.values() if spec.schedule == MONTHLY]
    runs = []
    for spec in due:
        for fmt in spec.formats:
            if _produced(spec.name, closed, fmt):
                continue
            try:
                runs.append(
                    report_run_produce(
                        name=spec.name,
                        fmt=fmt,
                        as_of=closed,
                        trigger=ReportRun.Trigger.SCHEDULE,
                    )
                )
            except ReportError as exc:
                logger.error("report %s %s for %s not produced: %s", spec.name, fmt, closed, exc)
    return runs
