"""Producing report files: one on demand (`report_run_produce`), or every report due for a
closed business date (`reports_due_produce`, which the close's `reports` step runs).

A produced file is stored (`models.reports_storage`: `REPORTS_ROOT`, else `MEDIA_ROOT`/reports,
else var/reports) and recorded as a `ReportRun` with its SHA-256, size, row count and totals.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files import File
from django.db import transaction

from compliance.events import report_produced
from compliance.models import ReportRun
from ledger.services import business_date_current

from .base import Report, ReportDateError, is_month_end
from .export import export_write, to_json
from .month_end import month_end_backfill, month_end_capture
from .registry import DAILY, MONTHLY, REPORTS, check_format, report_build, report_spec
from .scope import reports_scope

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
    (run,) = report_runs_produce(
        name=name,
        formats=(fmt,),
        as_of=as_of,
        start=start,
        product=product,
        currency=currency,
        trigger=trigger,
        actor=actor,
    )
    return run


def report_runs_produce(
    *,
    name: str,
    formats: Sequence[str],
    as_of: date | None = None,
    start: date | None = None,
    product: str | None = None,
    currency: str | None = None,
    trigger: str = ReportRun.Trigger.MANUAL,
    actor: str = "system",
    today: date | None = None,
    savepoint: bool = True,
) -> list[ReportRun]:
    """Report `name` stored in each of `formats`: built once when its rows are in memory, once
    per format when they are streamed from the database (so no file is held whole). A caller
    that rolls the whole report back on any failure (inside its own savepoint) passes
    `savepoint=False`: the run of each format is then recorded without one of its own."""
    spec = report_spec(name)
    for fmt in formats:
        check_format(spec, fmt)
    runs, report = [], None
    today = today or business_date_current()
    for fmt in formats:
        if report is None or report.streamed:
            report = report_build(
                name=name, as_of=as_of, start=start, product=product, currency=currency, today=today
            )
            if not report.streamed:
                report.rows = list(report.rows)
            rows = report.rows
        report.rows, report.records = rows, None
        runs.append(
            _store(report, fmt, trigger=trigger, actor=actor, today=today, savepoint=savepoint)
        )
    return runs


def _store(
    report: Report, fmt: str, *, trigger: str, actor: str, today: date, savepoint: bool = True
) -> ReportRun:
    counted = _Counted(report.rows)
    report.rows = counted
    storage = ReportRun._meta.get_field("file").storage
    with tempfile.TemporaryFile() as scratch:
        sha256, size = export_write(report, fmt, scratch)
        scratch.seek(0)
        stored = storage.save(_file_name(report, fmt), File(scratch))
    try:
        with transaction.atomic(savepoint=savepoint):
            run = ReportRun.objects.create(
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
                business_date=today,
                produced_by=actor,
            )
            report_produced(run)
            return run
    except Exception:
        storage.delete(stored)
        raise


def _produced(as_of: date) -> set[tuple[str, str]]:
    """(name, format) of every scheduled report already produced for `as_of`."""
    return set(
        ReportRun.objects.filter(
            as_of=as_of, product="", trigger=ReportRun.Trigger.SCHEDULE
        ).values_list("name", "format")
    )


@dataclass
class Produced:
    """What producing a closed date's reports did: the runs made, and what failed."""

    runs: list[ReportRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def reports_due_produce(*, closed: date, today: date | None = None) -> Produced:
    """Every scheduled report not produced yet for the closed business date `closed`: the
    daily ones, and when `closed` ends a month, the month's capture and the monthly ones. Each
    report in a savepoint of its own: one that fails is listed in `problems` (and logged) and
    the others are still produced; running this again produces only what is missing."""
    today = today or business_date_current()
    with reports_scope():
        return _due_produce(closed=closed, today=today)


def _due_produce(*, closed: date, today: date) -> Produced:
    done = Produced()
    due = [spec for spec in REPORTS.values() if spec.schedule == DAILY]
    if is_month_end(closed):
        try:
            with transaction.atomic():
                month_end_backfill(through=closed - timedelta(days=1), today=today)
                month_end_capture(business_date=closed, today=today)
        except Exception as exc:
            logger.exception("month-end capture of %s failed", closed)
            done.problems.append(f"month_end {closed}: {type(exc).__name__}: {exc}")
            return done  # the monthly reports read the capture: all of them wait for it
        due += [spec for spec in REPORTS.values() if spec.schedule == MONTHLY]
    produced = _produced(closed)
    for spec in due:
        formats = [fmt for fmt in spec.formats if (spec.name, fmt) not in produced]
        if not formats:
            continue
        try:
            with transaction.atomic():
                done.runs += report_runs_produce(
                    name=spec.name,
                    formats=formats,
                    as_of=closed,
                    trigger=ReportRun.Trigger.SCHEDULE,
                    today=today,
                    savepoint=False,  # this savepoint undoes every format of the report
                )
        except Exception as exc:
            if spec.latest_only and isinstance(exc, ReportDateError):
                # Measured on the book as the last close left it: a later close has moved
                # the book on, so this date's figure can no longer be made (nor retried).
                done.skipped.append(f"{spec.name} {', '.join(formats)} {closed}: {exc}")
                continue
            logger.exception("report %s for %s not produced", spec.name, closed)
            done.problems.append(
                f"{spec.name} {', '.join(formats)} {closed}: {type(exc).__name__}: {exc}"
            )
    return done


def reports_produce_due(*, today: date | None = None) -> list[ReportRun]:
    """The reports due for the last closed business date (today - 1) not produced yet."""
    today = today or business_date_current()
    return reports_due_produce(closed=today - timedelta(days=1), today=today).runs
