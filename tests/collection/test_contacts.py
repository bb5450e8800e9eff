"""Contacts logged by agents: every attempt recorded, the guard under a row lock, promises,
outcomes, and the attempt log's retention."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from collection.errors import CollectionError, ContactBlocked, PromiseError
from collection.models import ContactAttempt, PromiseToPay
from collection.services import contact_attempt_request, contact_outcome_record, promise_record
from loans.models import Loan

from . import factories as f
from .clock import at

SH = "Asia/Shanghai"
DAY = date(2026, 1, 15)
LENDER = "Example Consumer Finance"


def make_case(**kwargs):
    return f.open_case(f.loan(status="delinquent", days_past_due=5, **kwargs), date(2026, 1, 5))


def log(case, clock="10:00", day="2026-01-15", **kwargs):
    kwargs.setdefault("channel", "call")
    return contact_attempt_request(
        case_id=case.id, at=at(day, clock, SH), business_date=DAY, **kwargs
    )


@pytest.mark.django_db
class TestLoggingAttempts:
    def test_third_call_allowed_fourth_refused_all_recorded(self):
        case = make_case()
        agent = f.agent()
        for clock in ("09:00", "10:00", "11:00"):
            assert log(case, clock, agent=agent, outcome="connected").allowed
        fourth = log(case, "12:00", agent=agent)
        assert (fourth.allowed, fourth.blocked_by) == (False, "effective_calls_per_day")
        assert fourth.deferred_until == at("2026-01-16", "08:00", SH)
        assert ContactAttempt.objects.filter(case=case).count() == 4
        assert fourth.agent == agent and fourth.ruleset == "CN-NIFA-2018/2025"

    def test_limit_spans_the_borrowers_cases(self):
        person = f.borrower()
        first = make_case(person=person)
        second = make_case(person=person)
        log(first, "09:00", outcome="connected")
        log(second, "10:00", outcome="connected")
        log(first, "11:00", outcome="connected")
        assert log(second, "12:00").blocked_by == "effective_calls_per_day"

    def test_unrecorded_outcome_holds_the_next_call_until_recorded(self):
        case = make_case()
        log(case, "09:00", outcome="connected")
        log(case, "10:00", outcome="connected")
        open_call = log(case, "11:00")
        assert open_call.allowed and open_call.is_effective_interaction is None
        assert not log(case, "11:30").allowed
        contact_outcome_record(
            attempt_id=open_call.id, outcome="no_answer", recorded_at=at("2026-01-15", "11:40", SH)
        )
        assert log(case, "11:45").allowed

    def test_outcome_recorded_once_and_only_for_allowed_attempts(self):
        case = make_case()
        call = log(case)
        done = contact_outcome_record(
            attempt_id=call.id, outcome="connected", recorded_at=at("2026-01-15", "10:05", SH)
        )
        assert done.is_effective_interaction is True
        with pytest.raises(CollectionError):
            contact_outcome_record(
                attempt_id=call.id, outcome="busy", recorded_at=at("2026-01-15", "10:06", SH)
            )
        night = log(case, "23:00")
        with pytest.raises(CollectionError):
            contact_outcome_record(
                attempt_id=night.id, outcome="connected", recorded_at=at("2026-01-15", "23:01", SH)
            )

    def test_blocked_attempt_keeps_no_outcome(self):
        night = log(make_case(), "22:30", outcome="connected")
        assert (night.allowed, night.outcome, night.is_effective_interaction) == (False, "", None)

    def test_third_parties_and_guarantors(self):
        case = make_case()
        assert log(case, target="third_party").blocked_by == "third_party_contact"
        assert log(case, target="guarantor").blocked_by == "guarantor_not_in_contract"
        guaranteed = make_case(terms_snapshot={"guarantor_contact_allowed": True})
        assert log(guaranteed, target="guarantor").allowed

    def test_pre_agreed_contact_after_three_failed_attempts(self):
        case = make_case()
        for clock in ("09:00", "10:00", "11:00"):
            log(case, clock, outcome="wrong_number")
        locate = {"target": "pre_agreed_contact", "purpose": "locate", "channel": "call"}
        assert log(case, "12:00", message="请他给我们回电", **locate).allowed
        assert not log(case, "12:30", message="他的借款逾期了", **locate).allowed

    def test_unknown_jurisdiction_contacts_no_one(self):
        case = make_case(jurisdiction="ZZ")
        attempt = log(case)
        assert (attempt.allowed, attempt.blocked_by, attempt.ruleset) == (
            False,
            "unknown_jurisdiction",
            "none",
        )

    def test_configured_threatening_words(self, settings):
        settings.COLLECTION_THREATENING_WORDS = ["final warning"]
        message = f"{LENDER}: final warning"
        assert log(make_case(), channel="sms", message=message).blocked_by == "threatening_language"

    def test_bad_input_is_refused_before_anything_is_recorded(self):
        with pytest.raises(CollectionError):
            log(make_case(), channel="pigeon")
        assert not ContactAttempt.objects.exists()


@pytest.mark.django_db
class TestPromises:
    def test_promise_recorded_with_its_contact(self):
        case = make_case()
        promise = promise_record(
            case_id=case.id,
            amount=Decimal("218.00"),
            promised_date=DAY + timedelta(days=5),
            at=at("2026-01-15", "10:00", SH),
            business_date=DAY,
        )
        attempt = promise.contact_attempt
        assert (promise.status, promise.baseline_paid) == ("open", Decimal("0.00"))
        assert (attempt.outcome, attempt.is_effective_interaction) == ("promise_made", True)
        # While it is open, collection contacts wait for its date; reminders do not.
        after = log(case, "11:00", channel="sms", message=f"{LENDER}: please pay")
        assert after.blocked_by == "promise_to_pay_open"
        reminder = log(
            case, "11:00", channel="sms", message=f"{LENDER}: due soon", purpose="reminder"
        )
        assert reminder.allowed
        with pytest.raises(PromiseError):
            promise_record(
                case_id=case.id,
                amount=Decimal("1"),
                promised_date=DAY,
                at=at("2026-01-15", "12:00", SH),
                business_date=DAY,
            )

    def test_refused_promise_contact_is_recorded_and_raised(self):
        case = make_case()
        with pytest.raises(ContactBlocked) as refused:
            promise_record(
                case_id=case.id,
                amount=Decimal("100"),
                promised_date=DAY,
                at=at("2026-01-15", "22:15", SH),
                business_date=DAY,
            )
        assert refused.value.rule == "quiet_hours"
        assert ContactAttempt.objects.get(pk=refused.value.attempt_id).blocked_by == "quiet_hours"
        assert not PromiseToPay.objects.exists()

    def test_promise_above_the_cost_cap(self):
        case = make_case()
        with pytest.raises(ContactBlocked) as refused:
            promise_record(
                case_id=case.id,
                amount=Decimal("99999"),
                promised_date=DAY,
                at=at("2026-01-15", "10:00", SH),
                business_date=DAY,
            )
        assert refused.value.rule == "amount_above_cost_cap"

    @pytest.mark.parametrize("days", [-1, 31])
    def test_promise_date_window(self, days):
        with pytest.raises(PromiseError):
            promise_record(
                case_id=make_case().id,
                amount=Decimal("10"),
                promised_date=DAY + timedelta(days=days),
                at=at("2026-01-15", "10:00", SH),
                business_date=DAY,
            )


@pytest.mark.django_db
class TestRetention:
    def test_attempts_cannot_be_deleted_or_rewritten(self):
        attempt = log(make_case())
        assert attempt.retain_until == date(2031, 1, 15)
        with pytest.raises(DatabaseError), transaction.atomic():
            ContactAttempt.objects.filter(pk=attempt.pk).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            ContactAttempt.objects.filter(pk=attempt.pk).update(allowed=False, blocked_by="x")
        ContactAttempt.objects.filter(pk=attempt.pk).update(outcome="busy")
        assert ContactAttempt.objects.get(pk=attempt.pk).outcome == "busy"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_cannot_both_make_the_third_call():
    # Given two effective calls today
    case = make_case()
    log(case, "09:00", outcome="connected")
    log(case, "10:00", outcome="connected")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def agent_asks(clock):
        try:
            barrier.wait(timeout=10)
            results.append(log(case, clock).allowed)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    # When two agents ask for the third call at the same moment
    threads = [threading.Thread(target=agent_asks, args=(c,)) for c in ("11:00", "11:00:01")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Then exactly one is allowed (the other sees the first's call as possibly effective)
    assert errors == []
    assert sorted(results) == [False, True]
    assert Loan.objects.count() == 1
