"""The conduct guard's rules, each allowed and refused at its boundary. Pure: no database."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from collection.guard import (
    ALLOW,
    DEFER,
    DENY,
    AttemptRequest,
    CaseFacts,
    PastAttempt,
    PrincipalSpan,
    collectible_limit,
    contact_decide,
)
from collection.rules import rules_for

from .clock import at

CN = rules_for("CN")
US = rules_for("US")
LENDER = "Example Consumer Finance"
SHANGHAI, NEW_YORK = "Asia/Shanghai", "America/New_York"
SMS = f"{LENDER}: your installment is overdue, please pay."


def ask(when, *, zone=SHANGHAI, rules=CN, history=(), debt=1, facts=None, **request):
    request.setdefault("channel", "call")
    facts = facts or CaseFacts(time_zone=zone, lender_name=LENDER)
    return contact_decide(
        request=AttemptRequest(at=when, debt_id=debt, **request),
        facts=facts,
        history=list(history),
        rules=rules,
    )


def call(when, *, effective=True, debt=1, target="borrower", outcome=None):
    if outcome is None:
        outcome = {True: "connected", False: "no_answer", None: ""}[effective]
    return PastAttempt(
        channel="call",
        at=when,
        debt_id=debt,
        allowed=True,
        target=target,
        effective=effective,
        outcome=outcome,
    )


class TestQuietHoursChina:
    @pytest.mark.parametrize(
        ("clock", "outcome"),
        [("21:59", ALLOW), ("22:00", DEFER), ("07:59", DEFER), ("08:00", ALLOW)],
    )
    def test_borrower_in_shanghai(self, clock, outcome):
        # Given a borrower in Shanghai, when a call is asked for at `clock` their time
        decision = ask(at("2026-01-15", clock, SHANGHAI))
        # then 22:00-08:00 is refused until the next opening
        assert decision.outcome == outcome
        if outcome == DEFER:
            assert decision.rule == "quiet_hours"

    def test_deferral_names_the_next_opening(self):
        late = ask(at("2026-01-15", "22:00", SHANGHAI))
        early = ask(at("2026-01-15", "07:59", SHANGHAI))
        assert late.next_allowed_at == at("2026-01-16", "08:00", SHANGHAI)
        assert early.next_allowed_at == at("2026-01-15", "08:00", SHANGHAI)

    @pytest.mark.parametrize(
        ("shanghai_clock", "outcome"),
        # New York is 13 hours behind Shanghai in January.
        [("10:59", ALLOW), ("11:00", DEFER), ("20:59", DEFER), ("21:00", ALLOW)],
    )
    def test_borrower_in_new_york_uses_their_clock_not_the_servers(self, shanghai_clock, outcome):
        # Given a CN-rules borrower living in New York, when asked at a Shanghai (server) time
        decision = ask(at("2026-01-15", shanghai_clock, SHANGHAI), zone=NEW_YORK)
        # then 21:59 / 22:00 / 07:59 / 08:00 New York time decide
        assert decision.outcome == outcome

    def test_new_york_deferral_is_to_eight_new_york_time(self):
        decision = ask(at("2026-01-15", "11:00", SHANGHAI), zone=NEW_YORK)
        assert decision.next_allowed_at == at("2026-01-15", "08:00", NEW_YORK)
        assert decision.next_allowed_at.astimezone(ZoneInfo(SHANGHAI)).hour == 21

    def test_quiet_hours_apply_to_messages_but_not_posted_letters(self):
        night = at("2026-01-15", "23:30", SHANGHAI)
        assert ask(night, channel="sms", message=SMS).outcome == DEFER
        assert ask(night, channel="letter", message=SMS).outcome == ALLOW


class TestQuietHoursRegulationF:
    @pytest.mark.parametrize(
        ("clock", "outcome"),
        [
            ("20:59", ALLOW),
            ("21:00", ALLOW),
            ("21:00:01", DEFER),
            ("07:59", DEFER),
            ("08:00", ALLOW),
        ],
    )
    def test_new_york(self, clock, outcome):
        assert ask(at("2026-03-02", clock, NEW_YORK), zone=NEW_YORK, rules=US).outcome == outcome

    def test_borrower_in_shanghai_under_us_rules(self):
        # 09:30 in New York (the server could be anywhere) is 22:30 in Shanghai.
        when = at("2026-03-02", "09:30", NEW_YORK)
        decision = ask(when, zone=SHANGHAI, rules=US)
        assert decision.outcome == DEFER
        assert decision.next_allowed_at == at("2026-03-03", "08:00", SHANGHAI)

    def test_daylight_saving_day_opens_at_eight_local(self):
        # 2026-03-08 New York springs forward at 02:00.
        decision = ask(at("2026-03-08", "03:30", NEW_YORK), zone=NEW_YORK, rules=US)
        assert decision.next_allowed_at == at("2026-03-08", "08:00", NEW_YORK)
        assert decision.next_allowed_at.utcoffset() == timedelta(hours=-4)


class TestEffectiveCallsPerDay:
    def day(self, *clocks, effective=True, debt=1):
        return [call(at("2026-01-15", c, SHANGHAI), effective=effective, debt=debt) for c in clocks]

    def test_third_call_allowed_fourth_deferred(self):
        third = ask(at("2026-01-15", "15:00", SHANGHAI), history=self.day("09:00", "10:00"))
        fourth = ask(
            at("2026-01-15", "15:00", SHANGHAI), history=self.day("09:00", "10:00", "11:00")
        )
        assert third.outcome == ALLOW
        assert fourth.outcome == DEFER
        assert fourth.rule == "effective_calls_per_day"
        assert fourth.next_allowed_at == at("2026-01-16", "08:00", SHANGHAI)

    def test_unanswered_calls_do_not_count(self):
        history = self.day("09:00", "10:00") + self.day("11:00", "12:00", "13:00", effective=False)
        assert ask(at("2026-01-15", "15:00", SHANGHAI), history=history).outcome == ALLOW

    def test_a_call_without_an_outcome_yet_counts(self):
        history = self.day("09:00", "10:00") + self.day("11:00", effective=None)
        assert ask(at("2026-01-15", "15:00", SHANGHAI), history=history).outcome == DEFER

    def test_counted_per_debtor_across_their_debts(self):
        history = self.day("09:00", debt=1) + self.day("10:00", "11:00", debt=2)
        assert ask(at("2026-01-15", "15:00", SHANGHAI), history=history, debt=3).outcome == DEFER

    def test_day_is_the_borrowers_local_day(self):
        # Three effective calls on the New York evening of the 14th are Shanghai morning of the
        # 15th; a New York-morning call on the 15th is a new day for the borrower.
        history = [call(at("2026-01-14", c, NEW_YORK)) for c in ("19:00", "20:00", "21:00")]
        when = at("2026-01-15", "08:30", NEW_YORK)
        assert (
            when.astimezone(ZoneInfo(SHANGHAI)).date()
            == history[0].at.astimezone(ZoneInfo(SHANGHAI)).date()
        )
        assert ask(when, zone=NEW_YORK, history=history).outcome == ALLOW
        assert (
            ask(at("2026-01-14", "21:30", NEW_YORK), zone=NEW_YORK, history=history).outcome
            == DEFER
        )

    def test_messages_are_not_calls(self):
        history = self.day("09:00", "10:00", "11:00")
        assert ask(
            at("2026-01-15", "15:00", SHANGHAI), history=history, channel="sms", message=SMS
        ).allowed


class TestSevenInSeven:
    def calls_on(self, *days, debt=1):
        return [call(at(day, "10:00", NEW_YORK), effective=False, debt=debt) for day in days]

    def ask_us(self, when, history, debt=1):
        return ask(when, zone=NEW_YORK, rules=US, history=history, debt=debt)

    def test_seventh_allowed_eighth_deferred(self):
        six = self.calls_on(*(f"2026-03-0{d}" for d in range(2, 8)))  # 2nd..7th
        seven = six + self.calls_on("2026-03-08")
        when = at("2026-03-08", "15:00", NEW_YORK)
        assert self.ask_us(when, six).outcome == ALLOW
        decision = self.ask_us(when, seven)
        assert decision.outcome == DEFER
        assert decision.rule == "call_attempts_in_window"
        # The 2nd drops out of the window on the 9th.
        assert decision.next_allowed_at == at("2026-03-09", "08:00", NEW_YORK)

    def test_window_is_seven_consecutive_days(self):
        # Seven calls from the 1st to the 7th; on the 8th the window is the 2nd..8th: six.
        history = self.calls_on(*(f"2026-03-0{d}" for d in range(1, 8)))
        assert self.ask_us(at("2026-03-08", "09:00", NEW_YORK), history).outcome == ALLOW
        assert self.ask_us(at("2026-03-07", "18:00", NEW_YORK), history).outcome == DEFER

    def test_per_debt(self):
        history = self.calls_on(*(f"2026-03-0{d}" for d in range(2, 9)), debt=2)
        assert self.ask_us(at("2026-03-08", "15:00", NEW_YORK), history).outcome == ALLOW

    def test_back_dated_request_counts_later_calls_too(self):
        # Seven calls between the 3rd and the 8th: the window 2nd..8th is full.
        history = self.calls_on(*(f"2026-03-0{d}" for d in (3, 4, 5, 5, 6, 7, 8)))
        assert self.ask_us(at("2026-03-02", "15:00", NEW_YORK), history).outcome == DEFER
        assert self.ask_us(at("2026-03-01", "15:00", NEW_YORK), history).outcome == ALLOW


class TestConversationCooldown:
    def test_no_call_within_seven_days_after_a_conversation(self):
        talk = [call(at("2026-03-02", "10:00", NEW_YORK), effective=True)]
        day_seven = ask(at("2026-03-08", "20:00", NEW_YORK), zone=NEW_YORK, rules=US, history=talk)
        day_eight = ask(at("2026-03-09", "08:00", NEW_YORK), zone=NEW_YORK, rules=US, history=talk)
        assert day_seven.outcome == DEFER
        assert day_seven.rule == "conversation_cooldown"
        assert day_seven.next_allowed_at == at("2026-03-09", "08:00", NEW_YORK)
        assert day_eight.outcome == ALLOW

    def test_unanswered_call_is_not_a_conversation_but_an_unrecorded_one_might_be(self):
        when = at("2026-03-03", "10:00", NEW_YORK)
        missed = [call(at("2026-03-02", "10:00", NEW_YORK), effective=False)]
        unknown = [call(at("2026-03-02", "10:00", NEW_YORK), effective=None)]
        assert ask(when, zone=NEW_YORK, rules=US, history=missed).outcome == ALLOW
        assert ask(when, zone=NEW_YORK, rules=US, history=unknown).outcome == DEFER

    def test_other_debt_conversation_does_not_block(self):
        talk = [call(at("2026-03-02", "10:00", NEW_YORK), debt=2)]
        assert ask(
            at("2026-03-03", "10:00", NEW_YORK), zone=NEW_YORK, rules=US, history=talk
        ).allowed

    def test_deferral_finds_the_first_time_every_timing_rule_passes(self):
        # Asked at 23:00 on the 6th: quiet hours say the 7th at 08:00, the cooldown the 9th.
        talk = [call(at("2026-03-02", "10:00", NEW_YORK))]
        decision = ask(at("2026-03-06", "23:00", NEW_YORK), zone=NEW_YORK, rules=US, history=talk)
        assert decision.rule == "quiet_hours"
        assert decision.next_allowed_at == at("2026-03-09", "08:00", NEW_YORK)


NOON = at("2026-01-15", "12:00", SHANGHAI)


class TestThirdParties:
    def failed(self, n, outcome="no_answer"):
        return [
            call(NOON - timedelta(hours=24 * (i + 1)), effective=False, outcome=outcome)
            for i in range(n)
        ]

    def test_third_party_never(self):
        decision = ask(NOON, target="third_party")
        assert (decision.outcome, decision.rule) == (DENY, "third_party_contact")

    def test_pre_agreed_contact_only_when_borrower_unreachable(self):
        request = {"target": "pre_agreed_contact", "purpose": "locate", "message": "请他回电"}
        assert ask(NOON, history=self.failed(2), **request).outcome == DENY
        assert ask(NOON, history=self.failed(3), **request).outcome == ALLOW

    def test_an_attempt_without_outcome_keeps_the_borrower_reachable(self):
        history = self.failed(3) + [call(NOON - timedelta(hours=1), effective=None)]
        request = {"target": "pre_agreed_contact", "purpose": "locate", "message": "请他回电"}
        assert ask(NOON, history=history, **request).outcome == DENY

    @pytest.mark.parametrize(
        "message", ["请转告他尽快还款", "Tell him the loan is overdue", "Ask him about his debt"]
    )
    def test_pre_agreed_contact_never_told_of_the_debt(self, message):
        decision = ask(
            NOON,
            history=self.failed(3),
            target="pre_agreed_contact",
            purpose="locate",
            message=message,
        )
        assert (decision.outcome, decision.rule) == (DENY, "third_party_contact")

    def test_pre_agreed_contact_not_for_collection(self):
        decision = ask(NOON, history=self.failed(3), target="pre_agreed_contact")
        assert decision.outcome == DENY

    def test_guarantor_only_where_the_contract_allows(self):
        allowed = CaseFacts(time_zone=SHANGHAI, lender_name=LENDER, guarantor_contact_allowed=True)
        assert ask(NOON, target="guarantor").rule == "guarantor_not_in_contract"
        assert ask(NOON, target="guarantor", facts=allowed).outcome == ALLOW


class TestFlags:
    def facts(self, **flags):
        return CaseFacts(time_zone=SHANGHAI, lender_name=LENDER, **flags)

    @pytest.mark.parametrize("flag", ["cease_contact", "disputed"])
    def test_flag_stops_contact_but_required_notices(self, flag):
        facts = self.facts(**{flag: True})
        stopped = ask(NOON, facts=facts, channel="sms", message=SMS)
        notice = ask(NOON, facts=facts, channel="letter", message=SMS, purpose="required_notice")
        assert (stopped.outcome, stopped.rule) == (DENY, flag)
        assert notice.outcome == ALLOW
        assert ask(NOON, facts=self.facts(), channel="sms", message=SMS).outcome == ALLOW
        # A call labelled as a notice is still a call.
        assert ask(NOON, facts=facts, channel="call", purpose="required_notice").rule == flag

    def test_open_promise_only_reminders_until_its_date(self):
        facts = self.facts(promise_open_until=date(2026, 1, 20))
        collection = ask(NOON, facts=facts, channel="sms", message=SMS)
        reminder = ask(NOON, facts=facts, channel="sms", message=SMS, purpose="reminder")
        after = ask(at("2026-01-21", "09:00", SHANGHAI), facts=facts, channel="sms", message=SMS)
        assert (collection.outcome, collection.rule) == (DEFER, "promise_to_pay_open")
        assert collection.next_allowed_at == at("2026-01-21", "08:00", SHANGHAI)
        assert reminder.outcome == ALLOW
        assert after.outcome == ALLOW
        assert ask(NOON, facts=facts, purpose="reminder").rule == "promise_to_pay_open"  # a call

    def test_closed_case(self):
        assert ask(NOON, facts=self.facts(case_open=False)).rule == "case_closed"


class TestMessages:
    @pytest.mark.parametrize(
        "message",
        [
            f"{LENDER}: 再不还款就爆通讯录",
            f"{LENDER}: pay or we will tell your employer",
            f"{LENDER}: you could go to JAIL",
        ],
    )
    def test_threatening_language(self, message):
        decision = ask(NOON, channel="sms", message=message)
        assert (decision.outcome, decision.rule) == (DENY, "threatening_language")

    def test_words_match_whole_english_words_only(self):
        assert ask(NOON, channel="sms", message=f"{LENDER}: skilled staff can help").allowed

    def test_written_message_must_name_the_lender(self):
        decision = ask(NOON, channel="sms", message="Your installment is overdue.")
        assert (decision.outcome, decision.rule) == (DENY, "lender_not_identified")
        assert ask(NOON, channel="sms", message=SMS).allowed
        assert ask(NOON, channel="call").allowed  # said, not written

    def test_configured_words(self):
        rules = CN.with_threatening_words(("final warning",))
        decision = ask(NOON, rules=rules, channel="sms", message=f"{LENDER}: final warning")
        assert decision.rule == "threatening_language"


class TestCostCap:
    def test_amount_at_the_cap_allowed_above_refused(self):
        facts = CaseFacts(
            time_zone=SHANGHAI, lender_name=LENDER, collectible_limit=Decimal("1000.00")
        )
        at_cap = ask(
            NOON, facts=facts, channel="sms", message=SMS, amount_demanded=Decimal("1000.00")
        )
        above = ask(
            NOON, facts=facts, channel="sms", message=SMS, amount_demanded=Decimal("1000.01")
        )
        assert at_cap.outcome == ALLOW
        assert (above.outcome, above.rule) == (DENY, "amount_above_cost_cap")

    def test_collectible_limit(self):
        # 1000 outstanding for 365 days at a 24% cap allows 240 of charges; 100 were paid.
        limit = collectible_limit(
            principal_outstanding=Decimal("1000"),
            spans=[PrincipalSpan(Decimal("1000"), date(2025, 1, 1), date(2026, 1, 1))],
            charges_paid=Decimal("100"),
            cap_rate=Decimal("0.24"),
        )
        assert limit == Decimal("1140.00")

    def test_charges_beyond_the_allowance_leave_principal_only(self):
        limit = collectible_limit(
            principal_outstanding=Decimal("500"),
            spans=[PrincipalSpan(Decimal("500"), date(2025, 1, 1), date(2025, 1, 31))],
            charges_paid=Decimal("999"),
            cap_rate=Decimal("0.24"),
        )
        assert limit == Decimal("500.00")


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        ask(datetime(2026, 1, 15, 12, 0))
