"""The close's `journal` step: the ledger's monthly partitions exist ahead of the dates the book
will post to, and the opening balances of the business date's month are recorded (past-date
balances then read one month's partition plus an opening row). Both ledger calls are
idempotent, so the step can run again after a crash. On SQLite (the demo) there is no
partitioning and both do nothing."""

from __future__ import annotations

from calendar import monthrange

from django.conf import settings

from calc.calendar import add_months
from ledger.partitions import journal_openings_capture, journal_partitions_ensure

from .common import Chunk, StepResult


def journal_months_prepare(chunk: Chunk) -> StepResult:
    ahead = add_months(chunk.business_date, settings.LEDGER_PARTITIONS_AHEAD_MONTHS)
    through = ahead.replace(day=monthrange(ahead.year, ahead.month)[1])
    journal_partitions_ensure(through=through, since=chunk.business_date)
    journal_openings_capture(through=chunk.business_date)
    return StepResult()
