from django.core.management.base import BaseCommand, CommandError

from ledger.errors import PeriodCloseRefused
from ledger.gl_export import GlExportError, parse_period
from ledger.periods import period_close_approve, period_close_request


class Command(BaseCommand):
    help = "Ask for (maker) or approve (checker, another person) an accounting period's close."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--request", action="store_true")
        action.add_argument("--approve", action="store_true")
        parser.add_argument("--actor", required=True, help="who asks or approves")

    def handle(self, *args, **options):
        try:
            month = parse_period(options["period"])
            service = period_close_request if options["request"] else period_close_approve
            period = service(month=month, actor=options["actor"])
        except (PeriodCloseRefused, GlExportError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Period {period}."))
