"""Collections inside `simulate`: the executor on the simulated clock, collectors on the call
queue, debtors answering; checked by the independent conduct checker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from collection.models import CollectionCase, ContactAttempt, PromiseToPay
from collection.services.guarding import case_collectible_limit
from compliance.models import MonthEndCapture, ReportRun
from compliance.reports.base import month_ends_between
from demo.collections import CEASE_NOTE, DISPUTE_NOTE
from demo.simulation import portfolio_simulate
from ledger.selectors import trial_balance
from tests.collection.checker import Seen, violations

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _seen(attempt: ContactAttempt, flags: dict, promises: list, limits: dict) -> Seen:
    case = attempt.case
    flag, since = flags.get(case.id, ("", None))
    flagged = since is not None and attempt.attempted_at > since
    promise = None
    for candidate in (p for p in promises if p.case_id == case.id):
        made = candidate.contact_attempt.attempted_at
        day = timezone.localdate(attempt.attempted_at)
        if attempt.attempted_at > made and (
            candidate.resolved_on is None or day <= candidate.resolved_on
        ):
            promise = candidate.promised_date
    as_of = timezone.localdate(attempt.attempted_at)
    if attempt.amount_demanded is not None and (case.id, as_of) not in limits:
        limits[case.id, as_of] = case_collectible_limit(case=case, as_of=as_of)
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
        case_open=case.closed_on is None or as_of <= case.closed_on,
        cease_contact=flagged and flag == "cease",
        disputed=flagged and flag == "disputed",
        promise_until=promise,
        limit=limits.get((case.id, as_of)),
    )


def test_a_simulated_book_collects_within_the_rules_and_files_every_month(settings, tmp_path):
    settings.REPORTS_ROOT = str(tmp_path)
    result = portfolio_simulate(loans=90, days=275, seed=5)
    attempts = list(
        ContactAttempt.objects.select_related("case__loan", "case__borrower").order_by("id")
    )
    allowed = [a for a in attempts if a.allowed]
    # contacts on many cases, on the simulated days, some refused by the guard with their rule
    assert len({a.case_id for a in allowed}) >= 10
    first = result.first_day
    assert all(first <= timezone.localdate(a.attempted_at) <= result.last_day for a in attempts)
    assert {"sms", "call"} <= {a.channel for a in allowed}
    blocked = {a.blocked_by for a in attempts if not a.allowed}
    assert blocked and "" not in blocked
    statuses = set(PromiseToPay.objects.values_list("status", flat=True))
    assert {"kept", "broken"} <= statuses
    # the month ends crossed: captured and filed
    months = [day for day in month_ends_between(first, result.last_day) if day < result.last_day]
    assert len(months) >= 8
    assert set(MonthEndCapture.objects.values_list("month_end", flat=True)) >= set(months)
    bureau = set(
        ReportRun.objects.filter(name="credit_bureau", format="txt").values_list("as_of", flat=True)
    )
    assert bureau >= set(months)
    # and the independent checker finds no conduct violation among the allowed contacts
    flags = {}
    for attempt in allowed:
        if attempt.message in (CEASE_NOTE, DISPUTE_NOTE) and attempt.case_id not in flags:
            flag = "cease" if attempt.message == CEASE_NOTE else "disputed"
            flags[attempt.case_id] = (flag, attempt.attempted_at)
    assert flags.keys() <= set(
        CollectionCase.objects.filter(cease_contact=True).values_list("id", flat=True)
    ) | set(CollectionCase.objects.filter(disputed=True).values_list("id", flat=True))
    promises = list(PromiseToPay.objects.select_related("contact_attempt"))
    limits: dict = {}
    assert violations([_seen(a, flags, promises, limits) for a in attempts]) == []
    assert trial_balance().balanced
    assert timedelta(days=274) == result.last_day - first
