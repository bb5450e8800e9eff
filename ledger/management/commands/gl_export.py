import sys

from django.core.management.base import BaseCommand, CommandError

from ledger.gl_export import GlExportError, gl_export, parse_period


class Command(BaseCommand):
    help = (
        "Export an accounting period's journal lines and trial balance (opening, movements, "
        "closing per account), with the customer's ERP accounts from a mapping file; streamed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument(
            "--mapping", help="ERP mapping (.csv or .json; default: settings.LEDGER_GL_MAPPING)"
        )
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        try:
            month = parse_period(options["period"])
            chunks = gl_export(month, fmt=options["format"], mapping_path=options["mapping"])
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8", newline="") as out:
                    for chunk in chunks:
                        out.write(chunk)
            else:
                for chunk in chunks:
                    sys.stdout.write(chunk)
        except GlExportError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"The export cannot be written: {exc}") from exc
