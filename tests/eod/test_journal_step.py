"""The close keeps the ledger's monthly partitions created ahead of the business date and
records the opening balances of each month it enters."""

from datetime import date

import pytest
from django.db import connection

from ledger.models import JournalMonth
from ledger.services import business_date_current
from tests.eod.helpers import close, make_loan

pytestmark = pytest.mark.django_db


def partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'ledger_journalline'::regclass"
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_close_creates_partitions_ahead_and_records_each_months_openings(settings):
    settings.LEDGER_PARTITIONS_AHEAD_MONTHS = 2
    make_loan()
    assert business_date_current() == date(2026, 1, 1)

    close()

    assert {"ledger_journalline_y2026m01", "ledger_journalline_y2026m03"} <= partitions()
    assert "ledger_journalline_y2026m04" not in partitions()
    assert set(JournalMonth.objects.values_list("month", flat=True)) == {date(2026, 1, 1)}

    close(30)  # through January 31: the business date is February 1

    assert business_date_current() == date(2026, 2, 1)
    assert "ledger_journalline_y2026m04" not in partitions()
    close()  # the close of February 1 enters the month
    assert "ledger_journalline_y2026m04" in partitions()
    assert date(2026, 2, 1) in set(JournalMonth.objects.values_list("month", flat=True))
