from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ledger.selectors import funder_trial_balance, trial_balance


class Command(BaseCommand):
    help = "Print the trial balance at a business date; exit non-zero if it does not net to zero."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="business date YYYY-MM-DD (default: every posting)")
        parser.add_argument("--funder", help="one funder's books (its code): its share only")

    def handle(self, *args, **options):
        as_of = None
        if options["date"]:
            try:
                as_of = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, got {options['date']!r}") from exc
        if options["funder"]:
            try:
                tb = funder_trial_balance(code=options["funder"], as_of=as_of)
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
        else:
            tb = trial_balance(as_of=as_of)
        out = self.stdout
        whose = f" of funder {options['funder']}" if options["funder"] else ""
        out.write(f"Trial balance{whose} as of {as_of or 'all postings'}")
        out.write(f"{'code':<6} {'account':<46} {'cur':<4} {'debit':>18} {'credit':>18}")
        for row in tb.rows:
            if not row.debit and not row.credit:
                continue
            net = row.net
            debit = f"{net:,.2f}" if net > 0 else ""
            credit = f"{-net:,.2f}" if net < 0 else ""
            out.write(
                f"{row.code:<6} {row.name[:46]:<46} {row.currency:<4} {debit:>18} {credit:>18}"
            )
        for currency, (debit, credit) in sorted(tb.totals().items()):
            out.write(f"{'':<6} {'total':<46} {currency:<4} {debit:>18,.2f} {credit:>18,.2f}")
        if not tb.balanced:
            raise CommandError("The trial balance does not net to zero.")
        out.write(self.style.SUCCESS("Balanced."))
