from django.core.management.base import BaseCommand, CommandError

from loans.reconciliation import funder_reconcile, reconcile


class Command(BaseCommand):
    help = (
        "Compare every loan's contract outstanding (principal, interest, fees, penalties, "
        "overpayment) with its ledger balances; print mismatches, exit non-zero on any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loan", type=int, action="append", help="loan id (repeatable)")
        parser.add_argument(
            "--funder", help="one funder's books against its share of every loan and its files"
        )

    def handle(self, *args, **options):
        if options["funder"]:
            try:
                mismatches = funder_reconcile(code=options["funder"])
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
            for mismatch in mismatches:
                self.stdout.write(str(mismatch))
            if mismatches:
                raise CommandError(
                    f"{len(mismatches)} mismatches in the books of funder {options['funder']}."
                )
            self.stdout.write(self.style.SUCCESS(f"Reconciled: funder {options['funder']}."))
            return
        loan_ids = options["loan"]
        mismatches = reconcile(loan_ids=loan_ids)
        for mismatch in mismatches:
            self.stdout.write(str(mismatch))
        if mismatches:
            raise CommandError(f"{len(mismatches)} mismatches between contracts and the ledger.")
        scope = f"loans {', '.join(map(str, loan_ids))}" if loan_ids else "every loan"
        self.stdout.write(self.style.SUCCESS(f"Reconciled: {scope}."))
