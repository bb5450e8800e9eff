from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ledger.errors import DomainError
from ledger.partitions import (
    add_months,
    business_date,
    journal_layout,
    journal_openings_capture,
    journal_partitions_ensure,
    month_end,
    partitioned,
)


class Command(BaseCommand):
    help = (
        "Create the journal's monthly partitions through N months after the current business "
        "date's (moving any line found in the default partition into its month's partition), "
        "record the opening balances of every month begun, and print where the lines are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ahead", type=int, default=3, help="months after the current one (default 3)"
        )

    def handle(self, *args, **options):
        ahead = options["ahead"]
        if not 0 <= ahead <= 120:
            raise CommandError(f"--ahead must be between 0 and 120 months, got {ahead}")
        if not partitioned():
            self.stdout.write("This database keeps the journal in one plain table: nothing to do.")
            return
        today = business_date()
        if today is None:
            raise CommandError("The books are not open: there is no business date yet.")
        through = month_end(add_months(today, ahead))
        try:
            ensured = journal_partitions_ensure(since=today, through=through)
            captured = journal_openings_capture(through=today)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        out = self.stdout
        if ensured.moved_from_default:
            out.write(
                self.style.WARNING(
                    f"{ensured.moved_from_default} lines were in the default partition (months "
                    "without a partition); they are now in their months' partitions."
                )
            )
        for name in ensured.created:
            out.write(f"created {name}")
        for month in captured:
            out.write(f"captured the opening balances of {month:%Y-%m}")
        self._layout(today)

    def _layout(self, today: date) -> None:
        layout = journal_layout()
        out = self.stdout
        months = [month for month, _ in layout.partitions]
        span = f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}" if months else "none"
        out.write(f"business date {today}; monthly partitions: {span} ({len(months)})")
        out.write(f"lines in the default partition: {layout.default_lines}")
        if layout.archived_before:
            out.write(
                f"archived before {layout.archived_before:%Y-%m}: {len(layout.archived)} months "
                "in ledger_archive.journalline"
            )
        if layout.openings:
            out.write(
                f"opening balances kept for {len(layout.openings)} months, latest "
                f"{layout.openings[-1]:%Y-%m}"
            )
        out.write(self.style.SUCCESS("Done."))
