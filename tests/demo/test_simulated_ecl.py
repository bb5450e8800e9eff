"""A simulated book on the IFRS 9 basis: the allowance booked, the ECL measured, the staged
exposure and the ledger agree, and the IFRS 7 movement of the month ties to the ledger."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from compliance.ecl import ecl_measure
from compliance.reports.allowance_movement import LINES, allowance_movement
from ledger.selectors import account_balance, loan_balances
from ledger.services import business_date_current

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal
ZERO = D("0")


def test_a_simulated_book_reconciles_its_ecl_allowance_and_movement(monkeypatch, settings):
    settings.PROVISIONING_BASIS = "ifrs9"
    monkeypatch.setenv("DEMO_FORCE", "1")
    call_command("simulate", "--loans", "20", "--days", "75", "--seed", "5")
    as_of = business_date_current() - timedelta(days=1)
    assert as_of == date(2026, 3, 16)  # not a month end: no capture after the provisioning

    measured = ecl_measure(as_of=as_of)
    assert measured and any(item.ecl > 0 for item in measured)
    by_stage: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for item in measured:
        balances = loan_balances(loan_id=item.loan_id)
        # the allowance booked on each loan is its ECL
        assert balances.get("1304", ZERO) == item.ecl, item
        # the exposure staged is the loan's principal and interest receivable in the ledger
        assert item.exposure == balances.get("1303", ZERO) + balances.get("1132", ZERO), item
        by_stage[item.stage] += item.ecl
    ledger = account_balance(code="1304", as_of=as_of)
    assert sum(by_stage.values(), ZERO) == ledger

    # the month's movement: opening + lines = closing in each stage, closing = the ledger
    table = allowance_movement(opening=date(2026, 2, 28), closing=as_of)
    for stage in (1, 2, 3):
        lines = sum((table[line].get(stage, ZERO) for line in LINES[:-1]), ZERO)
        assert lines == table["closing"].get(stage, ZERO)
        assert table["closing"].get(stage, ZERO) == by_stage.get(stage, ZERO)
    opening = sum(table["opening"].values(), ZERO)
    assert opening == account_balance(code="1304", as_of=date(2026, 2, 28))
