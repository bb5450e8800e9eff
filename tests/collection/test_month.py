"""A simulated month over a small delinquent portfolio: nightly closes, the due-action runner
through the day, agents calling, messaging and taking promises at all hours, loans curing,
paying off and being charged off. No allowed attempt may break a rule."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from collection.errors import ContactBlocked, PromiseError
from collection.models import CollectionCase, ContactAttempt, PromiseToPay
from collection.selectors import conduct_report
from collection.services import (
    case_update,
    cases_sync,
    contact_attempt_request,
    contact_outcome_record,
    due_actions_execute,
    promise_record,
)
from collection.services.guarding import case_collectible_limit
from loans.models import Installment

from . import factories as f
from .checker import Seen, violations

pytestmark = pytest.mark.django_db
SERVER = ZoneInfo("Asia/Shanghai")
LENDER = "Example Consumer Finance"
START = date(2026, 1, 1)
DAYS = 30
OUTCOMES = ["connected", "no_answer", "no_answer", "busy", "connected", "refused_to_pay", ""]
MESSAGES = [
    f"{LENDER}: please contact us about your account.",
    f"{LENDER}: 请尽快还款，否则后果自负",  # threatening: the guard must refuse it
    "Please pay now.",  # no lender: refused
]


def portfolio():
    """name -> (loan, jurisdiction); days past due on 1 January in brackets."""
    spec = {
        "shanghai": ("Asia/Shanghai", "CN", 1),
        "shanghai_second_loan": (None, "CN", 5),
        "cn_rules_in_new_york": ("America/New_York", "CN", 2),
        "us_new_york": ("America/New_York", "US", 3),
        "us_los_angeles_cures": ("America/Los_Angeles", "US", 1),
        "promise_broken": ("Asia/Shanghai", "CN", 2),
        "promise_kept": ("Asia/Shanghai", "CN", 2),
        "pays_off": ("Asia/Shanghai", "CN", 25),
        "cease_contact": ("Europe/London", "CN", 1),
        "disputed": ("Asia/Shanghai", "CN", 4),
        "charged_off": ("Asia/Shanghai", "CN", 150),
    }
    loans, people = {}, {}
    for name, (zone, jurisdiction, dpd) in spec.items():
        person = people["shanghai"] if zone is None else f.borrower(time_zone=zone)
        people.setdefault(name, person)
        loans[name] = f.loan(
            person=person, jurisdiction=jurisdiction, status="delinquent", days_past_due=dpd
        )
    return loans, {name: dpd for name, (_, _, dpd) in spec.items()}


def local(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


@pytest.mark.slow
def test_a_month_of_collections_breaks_no_rule():
    rng = random.Random(20260101)
    loans, base_dpd = portfolio()
    agent = f.agent("collector")
    flags: dict[int, tuple[str, datetime]] = {}
    resolved: set[str] = set()
    pending_outcomes: list[int] = []

    for offset in range(DAYS):
        business_date = START + timedelta(days=offset)
        # The close of `business_date`: loans move first, then collections.
        for name, loan in loans.items():
            if name in resolved:
                continue
            if name == "us_los_angeles_cures" and offset == 11:
                Installment.objects.filter(loan=loan, number=1).update(
                    principal_paid=Decimal("200"),
                    interest_accrued=Decimal("18"),
                    interest_paid=Decimal("18"),
                    status="paid",
                )
                f.transition(loan, "cure", business_date)
                f.set_days_past_due(loan, 0)
                resolved.add(name)
            elif name == "pays_off" and offset == 19:
                f.transition(loan, "pay_off", business_date)
                f.set_days_past_due(loan, 0)
                resolved.add(name)
            elif name == "charged_off" and offset == 24:
                f.transition(loan, "charge_off", business_date)
                resolved.add(name)
            elif name == "promise_kept" and offset == 6:
                Installment.objects.filter(loan=loan, number=1).update(
                    principal_paid=Decimal("150")
                )
                f.set_days_past_due(loan, base_dpd[name] + offset)
            else:
                f.set_days_past_due(loan, base_dpd[name] + offset)
        cases_sync(business_date=business_date)

        next_day = business_date + timedelta(days=1)
        moments = sorted(
            datetime.combine(next_day, time(hour, rng.randrange(60)), SERVER)
            for hour in rng.sample(range(24), 6)
        )
        for moment in moments:
            due_actions_execute(now=moment, business_date=business_date)
            # Agents work every open case at this moment of the server's day.
            for case in CollectionCase.objects.filter(status="open").select_related("loan"):
                if rng.random() < 0.5:
                    continue
                pick = rng.random()
                if pick < 0.7:
                    attempt = contact_attempt_request(
                        case_id=case.id,
                        channel="call",
                        at=moment,
                        agent=agent,
                        outcome=rng.choice(OUTCOMES),
                        business_date=business_date,
                    )
                    if attempt.allowed and not attempt.outcome:
                        pending_outcomes.append(attempt.id)
                elif pick < 0.85:
                    contact_attempt_request(
                        case_id=case.id,
                        channel=rng.choice(["sms", "app_push"]),
                        at=moment,
                        agent=agent,
                        message=rng.choice(MESSAGES),
                        business_date=business_date,
                    )
                elif pick < 0.92:
                    contact_attempt_request(
                        case_id=case.id,
                        channel="call",
                        at=moment,
                        agent=agent,
                        target=rng.choice(["third_party", "pre_agreed_contact", "guarantor"]),
                        purpose="locate",
                        message="请他回电",
                        business_date=business_date,
                    )
                else:
                    _try_promise(case, moment, business_date, agent, rng)
            # Pending call outcomes get recorded some time later.
            if pending_outcomes and rng.random() < 0.6:
                contact_outcome_record(
                    attempt_id=pending_outcomes.pop(0),
                    outcome=rng.choice(["connected", "no_answer"]),
                    recorded_at=moment,
                )
        if offset == 2:
            case = CollectionCase.objects.get(loan=loans["cease_contact"], status="open")
            case_update(case_id=case.id, cease_contact=True)
            flags[case.id] = ("cease", moments[-1])
        if offset == 7:
            case = CollectionCase.objects.get(loan=loans["disputed"], status="open")
            case_update(case_id=case.id, disputed=True)
            flags[case.id] = ("disputed", moments[-1])
        if offset == 4:
            _promise(loans["promise_broken"], moments[-1], business_date, agent, days=4)
        if offset == 5:
            _promise(loans["promise_kept"], moments[-1], business_date, agent, days=3)

    attempts = list(ContactAttempt.objects.select_related("case__loan", "case__borrower"))
    promises = list(PromiseToPay.objects.select_related("contact_attempt"))
    limits: dict = {}
    assert violations([_seen(a, flags, promises, limits) for a in attempts]) == []

    # The month exercised the rules: refusals of many kinds, and real contact.
    allowed = [a for a in attempts if a.allowed]
    rules_hit = {a.blocked_by for a in attempts if not a.allowed}
    assert len(allowed) > 100
    assert {
        "quiet_hours",
        "third_party_contact",
        "threatening_language",
        "lender_not_identified",
        "cease_contact",
        "disputed",
        "promise_to_pay_open",
    } <= rules_hit
    assert rules_hit & {"effective_calls_per_day", "conversation_cooldown"}
    assert {a.channel for a in allowed} >= {"call", "sms", "letter"}

    reasons = dict(
        CollectionCase.objects.filter(status="closed").values_list("loan_id", "close_reason")
    )
    assert reasons[loans["us_los_angeles_cures"].id] == "cured"
    assert reasons[loans["pays_off"].id] == "paid_off"
    assert reasons[loans["charged_off"].id] == "charged_off"
    statuses = dict(PromiseToPay.objects.values_list("case__loan_id", "status"))
    assert statuses[loans["promise_broken"].id] == "broken"
    assert statuses[loans["promise_kept"].id] == "kept"

    report = conduct_report(date(2026, 1, 1), date(2026, 2, 1))
    assert report["attempts"]["total"] == len(attempts)
    assert report["attempts"]["allowed"] == len(allowed)
    assert sum(report["blocked_by_rule"].values()) == len(attempts) - len(allowed)
    assert report["promises"]["kept"] >= 1 and report["promises"]["broken"] >= 1
    assert report["cure_rate_by_bucket"]["M1"]["cured"] == 1


def _promise(loan, moment, business_date, agent, *, days):
    case = CollectionCase.objects.get(loan=loan, status="open")
    # Promises are taken in the borrower's daytime, whatever the server's clock says.
    zone = ZoneInfo(case.borrower.time_zone)
    when = datetime.combine(local(moment, case.borrower.time_zone), time(11), zone)
    when = max(when, moment)
    if when.astimezone(zone).hour >= 22:
        when = datetime.combine(when.astimezone(zone).date() + timedelta(days=1), time(11), zone)
    PromiseToPay.objects.filter(case=case, status="open").update(status="cancelled")
    promise_record(
        case_id=case.id,
        amount=Decimal("150"),
        promised_date=business_date + timedelta(days=days),
        at=when,
        business_date=business_date,
        agent=agent,
    )


def _try_promise(case, moment, business_date, agent, rng):
    try:
        promise_record(
            case_id=case.id,
            amount=rng.choice([Decimal("100"), Decimal("99999")]),
            promised_date=business_date + timedelta(days=rng.randrange(1, 5)),
            at=moment,
            business_date=business_date,
            agent=agent,
        )
    except ContactBlocked as refused:
        # Recorded as blocked; the checker sees it.
        assert ContactAttempt.objects.filter(pk=refused.attempt_id, allowed=False).exists()
    except PromiseError as exc:  # an open promise already: a refusal, not a contact
        assert "open promise" in str(exc)


def _seen(attempt: ContactAttempt, flags, promises, limits) -> Seen:
    case = attempt.case
    zone = case.borrower.time_zone
    flag, since = flags.get(case.id, ("", None))
    flagged = since is not None and attempt.attempted_at > since
    promise = None
    for candidate in (p for p in promises if p.case_id == case.id):
        made = candidate.contact_attempt.attempted_at if candidate.contact_attempt else None
        if made is None or attempt.attempted_at <= made:
            continue
        day = timezone.localdate(attempt.attempted_at)
        if candidate.resolved_on is None or day <= candidate.resolved_on:
            promise = candidate.promised_date
    as_of = timezone.localdate(attempt.attempted_at) - timedelta(days=1)
    closed = (
        case.closed_on is not None and timezone.localdate(attempt.attempted_at) > case.closed_on
    )
    return Seen(
        debt_id=case.loan_id,
        borrower_id=case.borrower_id,
        jurisdiction=case.loan.jurisdiction,
        time_zone=zone,
        channel=attempt.channel,
        at=attempt.attempted_at,
        allowed=attempt.allowed,
        target=attempt.target,
        purpose=attempt.purpose,
        message=attempt.message,
        amount=attempt.amount_demanded,
        effective=attempt.is_effective_interaction,
        outcome=attempt.outcome,
        case_open=not closed,
        cease_contact=flagged and flag == "cease",
        disputed=flagged and flag == "disputed",
        promise_until=promise,
        guarantor_ok=bool(case.loan.terms_snapshot.get("guarantor_contact_allowed")),
        limit=_limit(case, as_of, limits),
    )


def _limit(case, as_of, cache):
    key = (case.id, as_of)
    if key not in cache:
        cache[key] = case_collectible_limit(case=case, as_of=as_of)
    return cache[key]
