import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from calc.apr import annual_percentage_rate, regular_payments
from calc.quote import quote
from calc.schedules import ScheduleTerms
from compliance.management.commands.apr import Command as AprCommand
from loans.management.commands.quote import Command as QuoteCommand
from loans.services.products import product_save

from .conftest import BUSINESS_DATE, make_product

D = Decimal

QUOTE_ARGS = [
    "--method", "equal_installment", "--principal", "12000", "--annual-rate", "0.18",
    "--term", "12", "--start-date", "2026-01-15",
]  # fmt: skip


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def exit_code_from_command_line(command, *args: str, stderr: StringIO | None = None) -> int:
    """What ``manage.py <command> ...`` exits with (argparse errors and CommandErrors alike)."""
    with pytest.raises(SystemExit) as caught:
        command(stdout=StringIO(), stderr=stderr or StringIO()).run_from_argv(["manage.py", *args])
    return caught.value.code


# --- quote ------------------------------------------------------------------------------------


def test_quote_prints_a_table_with_totals_apr_and_cap():
    output = run("quote", *QUOTE_ARGS)
    expected = quote(
        ScheduleTerms(
            principal=D("12000.00"), annual_rate=D("0.18"), term=12, start_date=date(2026, 1, 15)
        ),
        jurisdiction="CN",
    )
    lines = output.splitlines()
    assert lines[0].startswith("equal installment: 12000.00 at 18.0000% a year, 12 monthly")
    assert "due date" in lines[2] and "remaining" in lines[2]
    first = expected.schedule.installments[0]
    assert lines[3].split() == [
        "1", "2026-02-15", "31", str(first.principal), str(first.interest), "0.00",
        str(first.total), str(first.remaining_principal),
    ]  # fmt: skip
    assert lines[15].split()[:2] == ["total", "12000.00"]
    assert f"nominal {expected.apr.nominal_percent()}%" in output
    assert "CN-licensed-24" in output and "within the cap" in output


@pytest.mark.django_db
def test_quote_json_is_the_api_document():
    # given a product with the same terms as the command's arguments
    product_save(product=make_product(min_term=1, allowed_terms=[]), on_date=BUSINESS_DATE)
    api = APIClient().post(
        "/api/v1/quotes",
        {"product": "test-cash", "principal": "12000.00", "term": 12, "start_date": "2026-01-15"},
        format="json",
    )
    from_api = json.loads(api.content)
    # when the command prints --json
    from_command = json.loads(run("quote", *QUOTE_ARGS, "--json"))
    # then both documents are the same but for the product the API was asked about
    assert from_api.pop("product")["code"] == "test-cash"
    assert from_command.pop("product") is None
    assert from_command == from_api


def test_quote_flat_fee_with_fees_and_weekly_frequency():
    document = json.loads(
        run(
            "quote", "--method", "flat_fee", "--principal", "3000.00", "--annual-rate", "0",
            "--term", "6", "--start-date", "2026-01-15", "--fee-rate", "0.006",
            "--upfront-fee", "30", "--frequency", "weekly", "--day-count", "act/365f", "--json",
        )
    )  # fmt: skip
    assert document["terms"]["frequency"] == "weekly"
    assert document["terms"]["day_count"] == "act/365f"
    assert document["installments"][1]["due_date"] == "2026-01-29"
    assert document["totals"]["fee"] == "108.00"
    assert document["net_disbursement"] == "2970.00"
    assert isinstance(document["apr"]["nominal"], str)


def test_quote_with_an_odd_first_period():
    document = json.loads(run("quote", *QUOTE_ARGS, "--first-due-date", "2026-03-01", "--json"))
    assert document["installments"][0]["days_in_period"] == 45
    assert document["installments"][0]["interest"] == "270.00"  # 12000 × 18% × 45 / 360


@pytest.mark.parametrize(
    ("replace", "words"),
    [
        (("--method", "annuity"), "invalid choice"),
        (("--principal", "lots"), "not a decimal number"),
        (("--term", "0"), "at least 1"),
        (("--term", "361"), "between 1 and 360"),
        (("--start-date", "2026-02-30"), "not a date"),
        (("--annual-rate", "-0.1"), "negative"),
        (("--principal", "100.001"), "minor unit"),
    ],
)
def test_quote_bad_arguments_exit_2(replace, words):
    args = list(QUOTE_ARGS)
    if replace[0] in args:
        args[args.index(replace[0]) + 1] = replace[1]
    with pytest.raises(CommandError) as caught:
        run("quote", *args)
    assert caught.value.returncode == 2
    assert words in str(caught.value)
    assert exit_code_from_command_line(QuoteCommand, "quote", *args) == 2


