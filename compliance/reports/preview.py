"""A produced report's first rows, read back from its stored file (not rebuilt from the books,
so the preview shows exactly what was handed out), and the charts that go with it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from itertools import islice

from compliance.models import ReportRun

from .charts import report_charts
from .column_labels import column_label

PREVIEW_ROWS = 20
# The admin's charts drawn from each report's figures.
REPORT_CHARTS: dict[str, tuple[str, ...]] = {
    "aging": ("aging",),
    "vintage": ("vintage",),
    "roll_rates": ("roll_rates",),
    "income": ("income",),
    "ecl": ("stage_exposure", "stage_allowance"),
}


@dataclass(frozen=True, slots=True)
class Preview:
    columns: list[str]
    rows: list[list[str]]
    total_rows: int

    @property
    def truncated(self) -> bool:
        return self.total_rows > len(self.rows)

    @property
    def headings(self) -> list[Heading]:
        """Each column by its name in the reader's language, with its code in the file."""
        return [Heading(column_label(name), name) for name in self.columns]


@dataclass(frozen=True, slots=True)
class Heading:
    label: str
    name: str


def report_run_preview(run: ReportRun, *, limit: int = PREVIEW_ROWS) -> Preview:
    """The first `limit` rows of the run's file: CSV by its header, JSON by its columns, a
    fixed-width file (credit bureau) one record a line."""
    with run.file.open("rb") as stored, io.TextIOWrapper(stored, encoding="utf-8") as text:
        if run.format == "csv":
            reader = csv.reader(text)
            columns = next(reader, [])
            return Preview(columns, list(islice(reader, limit)), run.rows)
        if run.format == "json":
            document = json.load(text)
            columns = [column["name"] for column in document["columns"]]
            rows = [
                ["" if row[name] is None else str(row[name]) for name in columns]
                for row in document["rows"][:limit]
            ]
            return Preview(columns, rows, len(document["rows"]))
        lines = [[line.rstrip("\n")] for line in islice(text, limit)]
        return Preview(["record"], lines, run.rows)


def report_run_charts(run: ReportRun) -> dict[str, str]:
    """The charts of the run's report for its date and currency (none for most reports)."""
    wanted = REPORT_CHARTS.get(run.name, ())
    if not wanted:
        return {}
    charts = report_charts(as_of=run.as_of, currency=run.currency)
    return {name: charts[name] for name in wanted if name in charts}
