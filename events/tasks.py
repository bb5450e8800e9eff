from celery import shared_task

from .dispatch import dispatch_once


@shared_task(name="events.dispatch", ignore_result=True)
def events_dispatch() -> int:
    """One round of webhook delivery (beat runs it every few seconds)."""
    return dispatch_once()
