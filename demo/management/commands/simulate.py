import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from demo.simulation import DEMO_PASSWORD, portfolio_simulate
from loans.models import Loan

BAR = 30


class Command(BaseCommand):
    help = (
        "Demo only: create borrowers (users demo1, demo2, … with a known password) and loans over "
        "the products in the books, then run DAYS end-of-day closes with seeded repayments "
        "(most on time, some late, some stopping, some prepaying)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loans", type=int, default=200)
        parser.add_argument("--days", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the books already hold loans (for `make run`)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not os.environ.get("DEMO_FORCE"):
            raise CommandError("simulate is for the local demo (DEBUG on); set DEMO_FORCE=1.")
        if options["loans"] < 0 or options["days"] < 1:
            raise CommandError("--loans must be 0 or more and --days at least 1.")
        if options["if_empty"] and Loan.objects.exists():
            self.stdout.write("The books already hold loans: nothing simulated.")
            return
        try:
            result = portfolio_simulate(
                loans=options["loans"],
                days=options["days"],
                seed=options["seed"],
                progress=self._progress,
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Simulated {result.first_day} to {result.last_day}: {result.loans} loans, "
                f"{result.repayments} repayments ({result.payoffs} early payoffs), "
                f"{result.modifications} modifications ({result.modifications_refused} refused)."
            )
        )
        for status, count in sorted(result.by_status.items()):
            self.stdout.write(f"  {status:<12} {count:>6}")
        buckets = ", ".join(f"{name} {count}" for name, count in sorted(result.by_bucket.items()))
        self.stdout.write(f"  open loans by days past due: {buckets or 'none'}")
        self.stdout.write(f"  borrowers log in as demo1, demo2, … with password {DEMO_PASSWORD!r}")

    def _progress(self, day, done: int, total: int) -> None:
        filled = BAR * done // total
        self.stdout.write(
            f"\r  [{'#' * filled}{'.' * (BAR - filled)}] closed {day} ({done}/{total} days)",
            ending="",
        )
        self.stdout.flush()
