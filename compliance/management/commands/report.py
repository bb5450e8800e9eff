"""``manage.py report NAME [--date D] [--format csv|json|txt]``: a regulatory or management report
for a closed business date, to stdout (or a file), or stored with its checksum (``--save``).

The date defaults to the last closed business date (the business date − 1). Reports: aging,
classification, roll_rates, vintage, rate_cap, collection_conduct, promise_kept_rate, income,
credit_bureau (whose fixed-width file is ``--format txt``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance.models import ReportRun
from compliance.reports.base import ReportError
from compliance.reports.export import export_chunks
from compliance.reports.registry import (
    FORMATS,
    REPORTS,
    check_format,
    parse_date,
    report_build,
    report_spec,
)
from compliance.reports.runs import report_run_produce


class Command(BaseCommand):
    help = "Produce a report (" + ", ".join(REPORTS) + ") as CSV, JSON or the bureau layout."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Report name: " + ", ".join(REPORTS))
        parser.add_argument("--date", help="As-of business date (default: the last closed one).")
        parser.add_argument("--start", help="Start of the period (default: the report's own).")
        parser.add_argument("--product", help="Only this product (code).")
        parser.add_argument("--currency", help="Currency (default: REPORT_CURRENCY or CNY).")
        parser.add_argument("--format", default=None, choices=FORMATS, dest="fmt")
        parser.add_argument("--output", help="Write to this file instead of stdout.")
        parser.add_argument(
            "--save",
            action="store_true",
            help="Store the file under the reports storage and record it (admin: Report runs).",
        )

    def handle(self, *args, **options):
        try:
            spec = report_spec(options["name"])
            fmt = check_format(spec, options["fmt"] or spec.formats[0])
            arguments = {
                "name": spec.name,
                "as_of": parse_date(options["date"]),
                "start": parse_date(options["start"], field="start"),
                "product": options["product"],
                "currency": options["currency"],
            }
            if options["save"]:
                run = report_run_produce(fmt=fmt, actor="manage.py", **arguments)
                self._saved(run)
                return
            report = report_build(**arguments)
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8", newline="") as target:
                    for chunk in export_chunks(report, fmt):
                        target.write(chunk)
            else:
                for chunk in export_chunks(report, fmt):
                    self.stdout.write(chunk, ending="")
                self.stdout.flush()
        except ReportError as exc:
            raise CommandError(exc.detail) from exc

    def _saved(self, run: ReportRun) -> None:
        self.stdout.write(f"{run.name} {run.as_of} {run.format}: {run.file.path}")
        self.stdout.write(f"sha256 {run.sha256}  {run.size} bytes  {run.rows} rows")
