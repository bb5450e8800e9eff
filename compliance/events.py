"""The event `compliance` publishes: ``report.produced``, written with the report run's row in
its transaction (a run that rolls back, its file deleted, announces nothing). Subject
``report/<name>``: one report's runs are one ordered stream."""

from __future__ import annotations

from compliance.models import ReportRun
from events.services import event_record


def report_produced(run: ReportRun) -> None:
    event_record(
        type="report.produced",
        subject=f"report/{run.name}",
        business_date=run.business_date,
        key=f"report.produced:{run.pk}",
        data={
            "report_id": run.pk,
            "kind": run.name,
            "format": run.format,
            "as_of": run.as_of,
            "rows": run.rows,
            "sha256": run.sha256,
            "trigger": run.trigger,
        },
    )
