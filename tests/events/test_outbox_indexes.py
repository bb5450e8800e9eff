"""The outbox keeps only the indexes its readers use: every event written takes an entry in each
(the close writes one per loan for many of its steps). Django's automatic LIKE indexes
(`varchar_pattern_ops`) for unique or indexed `CharField`s are not among them (events 0003)."""

import pytest
from django.db import connection

from events.models import Event, SubjectSequence

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def test_the_event_tables_have_no_like_indexes():
    for model in (Event, SubjectSequence):
        indexes = _indexes(model._meta.db_table)
        assert indexes
        assert [name for name, sql in indexes.items() if "pattern_ops" in sql] == []


def test_the_events_indexes():
    assert sorted(_indexes(Event._meta.db_table)) == [
        "event_key_uniq",
        "event_subject_seq_uniq",
        "event_type_idx",
        "events_event_pkey",
        "events_event_txid_d00ed532",
        "events_event_uuid_key",
    ]
