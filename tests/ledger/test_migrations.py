"""The ledger's SQL migrations install what they say, 0005 reverses to what 0004 installed, and 0006
moves the journal into partitions and back with every line, archived ones included."""

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


def _journal_lines(cursor) -> list[tuple]:
    cursor.execute(
        "SELECT id, entry_id, account_id, loan_id, debit, credit, currency, business_date"
        " FROM ledger_journalline ORDER BY id"
    )
    return cursor.fetchall()


def _relkind(cursor, table: str) -> str:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    return cursor.fetchone()[0]


def test_0006_partitions_the_journal_with_its_lines_and_reverses_with_the_archived_ones():
    from datetime import date

    from django.db.migrations.executor import MigrationExecutor

    from ledger.partitions import journal_archive, journal_partitions_ensure
    from ledger.services import business_date_open, entry_post

    from .helpers import transfer

    business_date_open(on=date(2026, 3, 10))
    journal_partitions_ensure(since=date(2026, 1, 1), through=date(2026, 3, 31))
    for n, day in enumerate((date(2026, 1, 9), date(2026, 2, 3), date(2026, 3, 2))):
        entry_post(spec=transfer(f"m{n}", f"{n + 1}.00", debit_loan=n, on=day))
    journal_archive(before=date(2026, 2, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM (SELECT id, entry_id, account_id, loan_id, debit, credit, currency,"
            " business_date FROM ledger_archive.journalline UNION ALL SELECT id, entry_id,"
            " account_id, loan_id, debit, credit, currency, business_date"
            " FROM ledger_journalline) l ORDER BY id"
        )
        every_line = cursor.fetchall()
    assert len(every_line) == 6
    with connection.cursor() as cursor:  # as at commit: no deferred check left pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    executor = MigrationExecutor(connection)
    executor.migrate([("ledger", "0005_stricter_database_invariants")])
    try:
        with connection.cursor() as cursor:
            assert _relkind(cursor, "ledger_journalline") == "r"
            assert _journal_lines(cursor) == every_line
            cursor.execute("SELECT to_regnamespace('ledger_archive')")
            assert cursor.fetchone()[0] is None
            assert _ledger_triggers(cursor) >= ADDED_TRIGGERS | {"journalline_inserted"}
            # The identity column carries on after the highest id.
            entry_post(spec=transfer("after", "1.00", on=date(2026, 3, 3)))
            assert _journal_lines(cursor)[-1][0] > every_line[-1][0]
            every_line = _journal_lines(cursor)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        assert _relkind(cursor, "ledger_journalline") == "p"
        assert _journal_lines(cursor) == every_line
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM ledger_journalline GROUP BY 1 ORDER BY 1"
        )
        assert cursor.fetchall() == [
            ("ledger_journalline_y2026m01", 2),
            ("ledger_journalline_y2026m02", 2),
            ("ledger_journalline_y2026m03", 4),
        ]
