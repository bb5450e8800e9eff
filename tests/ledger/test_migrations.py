"""The ledger's SQL migrations install what they say, and 0005 reverses to what 0004 installed."""

from importlib import import_module

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

BALANCE_SHEET_ONLY = import_module("ledger.migrations.0004_stored_balances_balance_sheet_only")
STRICTER = import_module("ledger.migrations.0005_stricter_database_invariants")
ADDED_TRIGGERS = {
    "entry_check_batch_no_truncate",
    "entry_check_batch_written_by_ledger",
    "entry_lines_check_at_commit",
    "journalentry_inserted",
    "journalentry_no_truncate",
    "journalline_no_truncate",
    "loanaccountbalance_no_truncate",
    "loanaccountbalance_written_by_lines",
    "unbalanced_delta_no_truncate",
    "unbalanced_delta_written_by_lines",
}


def _line_trigger_source(cursor) -> str:
    cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'ledger_lines_inserted'")
    return cursor.fetchone()[0]


def _ledger_triggers(cursor) -> set[str]:
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        " AND tgrelid::regclass::text LIKE 'ledger_%%'"
    )
    return {row[0] for row in cursor.fetchall()}


def test_0005_installs_its_frozen_sql_and_reverses_to_0004():
    # Inside the test's transaction, rolled back after it: DDL is transactional in PostgreSQL.
    with connection.cursor() as cursor:
        assert _line_trigger_source(cursor) in STRICTER.LINES_INSERTED
        assert _ledger_triggers(cursor) >= ADDED_TRIGGERS

        cursor.execute(STRICTER.UNINSTALL)
        assert _line_trigger_source(cursor) in BALANCE_SHEET_ONLY.LINES_INSERTED
        assert not ADDED_TRIGGERS & _ledger_triggers(cursor)
        cursor.execute("SELECT to_regclass('ledger_entry_check_batch')")
        assert cursor.fetchone()[0] is None

        cursor.execute(STRICTER.INSTALL)
        assert _line_trigger_source(cursor) in STRICTER.LINES_INSERTED
        assert _ledger_triggers(cursor) >= ADDED_TRIGGERS
