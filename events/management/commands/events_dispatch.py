"""Deliver webhooks: one batch per active subscription, (--until-idle) until none is ready, or
(--forever) as events come, polling when idle (what `make run` runs beside the server)."""

import time

from django.core.management.base import BaseCommand

from events.dispatch import dispatch_once


class Command(BaseCommand):
    help = "Queue and deliver domain events to the active webhook subscriptions."

    def add_arguments(self, parser):
        parser.add_argument("--until-idle", action="store_true")
        parser.add_argument("--forever", action="store_true", help="Keep delivering.")
        parser.add_argument("--poll-seconds", type=float, default=1.0, help="--forever's rest.")
        parser.add_argument("--idle-seconds", type=float, default=2.0, help="Quiet time to stop.")
        parser.add_argument("--timeout", type=float, default=5.0)
        parser.add_argument("--base-delay", type=float, default=2.0)
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, **options):
        send = {
            "timeout": options["timeout"],
            "base_delay": options["base_delay"],
            "limit": options["batch"],
        }
        total, quiet_since = 0, None
        while True:
            tried = dispatch_once(**send)
            total += tried
            if options["forever"]:
                if not tried:
                    time.sleep(options["poll_seconds"])
                continue
            if not options["until_idle"]:
                break
            if tried:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= options["idle_seconds"]:
                break
            else:
                time.sleep(0.05)
        self.stdout.write(f"{total} attempts")
