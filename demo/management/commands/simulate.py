import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from core.progress import command_progress
from demo.simulation import (
    DEMO_PASSWORD,
    demo_borrower_count,
    demo_borrower_usernames,
    portfolio_simulate,
)
from demo.summary import activity_summary
from ledger.services import business_date_current
from loans.models import Loan


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
        parser.add_argument(
            "--add",
            action="store_true",
            help="add to a book that already holds loans (refused without it)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not os.environ.get("DEMO_FORCE"):
            raise CommandError("simulate is for the local demo (DEBUG on); set DEMO_FORCE=1.")
        if options["loans"] < 0 or options["days"] < 1:
            raise CommandError("--loans must be 0 or more and --days at least 1.")
        if options["if_empty"] and options["add"]:
            raise CommandError("--if-empty and --add contradict each other; give one.")
        if Loan.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The books already hold loans: nothing simulated.")
                return
            if not options["add"]:
                raise CommandError(
                    "The books already hold loans: give --add to simulate more on top of them "
                    "(or --if-empty to leave them alone)."
                )
        usernames = demo_borrower_usernames(demo_borrower_count(options["loans"]))
        self.stdout.write(
            f"Borrowers log in as {usernames[0]} … {usernames[-1]} "
            f"with password {DEMO_PASSWORD!r} (API token: POST /api/v1/auth/token)."
        )
        days = options["days"]
        try:
            with command_progress(self.stdout._out, total=days, label="Simulating") as update:
                result = portfolio_simulate(
                    loans=options["loans"],
                    days=days,
                    seed=options["seed"],
                    progress=lambda day, done, total: update(
                        done, f"closed {day} ({done}/{total})"
                    ),
                )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Simulated {result.first_day} to {result.last_day}: {result.loans} loans, "
                f"{result.repayments} repayments ({result.payoffs} early payoffs), "
                f"{result.modifications} modifications ({result.modifications_refused} refused), "
                f"{result.settlements} settlements ({result.settlements_paid} paid in full)."
            )
        )
        self.stdout.write(
            f"  rate resets: {result.rate_resets} ({result.loans_repriced} floating-rate loans "
            "repriced by the close)"
        )
        for status, count in sorted(result.by_status.items()):
            self.stdout.write(f"  {status:<12} {count:>6}")
        buckets = ", ".join(f"{name} {count}" for name, count in sorted(result.by_bucket.items()))
        self.stdout.write(f"  open loans by days past due: {buckets or 'none'}")
        for line in activity_summary(result.first_day, result.last_day).lines():
            self.stdout.write(line)
        now = business_date_current()
        today = " (today: its close is next)" if now == timezone.localdate() else ""
        self.stdout.write(f"  business date now: {now}{today}")
        self.stdout.write(
            f"  borrowers log in as {usernames[0]} … {usernames[-1]} "
            f"with password {DEMO_PASSWORD!r}"
        )
