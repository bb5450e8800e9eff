"""Send history to a subscription again: every event after a stream cursor or from a business
date on, queued as pending deliveries that `events_dispatch` sends in per-subject order."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from events.dispatch import deliveries_replay
from events.models import Event, Subscription
from events.selectors import cursor_parse


class Command(BaseCommand):
    help = "Re-send events from a cursor or a business date to a subscription."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="cursor or YYYY-MM-DD")
        parser.add_argument("--subscription", required=True, help="the subscription's name")

    def handle(self, *args, start, subscription, **options):
        found = Subscription.objects.filter(name=subscription).first()
        if found is None:
            raise CommandError(f"No subscription named {subscription!r}.")
        try:
            events = Event.objects.filter(business_date__gte=date.fromisoformat(start))
        except ValueError:
            try:
                txid, position = cursor_parse(start)
            except DomainError as exc:
                raise CommandError(f"{start!r} is neither a cursor nor a date.") from exc
            events = Event.objects.extra(
                where=["(txid, position) > (%s, %s)"], params=[txid, position]
            )
        count = deliveries_replay(found, events=events)
        self.stdout.write(f"{count} events queued again for {found.name}.")
