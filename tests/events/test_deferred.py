"""A batch's events kept and written once (`events.deferred`): numbered per subject in the order
they were recorded, an immediate write in between writing the kept ones first, a key once."""

from datetime import date

import pytest
from django.db import transaction

from events.deferred import events_deferred
from events.models import Event
from events.services import event_record, events_record_many

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def closed(subject: str, run: int, key: str | None = None) -> Event:
    return event_record(
        type="close.completed",
        subject=subject,
        data={"close_run_id": run, "business_date": DAY},
        business_date=DAY,
        key=key,
    )


def sequences() -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for event in Event.objects.order_by("subject", "sequence"):
        out.setdefault(event.subject, []).append((event.sequence, event.data["close_run_id"]))
    return out


def test_kept_events_are_written_at_the_end_numbered_in_the_order_recorded():
    with transaction.atomic():
        closed("close/a", 0)
    with transaction.atomic(), events_deferred():
        kept = [closed("close/a", 1), closed("close/b", 2), closed("close/a", 3)]
        assert all(event.pk is None for event in kept)
        assert Event.objects.count() == 1
    assert sequences() == {"close/a": [(1, 0), (2, 1), (3, 3)], "close/b": [(1, 2)]}
    stored = Event.objects.get(subject="close/b")
    assert stored.uuid == kept[1].uuid and stored.business_date == DAY
    assert stored.time == kept[1].time and stored.txid


def test_an_immediate_write_in_between_writes_the_kept_ones_first():
    with transaction.atomic(), events_deferred():
        closed("close/a", 1)
        events_record_many(
            type="close.completed",
            rows=[("close/a", {"close_run_id": 2, "business_date": DAY}, None)],
            business_date=DAY,
        )
        closed("close/a", 3)
    assert sequences() == {"close/a": [(1, 1), (2, 2), (3, 3)]}


def test_a_key_is_written_once_in_the_batch_or_after_it():
    with transaction.atomic():
        closed("close/a", 0, key="once")
    with transaction.atomic(), events_deferred():
        closed("close/a", 1, key="once")  # written before the batch
        closed("close/b", 2, key="twice")
        closed("close/b", 3, key="twice")  # the first is kept
    assert sequences() == {"close/a": [(1, 0)], "close/b": [(1, 2)]}


def test_without_keeping_each_event_is_written_at_once():
    with transaction.atomic(), events_deferred(keep=False):
        event = closed("close/a", 1)
        assert event.pk is not None and event.sequence == 1


def test_a_failed_batch_writes_none_of_its_events():
    with pytest.raises(RuntimeError, match="boom"):
        with transaction.atomic(), events_deferred():
            closed("close/a", 1)
            raise RuntimeError("boom")
    assert not Event.objects.exists()
