"""The close's `auto_debit` step: after the business date moved to D+1, plan D+1's debits.

Chunked like the loans' steps (each chunk in its own transaction, idempotent); the attempts are
sent once the chunk commits, on the simulated clock: every attempt of D+1 the rule allows
(`auto_debits_send(until=end of D+1)`), so a simulated history debits as the days pass."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from loans.eod import Chunk, StepResult, step_register

from .services.auto_debit import auto_debits_plan, auto_debits_send, end_of_day


def auto_debit(chunk: Chunk) -> StepResult:
    day = chunk.business_date + timedelta(days=1)
    created = auto_debits_plan(day=day, loans=chunk.loans("loan_id"))
    if created:
        transaction.on_commit(lambda: auto_debits_send(until=end_of_day(day)))
    return StepResult(loans=len(created))


def register() -> None:
    step_register("auto_debit", auto_debit)
