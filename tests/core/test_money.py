"""One table of currency minor units: the calculators and the ledger read the same one."""

from datetime import date
from decimal import Decimal

import pytest

from calc.money import minor_unit_for
from core.money import register_currency
from ledger.errors import PostingRejected
from ledger.specs import EntrySpec, LineSpec, prepare


def spec(currency: str, amount: str) -> EntrySpec:
    return EntrySpec(
        kind="test",
        business_date=date(2026, 1, 1),
        idempotency_key=f"minor-unit-{currency}-{amount}",
        currency=currency,
        lines=(
            LineSpec(account="1002", debit=Decimal(amount)),
            LineSpec(account="6011", credit=Decimal(amount)),
        ),
    )


def test_vnd_has_no_minor_digits_for_the_calculators_and_the_ledger():
    # ISO 4217: the dong has 0 decimal places (the ledger and the calculators used to disagree)
    assert minor_unit_for("VND") == Decimal("1")
    with pytest.raises(PostingRejected, match="finer than the VND minor unit"):
        prepare(spec("VND", "1500.50"))


def test_a_currency_registered_once_is_known_to_both():
    with pytest.raises(PostingRejected, match="unknown currency"):
        prepare(spec("BHD", "1.000"))
    register_currency("BHD", 3)
    assert minor_unit_for("BHD") == Decimal("0.001")
    with pytest.raises(PostingRejected, match="finer than the BHD minor unit"):
        prepare(spec("BHD", "1.0005"))