def test_quote_other_bad_combinations_exit_2(capsys):
    with pytest.raises(CommandError) as caught:
        run("quote", *QUOTE_ARGS, "--first-due-date", "2026-01-10")
    assert caught.value.returncode == 2 and "after the start date" in str(caught.value)
    flat = ["--method", "flat_fee", *QUOTE_ARGS[2:]]
    stderr = StringIO()
    assert exit_code_from_command_line(QuoteCommand, "quote", *flat, stderr=stderr) == 2
    assert "flat_fee plan charges no interest" in stderr.getvalue()
    with pytest.raises(CommandError) as caught:
        run("quote", *QUOTE_ARGS, "--jurisdiction", "XX")
    assert caught.value.returncode == 2
    missing = QUOTE_ARGS[:-2]  # no --start-date
    assert exit_code_from_command_line(QuoteCommand, "quote", *missing) == 2
    assert "--start-date" in capsys.readouterr().err  # argparse's usage error


# --- apr --------------------------------------------------------------------------------------


def test_apr_of_a_zero_fee_equal_installment_loan_is_its_rate():
    # 12000 at 18% over 12 months: level payment 1100.16, the last 1100.19
    output = run(
        "apr", "--advance", "12000", "--start-date", "2026-01-15", "--payments", "11@1100.16",
        "--first-payment-date", "2026-02-15", "--payment", "1100.19@2027-01-15",
    )  # fmt: skip
    assert "nominal APR            18.0004%" in output
    assert "effective annual rate  19.5623%" in output
    assert "unit-period monthly" in output


def test_apr_json_with_a_fee_and_an_odd_first_period():
    document = json.loads(
        run(
            "apr", "--advance", "5000", "--start-date", "2026-01-10", "--fee", "50",
            "--payment", "300@2026-02-25", "--payments", "11@450",
            "--first-payment-date", "2026-03-25", "--json",
        )
    )  # fmt: skip
    flows = [(D("300.00"), date(2026, 2, 25))] + regular_payments(
        D("450.00"), 11, date(2026, 3, 25), "monthly"
    )
    expected = annual_percentage_rate(
        D("5000"), date(2026, 1, 10), flows, unit_period="monthly", fee=D("50")
    )
    assert document["apr"]["nominal"] == str(expected.nominal)
    assert document["apr"]["effective"] == str(expected.effective)
    assert document["apr"]["nominal_percent"] == str(expected.nominal_percent())
    assert len(document["apr"]["nominal_percent"].split(".")[1]) == 4
    assert document["amount_financed"] == "4950.00"
    assert document["total_of_payments"] == "5250.00"
    assert len(document["payments"]) == 12
    assert document["payments"][0] == {"amount": "300.00", "date": "2026-02-25"}


def test_apr_of_single_payments_infers_the_unit_period():
    document = json.loads(
        run(
            "apr", "--advance", "1000", "--start-date", "2026-01-01",
            "--payment", "510@2026-01-15", "--payment", "510@2026-01-29", "--json",
        )
    )  # fmt: skip
    assert document["unit_period"] == "biweekly"
    assert document["periods_per_year"] == "26"


@pytest.mark.parametrize(
    "args",
    [
        ["--advance", "1000", "--start-date", "2026-01-01"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--payments", "12@90"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--payments", "12x90"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--payment", "90"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--payment", "90@tomorrow"],
        ["--advance", "abc", "--start-date", "2026-01-01", "--payment", "90@2026-02-01"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--payment", "900@2025-12-01"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--payment", "0@2026-02-01"],
        ["--advance", "1000", "--fee", "1000", "--start-date", "2026-01-01",
         "--payment", "1100@2026-02-01"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--first-payment-date",
         "2026-02-01", "--payment", "1100@2026-02-01"],
        ["--advance", "1000", "--start-date", "2026-01-01", "--payments", "12@90",
         "--first-payment-date", "2026-02-01", "--frequency", "yearly"],
    ],
)  # fmt: skip
def test_apr_bad_arguments_exit_2(args):
    with pytest.raises(CommandError) as caught:
        run("apr", *args)
    assert caught.value.returncode == 2
    assert exit_code_from_command_line(AprCommand, "apr", *args) == 2
