"""Celery tasks: thin wrappers that take primitives and call one service."""

from __future__ import annotations

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from .services import due_actions_execute


@shared_task(name="collection.tasks.execute_due_actions", acks_late=True)
def execute_due_actions(now: str | None = None, business_date: str | None = None) -> dict:
    """Run the scheduled actions due at `now` (ISO datetime; default: the wall clock, which is
    what contact-hour rules are about) through the guard and the channel backends."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    as_of = date.fromisoformat(business_date) if business_date else None
    return due_actions_execute(now=moment, business_date=as_of)
