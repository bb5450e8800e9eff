"""Property: whatever sequence of attempts is asked for, no attempt the guard allows breaks a
rule, as judged by the independent checker (tests/collection/checker.py)."""

from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from collection.guard import AttemptRequest, CaseFacts, PastAttempt, contact_decide
from collection.rules import rules_for

from .checker import Seen, violations
from .clock import at

LENDER = "Example Consumer Finance"
MESSAGES = (
    f"{LENDER}: please contact us.",
    f"{LENDER}: 您的借款已逾期，请尽快还款。",
    f"{LENDER}: pay now or we will tell your employer",
    "Please call us back.",
    "请他回电",
    "",
)
OUTCOMES = ("connected", "promise_made", "no_answer", "busy", "wrong_number", "delivered")
ZONES = ("Asia/Shanghai", "America/New_York", "Europe/London", "America/Los_Angeles")

request_strategy = st.fixed_dictionaries(
    {
        "gap_minutes": st.integers(min_value=1, max_value=900),
        "channel": st.sampled_from(("call",) * 6 + ("sms", "app_push", "email", "letter", "visit")),
        "debt": st.sampled_from((1, 1, 2)),
        "target": st.sampled_from(
            ("borrower",) * 8 + ("guarantor", "pre_agreed_contact", "third_party")
        ),
        "purpose": st.sampled_from(("collection",) * 5 + ("reminder", "required_notice", "locate")),
        "message": st.sampled_from(MESSAGES),
        "amount": st.sampled_from(
            (None, None, Decimal("999.99"), Decimal("1000.00"), Decimal("1000.01"))
        ),
        "cease": st.sampled_from((False,) * 9 + (True,)),
        "disputed": st.sampled_from((False,) * 9 + (True,)),
        "promise_days": st.sampled_from((None,) * 6 + (0, 1, 3)),
        "case_open": st.sampled_from((True,) * 9 + (False,)),
        "guarantor_ok": st.booleans(),
        # What happens to an allowed attempt's outcome: now, at a later step, or never.
        "resolve": st.sampled_from(("now", "now", "later", "never")),
        "outcome": st.sampled_from(OUTCOMES),
        "resolve_pending": st.booleans(),
    }
)


calls_only = request_strategy.map(
    lambda step: {
        **step,
        "channel": "call",
        "target": "borrower",
        "purpose": "collection",
        "message": "",
        "amount": None,
        "cease": False,
        "disputed": False,
        "promise_days": None,
        "case_open": True,
        "gap_minutes": step["gap_minutes"] % 240 + 1,
    }
)

# Unanswered calls: no conversation ever starts a cooldown, so the 7-in-7 limit decides.
unanswered = calls_only.map(lambda step: {**step, "resolve": "now", "outcome": "no_answer"})


def _run(jurisdiction: str, zone: str, requests: list[dict], rules=None) -> list[Seen]:
    rules = rules or rules_for(jurisdiction)
    now = at("2026-03-01", "06:00", zone)
    seen: list[Seen] = []
    pending: list[tuple[int, str]] = []
    for step in requests:
        now += timedelta(minutes=step["gap_minutes"])
        if step["resolve_pending"] and pending:
            index, outcome = pending.pop(0)
            seen[index] = _resolved(seen[index], outcome)
        local_day = now.astimezone(at("2026-03-01", "00:00", zone).tzinfo).date()
        promise_until = (
            None
            if step["promise_days"] is None
            else local_day + timedelta(days=step["promise_days"])
        )
        facts = CaseFacts(
            time_zone=zone,
            lender_name=LENDER,
            case_open=step["case_open"],
            cease_contact=step["cease"],
            disputed=step["disputed"],
            promise_open_until=promise_until,
            guarantor_contact_allowed=step["guarantor_ok"],
            collectible_limit=Decimal("1000.00"),
        )
        request = AttemptRequest(
            channel=step["channel"],
            at=now,
            debt_id=step["debt"],
            target=step["target"],
            purpose=step["purpose"],
            message=step["message"],
            amount_demanded=step["amount"],
        )
        history = [
            PastAttempt(
                channel=s.channel,
                at=s.at,
                debt_id=s.debt_id,
                allowed=s.allowed,
                target=s.target,
                effective=s.effective,
                outcome=s.outcome,
            )
            for s in seen
        ]
        decision = contact_decide(request=request, facts=facts, history=history, rules=rules)
        record = Seen(
            debt_id=step["debt"],
            borrower_id=1,
            jurisdiction=jurisdiction,
            time_zone=zone,
            channel=step["channel"],
            at=now,
            allowed=decision.allowed,
            target=step["target"],
            purpose=step["purpose"],
            message=step["message"],
            amount=step["amount"],
            case_open=step["case_open"],
            cease_contact=step["cease"],
            disputed=step["disputed"],
            promise_until=promise_until,
            guarantor_ok=step["guarantor_ok"],
            limit=Decimal("1000.00"),
        )
        seen.append(record)
        if decision.allowed and step["resolve"] == "now":
            seen[-1] = _resolved(record, step["outcome"])
        elif decision.allowed and step["resolve"] == "later":
            pending.append((len(seen) - 1, step["outcome"]))
        if not decision.allowed:
            assert decision.rule, "a refusal names its rule"
            if decision.outcome == "defer":
                assert decision.next_allowed_at is not None
                assert decision.next_allowed_at > now
    return seen


