"""``manage.py quote``: a schedule, its APR by the jurisdiction's method and the rate-cap check,
without a product."""

from __future__ import annotations

import json
from decimal import Decimal

from calc.calendar import Frequency
from calc.daycount import DayCount
from calc.schedules import (
    BulletInterest,
    LevelConvention,
    Method,
    ScheduleError,
    ScheduleTerms,
)
from loans.api.serializers import QuoteOutputSerializer
from loans.management.parsing import (
    UsageErrorCommand,
    cents,
    date_arg,
    decimal_arg,
    positive_int_arg,
)
from loans.services.products import percent
from loans.services.quotes import QuoteInputError, QuoteResult, quote_for_terms

COLUMNS = (
    ("#", "number"),
    ("due date", "due_date"),
    ("days", "days_in_period"),
    ("principal", "principal"),
    ("interest", "interest"),
    ("fee", "fee"),
    ("total", "total"),
    ("remaining", "remaining_principal"),
)


class Command(UsageErrorCommand):
    help = (
        "Quote a repayment schedule with its APR (by the jurisdiction's method: CN cn_irr, US "
        "us_reg_z, EU eu_aprc, GB uk_aprc) and the rate-cap check: a table, "
        "or with --json the same document as POST /api/v1/quotes. Bad arguments exit with 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("--method", required=True, choices=[m.value for m in Method])
        parser.add_argument("--principal", required=True, type=decimal_arg, metavar="P")
        parser.add_argument(
            "--annual-rate", required=True, type=decimal_arg, metavar="R", help="0.18 = 18%%"
        )
        parser.add_argument("--term", required=True, type=positive_int_arg, metavar="N")
        parser.add_argument("--start-date", required=True, type=date_arg, metavar="D")
        parser.add_argument("--first-due-date", type=date_arg, metavar="D")
        parser.add_argument(
            "--frequency", default=Frequency.MONTHLY.value, choices=[f.value for f in Frequency]
        )
        parser.add_argument(
            "--day-count",
            default=DayCount.ACT_360.value,
            choices=[DayCount.ACT_360.value, DayCount.ACT_365F.value, DayCount.THIRTY_360.value],
        )
        parser.add_argument(
            "--fee-rate", type=decimal_arg, default=None, metavar="F", help="per period, on P"
        )
        parser.add_argument(
            "--upfront-fee", type=decimal_arg, default=None, metavar="A", help="withheld"
        )
        parser.add_argument(
            "--installment-rounding",
            default="cent",
            metavar="SPEC",
            help="cent, whole_unit or multiple:N, optionally :up, :half_up or :down",
        )
        parser.add_argument(
            "--level-convention",
            default=LevelConvention.LAST_ABSORBS.value,
            choices=[c.value for c in LevelConvention],
        )
        parser.add_argument(
            "--bullet-interest",
            default=BulletInterest.SIMPLE.value,
            choices=[c.value for c in BulletInterest],
        )
        parser.add_argument(
            "--jurisdiction",
            default="CN",
            help="whose APR method and rate cap apply (CN, US, EU, GB; default: CN)",
        )
        parser.add_argument("--json", action="store_true", help="print the API's JSON document")

    def handle(self, *args, **options):
        try:
            terms = ScheduleTerms(
                principal=cents(options["principal"]),
                annual_rate=options["annual_rate"],
                term=options["term"],
                start_date=options["start_date"],
                method=options["method"],
                frequency=options["frequency"],
                first_due_date=options["first_due_date"],
                day_count=options["day_count"],
                fee_rate=options["fee_rate"] or 0,
                upfront_fee=cents(options["upfront_fee"] or Decimal(0)),
                installment_rounding=options["installment_rounding"],
                level_convention=options["level_convention"],
                bullet_interest=options["bullet_interest"],
            )
            result = quote_for_terms(terms=terms, jurisdiction=options["jurisdiction"])
        except ScheduleError as exc:
            raise self.usage_error(str(exc)) from exc
        except QuoteInputError as exc:
            raise self.usage_error(exc.detail) from exc
        document = QuoteOutputSerializer(result.as_dict()).data
        if options["json"]:
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_table(result, document))


def render_table(result: QuoteResult, document: dict) -> str:
    terms, totals = document["terms"], document["totals"]
    rows = [[str(row[key]) for _, key in COLUMNS] for row in document["installments"]]
    footer = (
        ["total", "", ""]
        + [totals[key] for key in ("principal", "interest", "fee", "total")]
        + [""]
    )
    widths = [
        max(len(title), *(len(row[i]) for row in [*rows, footer]))
        for i, (title, _) in enumerate(COLUMNS)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    apr = result.quote.apr
    out = [
        f"{terms['method'].replace('_', ' ')}: {terms['principal']} at "
        f"{percent(result.quote.schedule.terms.annual_rate)} a year, {terms['term']} "
        f"{terms['frequency']} periods from {terms['start_date']} ({terms['day_count']})",
        "",
        line([title for title, _ in COLUMNS]),
        *(line(row) for row in rows),
        line(footer),
        "",
        f"upfront fee {totals['upfront_fee']}, paid out {document['net_disbursement']}",
        f"APR ({apr.method}): {apr.disclosed}% disclosed; nominal {percent(apr.nominal)}, "
        f"effective {percent(apr.effective)}",
    ]
    check = result.quote.rate_cap
    if check is not None:
        verdict = "within the cap" if check.within_cap else "OVER THE CAP"
        out.append(
            f"rate cap {check.rule} ({check.jurisdiction}) on {check.on_date}: "
            f"{percent(check.cap)} — {verdict}"
        )
    return "\n".join(out)
