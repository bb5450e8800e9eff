"""Argument parsing shared by the calculation commands (``quote``, ``apr``): exact types and
usage errors that exit with status 2, as command-line tools do, however the command is run."""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calc.money import CENT, is_quantized

USAGE_ERROR = 2


class UsageErrorParser(CommandParser):
    def error(self, message):
        if self.called_from_command_line:
            super().error(message)  # argparse prints the usage and exits with status 2
        raise CommandError(f"Error: {message}", returncode=USAGE_ERROR)


class UsageErrorCommand(BaseCommand):
    """A command whose bad arguments exit with status 2: Django's parser raises a
    ``CommandError`` (status 1) when the command is called from code."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a CommandParser; only its error() differs, so the class is swapped
        # rather than re-creating the base arguments Django adds.
        parser.__class__ = UsageErrorParser
        return parser

    def usage_error(self, message: str) -> CommandError:
        return CommandError(message, returncode=USAGE_ERROR)


def decimal_arg(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def positive_int_arg(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def cents(amount: Decimal) -> Decimal:
    """``12000`` as ``12000.00``; an amount with finer digits is left as given (for the
    calculation to refuse or use)."""
    return amount.quantize(CENT) if is_quantized(amount) else amount
