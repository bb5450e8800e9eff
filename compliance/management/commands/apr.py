"""``manage.py apr``: the APR of any cash-flow stream by a named method (Regulation Z Appendix J,
China's IRR disclosure, the EU's or the UK's APRC), for compliance staff checking a contract they
did not price."""

from __future__ import annotations

import argparse
import json
from datetime import date
from decimal import Decimal

from calc.apr import AprError, AprMethod, apr_by_method, regular_payments
from loans.management.parsing import UsageErrorCommand, cents, date_arg, decimal_arg

FREQUENCIES = ("monthly", "semimonthly", "biweekly", "weekly", "quarterly")


def series_arg(text: str) -> tuple[int, Decimal]:
    """``N@AMOUNT``: N equal payments."""
    count, separator, amount = text.partition("@")
    if not separator:
        raise argparse.ArgumentTypeError(f"expected N@AMOUNT, e.g. 12@1100.00, not {text!r}")
    try:
        number = int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of payments: {count!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"the number of payments must be at least 1: {text!r}")
    return number, cents(decimal_arg(amount))


def payment_arg(text: str) -> tuple[Decimal, date]:
    """``AMOUNT@DATE``: one payment."""
    amount, separator, day = text.partition("@")
    if not separator:
        raise argparse.ArgumentTypeError(
            f"expected AMOUNT@DATE, e.g. 1100.00@2026-02-15, not {text!r}"
        )
    return cents(decimal_arg(amount)), date_arg(day)


class Command(UsageErrorCommand):
    help = (
        "APR of one advance and its payments by --method (us_reg_z: Regulation Z Appendix J, "
        "the default; cn_irr: China's annualized rate by IRR; eu_aprc: Directive 2008/48/EC "
        "Annex I; uk_aprc: FCA CONC App 1): a series "
        "(--payments N@AMOUNT --first-payment-date D --frequency F) and/or single payments "
        "(--payment AMOUNT@DATE, repeatable), less any --fee withheld at the start. Prints the "
        "nominal APR and the effective annual rate; bad arguments exit with 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("--advance", required=True, type=decimal_arg, metavar="A")
        parser.add_argument("--start-date", required=True, type=date_arg, metavar="D")
        parser.add_argument("--payments", type=series_arg, metavar="N@AMOUNT")
        parser.add_argument("--first-payment-date", type=date_arg, metavar="D")
        parser.add_argument(
            "--frequency",
            choices=FREQUENCIES,
            help="the series' interval and the unit-period (default: monthly for a series, "
            "inferred from the dates otherwise)",
        )
        parser.add_argument(
            "--payment", action="append", default=[], type=payment_arg, metavar="AMOUNT@DATE"
        )
        parser.add_argument(
            "--fee", type=decimal_arg, default=Decimal(0), metavar="A", help="withheld at start"
        )
        parser.add_argument(
            "--method",
            default=AprMethod.US_REG_Z.value,
            choices=[method.value for method in AprMethod],
            help="the APR method (default: us_reg_z)",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        flows = list(options["payment"])
        series, first = options["payments"], options["first_payment_date"]
        unit_period = options["frequency"]
        if series is not None:
            if first is None:
                raise self.usage_error("--payments needs --first-payment-date.")
            unit_period = unit_period or "monthly"
            flows.extend(regular_payments(series[1], series[0], first, unit_period))
        elif first is not None:
            raise self.usage_error("--first-payment-date goes with --payments N@AMOUNT.")
        if not flows:
            raise self.usage_error("Give --payments N@AMOUNT or at least one --payment.")
        flows.sort(key=lambda flow: flow[1])
        advance, fee = cents(options["advance"]), cents(options["fee"])
        start = options["start_date"]
        try:
            result = apr_by_method(
                options["method"], advance, start, flows, unit_period=unit_period, fee=fee
            )
        except AprError as exc:
            raise self.usage_error(str(exc)) from exc
        document = {
            "advance": str(advance),
            "fee": str(fee),
            "amount_financed": str(advance - fee),
            "start_date": start.isoformat(),
            "payments": [{"amount": str(amount), "date": day.isoformat()} for amount, day in flows],
            "total_of_payments": str(sum((amount for amount, _ in flows), Decimal(0))),
            "unit_period": result.unit_period.value,
            "periods_per_year": str(result.periods_per_year),
            "apr": {
                "nominal": str(result.nominal),
                "effective": str(result.effective),
                "periodic": str(result.periodic),
                "method": result.method,
                "nominal_percent": str(result.nominal_percent()),
                "effective_percent": str(result.effective_percent()),
                "disclosed_percent": str(result.disclosed),
            },
        }
        if options["json"]:
            self.stdout.write(json.dumps(document, indent=2))
            return
        self.stdout.write(
            f"advance {advance} on {start}, fee withheld {fee}: the borrower receives "
            f"{document['amount_financed']}\n"
            f"{len(flows)} payment{'s' if len(flows) > 1 else ''} totalling {document['total_of_payments']}, "
            f"{flows[0][1]} to {flows[-1][1]}; unit-period {result.unit_period.value} "
            f"({result.periods_per_year} a year)\n"
            f"APR ({result.method})       {result.disclosed}% disclosed\n"
            f"nominal APR            {result.nominal_percent()}%\n"
            f"effective annual rate  {result.effective_percent()}%\n"
            f"periodic rate          {result.periodic * 100:.6f}% per unit-period"
        )
