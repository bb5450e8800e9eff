"""Income and expense lines carry their loan but keep no stored per-loan row (migration 0004):
a loan's income is summed from its lines, its balance-sheet balances come from the stored rows,
and the two agree with the lines whoever posts."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from ledger.models import Account, LoanAccountBalance
from ledger.selectors import loan_balances, stored_balances_match_lines
from ledger.services import EntrySpec, LineSpec, entries_post_bulk, entry_post

from .helpers import transfer

D = Decimal
LOAN = 7


def accrual(key: str, amount: str, *, on: date = date(2026, 1, 2)) -> EntrySpec:
    value = D(amount)
    return EntrySpec(
        kind="accrual",
        business_date=on,
        idempotency_key=key,
        lines=(
            LineSpec(account="1132", debit=value, loan_id=LOAN),
            LineSpec(account="6011", credit=value, loan_id=LOAN),
        ),
    )


def stored_codes(loan_id: int) -> set[str]:
    return set(
        LoanAccountBalance.objects.filter(loan_id=loan_id).values_list("account__code", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("bulk", [False, True], ids=["one", "bulk"])
def test_income_lines_carry_the_loan_and_are_summed_from_the_lines(bulk):
    specs = [
        transfer("disburse", "1000.00", debit_loan=LOAN, on=date(2026, 1, 1)),
        accrual("day-2", "1.50"),
        accrual("day-3", "1.25", on=date(2026, 1, 3)),
        transfer(
            "provision", "10.00", debit="6701", credit="1304", debit_loan=LOAN, credit_loan=LOAN
        ),
    ]
    if bulk:
        entries_post_bulk(specs=specs)
    else:
        for spec in specs:
            entry_post(spec=spec)
    # Stored rows for the balance-sheet accounts only
    assert stored_codes(LOAN) == {"1303", "1132", "1304"}
    # and the loan's income and expense all the same, now and at a past date
    assert loan_balances(loan_id=LOAN) == {
        "1303": D("1000.00"),
        "1132": D("2.75"),
        "1304": D("10.00"),
        "6011": D("2.75"),
        "6701": D("10.00"),
    }
    assert loan_balances(loan_id=LOAN, as_of=date(2026, 1, 2)) == {
        "1303": D("1000.00"),
        "1132": D("1.50"),
        "1304": D("10.00"),
        "6011": D("1.50"),
        "6701": D("10.00"),
    }
    assert stored_balances_match_lines() == []


@pytest.mark.django_db
def test_an_accounts_type_cannot_change_once_it_has_lines():
    entry_post(spec=accrual("day-2", "1.50"))
    with pytest.raises(IntegrityError, match="type cannot change"):
        with transaction.atomic():
            Account.objects.filter(code="6011").update(type=Account.Type.ASSET)
    # An account without lines can still be corrected
    Account.objects.filter(code="6111").update(type=Account.Type.EXPENSE)
    assert Account.objects.get(code="6111").type == Account.Type.EXPENSE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_0004_drops_the_income_rows_the_old_trigger_kept_and_restores_them_backwards():
    executor = MigrationExecutor(connection)
    executor.migrate([("ledger", "0003_default_chart")])
    try:
        # Under the trigger of 0002 an income line with a loan kept a stored row
        entry_post(spec=accrual("old", "2.00"))
        assert stored_codes(LOAN) == {"1132", "6011"}
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("ledger", "0004_stored_balances_balance_sheet_only")])
        assert stored_codes(LOAN) == {"1132"}
        entry_post(spec=accrual("new", "3.00", on=date(2026, 1, 3)))
        assert stored_codes(LOAN) == {"1132"}
        assert loan_balances(loan_id=LOAN) == {"1132": D("5.00"), "6011": D("5.00")}
        assert stored_balances_match_lines() == []
        # Backwards, the rows are rebuilt from the lines
        executor = MigrationExecutor(connection)
        executor.migrate([("ledger", "0003_default_chart")])
        row = LoanAccountBalance.objects.get(loan_id=LOAN, account__code="6011")
        assert (row.debit_total, row.credit_total) == (D("0"), D("5.00"))
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
