from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ledger.errors import DomainError
from ledger.partitions import journal_archive
from ledger.selectors import trial_balance


class Command(BaseCommand):
    help = (
        "Move every journal line before a month into the archive schema (ledger_archive), "
        "keeping their totals as opening balances. Open months (from the month of the last "
        "closed business date on) are refused. The trial balance must prove out before and "
        "after, or nothing is archived."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="first month kept, YYYY-MM")

    def handle(self, *args, **options):
        text = options["before"]
        try:
            year, month = (int(part) for part in text.split("-"))
            before = date(year, month, 1)
        except ValueError as exc:
            raise CommandError(f"--before must be YYYY-MM, got {text!r}") from exc
        if not trial_balance().balanced:
            raise CommandError("The trial balance does not net to zero; nothing was archived.")
        try:
            with transaction.atomic():
                result = journal_archive(before=before)
                if not trial_balance().balanced:
                    raise CommandError("The trial balance would not net to zero after archiving.")
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        for name in result.partitions:
            self.stdout.write(f"archived {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.lines} lines before {before:%Y-%m} are in ledger_archive.journalline; "
                "the trial balance proves out."
            )
        )
