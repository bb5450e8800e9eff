"""``manage.py month_end_capture [--date D] [--backfill] [--replace]``: store every loan's state
at a month end (what roll rates, vintages and the credit-bureau history read).

Without ``--date``, the month end of the last closed business date's previous month (or that
date itself when it ends a month). ``--backfill`` captures every month end not captured yet,
rebuilt from the ledger, installments and transition log.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from compliance.reports.base import ReportError, is_month_end, previous_month_end
from compliance.reports.month_end import month_end_backfill, month_end_capture
from compliance.reports.registry import last_closed_date, parse_date


class Command(BaseCommand):
    help = "Capture loans' month-end state for roll rates, vintages and the bureau file."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The month end (YYYY-MM-DD).")
        parser.add_argument("--backfill", action="store_true", help="Every month end missing.")
        parser.add_argument("--replace", action="store_true", help="Capture again if done.")

    def handle(self, *args, **options):
        try:
            closed = last_closed_date()
            if options["backfill"]:
                through = parse_date(options["date"]) or closed
                made = month_end_backfill(through=through)
                for capture in made:
                    self.stdout.write(str(capture))
                self.stdout.write(f"{len(made)} month end(s) captured.")
                return
            day = parse_date(options["date"])
            if day is None:
                day = closed if is_month_end(closed) else previous_month_end(closed)
            if day > closed + timedelta(days=1):
                raise CommandError(f"{day} is not closed yet (last closed: {closed}).")
            capture = month_end_capture(business_date=day, replace=options["replace"])
            self.stdout.write(str(capture))
        except ReportError as exc:
            raise CommandError(exc.detail) from exc
