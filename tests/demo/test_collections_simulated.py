"""Collections inside `simulate`: the executor on the simulated clock, collectors on the call
queue, debtors answering, promises kept, partly kept and broken; checked by the independent
conduct checker (`tests.collection.checker`, with the cost cap worked out as of each contact
from the loan's payments, `tests.collection.cost_cap`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from collection.models import CollectionCase, ContactAttempt, PromiseToPay
from compliance.models import MonthEndCapture, ReportRun
from compliance.reports.base import month_ends_between
from demo.collections import CEASE_NOTE, DISPUTE_NOTE
from demo.simulation import portfolio_simulate
from ledger.selectors import trial_balance
from tests.collection.checker import Seen, violations
from tests.collection.cost_cap import CapBook

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _flags(allowed: list[ContactAttempt]) -> dict:
    """When each case was flagged (cease-contact or dispute), from the call in which the
    debtor said so: contacts after it must not have happened."""
    flags = {}
    for attempt in sorted(allowed, key=lambda a: a.attempted_at):
        if attempt.message in (CEASE_NOTE, DISPUTE_NOTE) and attempt.case_id not in flags:
            flag = "cease" if attempt.message == CEASE_NOTE else "disputed"
            flags[attempt.case_id] = (flag, attempt.attempted_at)
    return flags


def _seen(attempt: ContactAttempt, flags: dict, promises: list, caps: CapBook) -> Seen:
    case = attempt.case
    flag, since = flags.get(case.id, ("", None))
    flagged = since is not None and attempt.attempted_at > since
    day = timezone.localdate(attempt.attempted_at)
    promise = None
    for candidate in promises.get(case.id, ()):
        made = candidate.contact_attempt.attempted_at
        if attempt.attempted_at > made and (
            candidate.resolved_on is None or day <= candidate.resolved_on
        ):
            promise = candidate.promised_date
    return Seen(
        debt_id=case.loan_id,
        borrower_id=case.borrower_id,
        jurisdiction=case.loan.jurisdiction,
        time_zone=case.borrower.time_zone,
        channel=attempt.channel,
        at=attempt.attempted_at,
        allowed=attempt.allowed,
        target=attempt.target,
        purpose=attempt.purpose,
        message=attempt.message,
        amount=attempt.amount_demanded,
        effective=attempt.is_effective_interaction,
        outcome=attempt.outcome,
        case_open=case.closed_on is None or day <= case.closed_on,
        cease_contact=flagged and flag == "cease",
        disputed=flagged and flag == "disputed",
        promise_until=promise,
        limit=caps.limit(case.loan_id, day) if attempt.amount_demanded is not None else None,
    )


@pytest.mark.timeout(1800)  # 275 closes: about 1 s each on a loaded 2-core box
def test_a_simulated_book_collects_within_the_rules_and_files_every_month(settings, tmp_path):
    settings.REPORTS_ROOT = str(tmp_path)
    result = portfolio_simulate(loans=200, days=150, seed=5)
    attempts = list(
        ContactAttempt.objects.select_related("case__loan", "case__borrower").order_by("id")
    )
    allowed = [a for a in attempts if a.allowed]
    # contacts on many cases, on the simulated days, some refused by the guard with their rule
    assert len({a.case_id for a in allowed}) >= 40
    first = result.first_day
    assert all(first <= timezone.localdate(a.attempted_at) <= result.last_day for a in attempts)
    assert {"sms", "call", "letter"} <= {a.channel for a in allowed}
    blocked = {a.blocked_by for a in attempts if not a.allowed}
    assert blocked and "" not in blocked
    # promises made on calls, then kept, partly kept and broken as the payments came (or not)
    statuses = set(PromiseToPay.objects.values_list("status", flat=True))
    assert {"kept", "partial", "broken"} <= statuses
    assert result.collection["promises_made"] == PromiseToPay.objects.count()
    # the month ends crossed: captured, filed to the bureau, kept-rate reported
    months = [day for day in month_ends_between(first, result.last_day) if day < result.last_day]
    assert len(months) >= 4
    assert set(MonthEndCapture.objects.values_list("month_end", flat=True)) >= set(months)
    runs = ReportRun.objects.filter(trigger=ReportRun.Trigger.SCHEDULE)
    bureau = set(runs.filter(name="credit_bureau", format="txt").values_list("as_of", flat=True))
    assert bureau >= set(months)
    kept_rate = set(runs.filter(name="promise_kept_rate").values_list("as_of", flat=True))
    assert kept_rate >= set(months)
    # and the independent checker finds no conduct violation among the allowed contacts
    flags = _flags(allowed)
    flagged = CollectionCase.objects.filter(cease_contact=True) | CollectionCase.objects.filter(
        disputed=True
    )
    assert flags and flags.keys() <= set(flagged.values_list("id", flat=True))
    promises: dict[int, list] = {}
    for promise in PromiseToPay.objects.select_related("contact_attempt"):
        promises.setdefault(promise.case_id, []).append(promise)
    caps = CapBook(a.case.loan_id for a in attempts)
    seen = [_seen(a, flags, promises, caps) for a in attempts]
    assert sum(1 for s in seen if s.allowed and s.limit is not None) >= 50
    assert violations(seen) == []
    assert trial_balance().balanced
    assert timedelta(days=149) == result.last_day - first