def _resolved(record: Seen, outcome: str) -> Seen:
    if record.channel == "call":
        outcome = "no_answer" if outcome == "delivered" else outcome
        return replace(record, outcome=outcome, effective=outcome in ("connected", "promise_made"))
    return replace(
        record, outcome="delivered" if outcome in ("connected", "promise_made") else outcome
    )


@given(
    jurisdiction=st.sampled_from(("CN", "US")),
    zone=st.sampled_from(ZONES),
    requests=st.lists(request_strategy, min_size=1, max_size=80),
)
def test_no_allowed_attempt_breaks_a_rule(jurisdiction, zone, requests):
    seen = _run(jurisdiction, zone, requests)
    assert violations(seen) == []


@given(
    jurisdiction=st.sampled_from(("CN", "US")),
    zone=st.sampled_from(ZONES),
    requests=st.one_of(
        st.lists(calls_only, min_size=1, max_size=120),
        st.lists(unanswered, min_size=1, max_size=120),
    ),
)
def test_no_allowed_call_breaks_a_counting_rule(jurisdiction, zone, requests):
    # Only clean calls to the borrower: the per-day, 7-in-7 and cooldown limits decide.
    seen = _run(jurisdiction, zone, requests)
    assert violations(seen) == []


def test_checker_catches_a_guard_without_limits():
    # Given a guard whose rules were relaxed (no quiet hours, no daily limit), when an agent
    # calls every 20 minutes around the clock, the checker reports it: it is not vacuous.
    relaxed = replace(
        rules_for("CN"),
        contact_from=time(0, 0),
        contact_until=time(23, 59, 59),
        max_effective_calls_per_day=None,
    )
    step = {
        "gap_minutes": 20,
        "channel": "call",
        "debt": 1,
        "target": "borrower",
        "purpose": "collection",
        "message": "",
        "amount": None,
        "cease": False,
        "disputed": False,
        "promise_days": None,
        "case_open": True,
        "guarantor_ok": False,
        "resolve": "now",
        "outcome": "connected",
        "resolve_pending": False,
    }
    found = violations(_run("CN", "Asia/Shanghai", [step] * 72, rules=relaxed))
    assert any("quiet hours" in problem for problem in found)
    assert any("effective calls" in problem for problem in found)


@settings(max_examples=10)
@given(zone=st.sampled_from(ZONES), days=st.integers(min_value=1, max_value=4))
def test_persistent_calling_is_capped(zone, days):
    # Given an agent who asks to call every 20 minutes, all day, for `days` days, and the
    # borrower answers every time: CN allows 3 a day.
    requests = [
        {
            "gap_minutes": 20,
            "channel": "call",
            "debt": 1,
            "target": "borrower",
            "purpose": "collection",
            "message": "",
            "amount": None,
            "cease": False,
            "disputed": False,
            "promise_days": None,
            "case_open": True,
            "guarantor_ok": False,
            "resolve": "now",
            "outcome": "connected",
            "resolve_pending": False,
        }
    ] * (days * 72)
    seen = _run("CN", zone, requests)
    allowed = [s for s in seen if s.allowed]
    assert violations(seen) == []
    assert len(allowed) <= 3 * (days + 1)
    assert len({s.local.date() for s in allowed}) >= days - 1
    assert date(2026, 3, 1) <= min(s.local.date() for s in allowed)
