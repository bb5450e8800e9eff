from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.progress import command_progress
from ledger.services import business_date_current
from loans.eod import close_day_run, close_step_names
from loans.models import CloseStepRun


class Command(BaseCommand):
    help = (
        "Run the end-of-day close of the business date in this process (no worker needed), "
        "with a progress bar; resumes an unfinished close."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="business date YYYY-MM-DD (default: the current business date)"
        )
        parser.add_argument(
            "--days", type=int, default=1, help="close this many consecutive business dates"
        )

    def handle(self, *args, **options):
        business_date = None
        if options["date"]:
            try:
                business_date = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, got {options['date']!r}") from exc
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        for _ in range(options["days"]):
            day = business_date or business_date_current()
            self.stdout.write(f"Closing {day}")
            try:
                run = self._close(day)
            except DomainError as exc:
                raise CommandError(exc.detail) from exc
            for step, chunks, loans, entries, millis in self._summary(run):
                self.stdout.write(
                    f"  {step:<13} {chunks:>4} chunk(s) {loans:>9} loans {entries:>9} entries"
                    f" {millis / 1000:>8.2f} s"
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Closed {run.business_date} ({run.open_loans} open loans); "
                    f"business date now {business_date_current()}."
                )
            )
            business_date = None

    def _close(self, day: date):
        names = close_step_names()
        with command_progress(self.stdout._out, total=len(names), label="Close") as update:

            def progress(step: str, done: int, total: int) -> None:
                position = names.index(step)
                note = f"step {position + 1}/{len(names)} {step} chunk {done}/{total}"
                update(position + done / max(total, 1), note, step)

            return close_day_run(business_date=day, progress=progress)

    def _summary(self, run):
        rows: dict[str, list[int]] = {}
        for step, loans, entries, millis in CloseStepRun.objects.filter(run=run).values_list(
            "step", "loans", "entries", "duration_ms"
        ):
            figures = rows.setdefault(step, [0, 0, 0, 0])
            figures[0] += 1
            figures[1] += loans
            figures[2] += entries
            figures[3] += millis or 0
        return [(step, *rows[step]) for step in close_step_names() if step in rows]
