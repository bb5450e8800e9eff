"""Celery tasks: thin wrappers that take primitives and call one service."""

from __future__ import annotations

from celery import shared_task

from .reports.runs import reports_produce_due


@shared_task(name="compliance.tasks.produce_due_reports", acks_late=True)
def produce_due_reports() -> list[int]:
    """Produce the reports due for the last closed business date (daily ones every day, the
    month's capture and monthly ones on the first business day of a month). Beat runs it every
    quarter of an hour; whatever is produced already is skipped, so it runs right after the
    close however long the close takes."""
    return [run.pk for run in reports_produce_due()]
