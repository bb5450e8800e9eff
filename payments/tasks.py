"""Celery tasks: thin wrappers over the services (beat runs `payments_poll` every minute)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services.auto_debit import auto_debits_send
from .services.orders import orders_poll


@shared_task(acks_late=True)
def payments_poll(older_than_seconds: int = 30) -> int:
    """Lost callbacks recovered, unsent orders sent again, attempts whose time came sent."""
    sent = auto_debits_send(until=timezone.now())
    return sent + orders_poll(older_than=timedelta(seconds=older_than_seconds))
