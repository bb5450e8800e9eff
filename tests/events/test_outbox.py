import threading
import time
from datetime import date

import jsonschema
import pytest
from django.db import connection, transaction
from django.utils import timezone

from events.models import Event
from events.schemas import SCHEMAS
from events.services import (
    UnknownEventType,
    event_record,
    events_record_bulk,
    events_record_many,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DAY = date(2026, 3, 2)
CLOSE = {"close_run_id": 1, "business_date": DAY}


def test_a_rolled_back_transaction_emits_nothing():
    class Failed(Exception):
        pass

    with pytest.raises(Failed), transaction.atomic():
        event_record(type="close.completed", subject="close/1", data=CLOSE, business_date=DAY)
        events_record_bulk(
            type="close.completed",
            source_sql="SELECT 'close/2' AS subject, 2 AS close_run_id, %s::date AS business_date",
            params=[DAY],
            business_date=DAY,
        )
        raise Failed
    assert Event.objects.count() == 0
    with transaction.atomic():
        event = event_record(
            type="close.completed", subject="close/1", data=CLOSE, business_date=DAY
        )
    # The sequence rolled back with the events: the first committed event is still number 1.
    assert event.sequence == 1


def test_an_event_is_written_only_inside_a_transaction():
    with pytest.raises(RuntimeError):
        event_record(type="close.completed", subject="close/1", data=CLOSE, business_date=DAY)
    assert Event.objects.count() == 0


def test_an_unknown_type_or_missing_field_is_refused():
    with transaction.atomic():
        with pytest.raises(UnknownEventType):
            event_record(type="loan.exploded", subject="loan/1", data={}, business_date=DAY)
        with pytest.raises(UnknownEventType):
            event_record(
                type="close.completed", subject="close/1", data={"x": 1}, business_date=DAY
            )
    assert Event.objects.count() == 0


def test_single_and_bulk_events_number_each_subject_without_gaps():
    with transaction.atomic():
        event_record(type="close.completed", subject="loan/7", data=CLOSE, business_date=DAY)
        written = events_record_bulk(
            type="installment.due",
            source_sql="""SELECT 'loan/' || l AS subject, l AS loan_id, 100 * l + n AS installment_id,
                                 n AS number, %s::date AS due_date, '10.00' AS principal_due,
                                 '1.25' AS interest_due, '0.00' AS fee_due
                            FROM generate_series(6, 8) l, generate_series(1, 3) n""",
            params=[DAY],
            business_date=DAY,
            order_by="number",
        )
    assert written == 9
    by_subject = {}
    for event in Event.objects.order_by("position"):
        by_subject.setdefault(event.subject, []).append(event)
    assert {s: [e.sequence for e in evs] for s, evs in by_subject.items()} == {
        "loan/6": [1, 2, 3],
        "loan/7": [1, 2, 3, 4],
        "loan/8": [1, 2, 3],
    }
    assert [e.data["number"] for e in by_subject["loan/7"][1:]] == [1, 2, 3]
    due = by_subject["loan/6"][0]
    assert timezone.localtime(due.time).date() == DAY and due.business_date == DAY
    assert due.data["principal_due"] == "10.00" and "subject" not in due.data
    for event in Event.objects.all():
        jsonschema.validate(event.data, SCHEMAS[event.type])


def test_an_update_returning_is_a_source_so_a_step_run_twice_emits_once():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE marks (id int, due boolean)")
        cursor.execute("INSERT INTO marks VALUES (1, false), (2, false)")
    source = """UPDATE marks SET due = true WHERE NOT due
                RETURNING 'close/' || id AS subject, id AS close_run_id, %s::date AS business_date"""
    with transaction.atomic():
        first = events_record_bulk(
            type="close.completed", source_sql=source, params=[DAY], business_date=DAY
        )
    with transaction.atomic():
        second = events_record_bulk(
            type="close.completed", source_sql=source, params=[DAY], business_date=DAY
        )
    assert (first, second) == (2, 0)
    assert Event.objects.count() == 2


def test_every_schema_is_a_valid_json_schema():
    for schema in SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_rows_computed_in_python_are_numbered_in_order_and_keys_write_once():
    rows = [
        ("loan/1", {"loan_id": 1, "days_past_due": 90}, "non-accrual:1"),
        ("loan/2", {"loan_id": 2, "days_past_due": 91}, "non-accrual:2"),
        ("loan/1", {"loan_id": 1, "days_past_due": 92}, None),
    ]
    with transaction.atomic():
        assert events_record_many(type="loan.non_accrual", rows=rows, business_date=DAY) == 3
    with transaction.atomic():
        assert events_record_many(type="loan.non_accrual", rows=rows[:2], business_date=DAY) == 0
        keyed = events_record_bulk(
            type="loan.non_accrual",
            source_sql="""SELECT 'loan/' || n AS subject, 'non-accrual:' || n AS key,
                                 n AS loan_id, 90 AS days_past_due
                            FROM generate_series(1, 3) n""",
            business_date=DAY,
            keyed=True,
        )
    assert keyed == 1
    assert [
        (e.subject, e.sequence, e.data["days_past_due"])
        for e in Event.objects.filter(subject="loan/1").order_by("sequence")
    ] == [("loan/1", 1, 90), ("loan/1", 2, 92)]
    assert Event.objects.get(key="non-accrual:3").data == {"loan_id": 3, "days_past_due": 90}


def test_a_key_committed_by_a_concurrent_transaction_leaves_no_gap_in_the_sequence():
    """The second writer of a key waits on the subject's sequence row, finds the key taken when
    the first commits, and gives the number back: the subject's next event is number 2."""
    first_holds = threading.Event()
    release_first = threading.Event()
    seen = {}

    def first():
        try:
            with transaction.atomic():
                seen["first"] = event_record(
                    type="close.completed",
                    subject="close/9",
                    data=CLOSE,
                    business_date=DAY,
                    key="k",
                )
                first_holds.set()
                release_first.wait(10)
        finally:
            connection.close()

    def second():
        try:
            first_holds.wait(10)
            with transaction.atomic():
                seen["second"] = event_record(
                    type="close.completed",
                    subject="close/9",
                    data=CLOSE,
                    business_date=DAY,
                    key="k",
                )
                seen["next"] = event_record(
                    type="close.completed", subject="close/9", data=CLOSE, business_date=DAY
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_holds.wait(10)
    time.sleep(0.3)  # the second writer is now waiting on the subject's sequence row
    release_first.set()
    for thread in threads:
        thread.join(20)
    assert seen["second"].pk == seen["first"].pk
    assert list(
        Event.objects.filter(subject="close/9").order_by("sequence").values_list("sequence", "key")
    ) == [(1, "k"), (2, None)]
