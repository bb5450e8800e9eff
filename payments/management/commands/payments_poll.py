"""Recover lost callbacks and send due auto-debit attempts: once, or every few seconds."""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from payments.services.auto_debit import auto_debits_send
from payments.services.orders import orders_poll


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true")
        parser.add_argument("--every", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--older-than", type=float, default=30.0, help="seconds")
        parser.add_argument(
            "--expire-after",
            type=float,
            help="minutes after which an order the gateway does not know is expired "
            "(default: settings.PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES)",
        )

    def handle(self, *args, forever: bool, every: float, older_than: float, **options):
        expire_after = options["expire_after"]
        expire_after = None if expire_after is None else timedelta(minutes=expire_after)
        while True:
            sent = auto_debits_send(until=timezone.now())
            settled = orders_poll(
                older_than=timedelta(seconds=older_than), expire_after=expire_after
            )
            if sent or settled or not forever:
                self.stdout.write(f"{sent} auto-debit attempts sent, {settled} orders polled")
            if not forever:
                return
            time.sleep(every)
