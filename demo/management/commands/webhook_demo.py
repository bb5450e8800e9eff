"""The demo's webhook subscription: every event type, POSTed to the local receiver that
`make run` starts (`scripts/webhook_receiver.py`), which appends what it receives to a file.

Idempotent: run again, it keeps the subscription and its secret (a new secret with
``--rotate``: the receiver re-reads the secret file, which holds both while the rotation lasts).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from events.models import Subscription
from events.subscriptions import subscription_create, subscription_secret_rotate

NAME = "demo-receiver"


class Command(BaseCommand):
    help = "Create (or keep) the demo webhook subscription and write its secret to a file."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8001/events")
        parser.add_argument(
            "--secret-file", type=Path, default=Path(settings.BASE_DIR) / "var/webhook-secret"
        )
        parser.add_argument("--rotate", action="store_true", help="sign with a fresh secret")

    def handle(self, *args, url, secret_file, rotate, **options):
        subscription = Subscription.objects.filter(name=NAME).first()
        if subscription is None:
            # The history too: the simulated portfolio's events reach the receiver.
            subscription = subscription_create(
                name=NAME, url=url, with_history=True, actor="demo", source="command"
            )
        elif subscription.url != url or not subscription.active:
            Subscription.objects.filter(pk=subscription.pk).update(url=url, active=True)
        if rotate:
            subscription = subscription_secret_rotate(
                subscription=subscription, actor="demo", source="command"
            )
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secrets = [subscription.secret, subscription.previous_secret]
        secret_file.write_text("".join(f"{secret}\n" for secret in secrets if secret))
        secret_file.chmod(0o600)
        self.stdout.write(
            f"Webhook subscription {NAME!r} → {url} (every event type); its secret is in "
            f"{secret_file}."
        )
