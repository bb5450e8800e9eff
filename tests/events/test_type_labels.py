"""Every event type has a name in the back office, in both languages (the code stays on the
wire and beside the name)."""

from django.utils.translation import override

from events.labels import EVENT_TYPE_LABELS, event_type_label
from events.schemas import SCHEMAS


def test_every_event_type_is_named_in_chinese():
    assert sorted(set(SCHEMAS) - set(EVENT_TYPE_LABELS)) == []
    with override("zh-hans"):
        english = {name: str(label) for name, label in EVENT_TYPE_LABELS.items()}
        with override("en"):
            assert [name for name in SCHEMAS if str(EVENT_TYPE_LABELS[name]) == english[name]] == []
    assert event_type_label("nobody.named_this") == "nobody.named_this"
