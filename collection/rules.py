"""Conduct rules for contacting debtors, as data per jurisdiction. Pure Python: no Django.

A `ConductRules` value holds every knob the guard (`collection.guard`) reads; jurisdictions are
entries of a registry (`register_rules`, `rules_for`). Shipped:

* ``CN`` — ``CN-NIFA-2018/2025``: the NIFA self-discipline convention on internet-finance
  collection (互联网金融逾期债务催收自律公约, 2018) and the 2025 post-loan collection standard:
  no contact between 22:00 and 08:00 in the borrower's local time; at most 3 effective
  interactive calls per debtor per day, across the lender and its agencies (they all record
  their attempts here); never contact third parties about the debt — pre-agreed contacts only to
  re-establish contact with an unreachable borrower, without disclosing the debt; never demand
  more than the legal cost cap allows; every attempt recorded and kept 5 years.
* ``US`` — ``US-RegF`` (12 CFR 1006, Regulation F), as an example: no communication before
  08:00 or after 21:00 local time (21:00 itself is allowed: "after 9 p.m."); at most 7 call
  attempts within 7 consecutive days per debt, and none within 7 days after a telephone
  conversation about that debt (the day of the call or conversation is the first of the 7).

Both forbid threatening language and require the lender to be identified in written messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time
from enum import StrEnum

__all__ = [
    "CALL",
    "CHANNELS",
    "DEFAULT_DEBT_DISCLOSURE_WORDS",
    "DEFAULT_THREATENING_WORDS",
    "EFFECTIVE_CALL_OUTCOMES",
    "FAILED_OUTCOMES",
    "HUMAN_CHANNELS",
    "SMS",
    "VISIT",
    "WRITTEN_CHANNELS",
    "ConductRules",
    "Purpose",
    "Rule",
    "Target",
    "UnknownJurisdiction",
    "jurisdictions",
    "register_rules",
    "rules_for",
]


class Rule(StrEnum):
    """The names recorded in `ContactAttempt.blocked_by`."""

    CASE_CLOSED = "case_closed"
    THIRD_PARTY_CONTACT = "third_party_contact"
    GUARANTOR_NOT_IN_CONTRACT = "guarantor_not_in_contract"
    CEASE_CONTACT = "cease_contact"
    DISPUTED = "disputed"
    THREATENING_LANGUAGE = "threatening_language"
    LENDER_NOT_IDENTIFIED = "lender_not_identified"
    AMOUNT_ABOVE_COST_CAP = "amount_above_cost_cap"
    PROMISE_TO_PAY_OPEN = "promise_to_pay_open"
    QUIET_HOURS = "quiet_hours"
    EFFECTIVE_CALLS_PER_DAY = "effective_calls_per_day"
    CALL_ATTEMPTS_IN_WINDOW = "call_attempts_in_window"
    CONVERSATION_COOLDOWN = "conversation_cooldown"
    UNKNOWN_JURISDICTION = "unknown_jurisdiction"


class Target(StrEnum):
    BORROWER = "borrower"
    GUARANTOR = "guarantor"
    PRE_AGREED_CONTACT = "pre_agreed_contact"
    THIRD_PARTY = "third_party"


class Purpose(StrEnum):
    COLLECTION = "collection"
    REMINDER = "reminder"
    REQUIRED_NOTICE = "required_notice"
    LOCATE = "locate"  # re-establish contact with an unreachable borrower


CALL = "call"
SMS = "sms"
VISIT = "visit"
CHANNELS = ("sms", "app_push", "email", "call", "letter", "visit")
WRITTEN_CHANNELS = frozenset({"sms", "app_push", "email", "letter"})
HUMAN_CHANNELS = frozenset({"call", "visit"})

EFFECTIVE_CALL_OUTCOMES = frozenset({"connected", "promise_made", "refused_to_pay"})
FAILED_OUTCOMES = frozenset({"failed", "no_answer", "busy", "wrong_number", "unreachable"})

DEFAULT_THREATENING_WORDS: tuple[str, ...] = (
    # Chinese: threats of violence, exposure, arrest, or pressure through family and employer.
    "威胁",
    "恐吓",
    "暴力",
    "弄死",
    "打死",
    "砍",
    "后果自负",
    "走着瞧",
    "曝光",
    "通讯录",
    "爆通讯录",
    "告诉你家人",
    "通知你单位",
    "坐牢",
    "抓你",
    "拘留",
    "黑社会",
    "上门找你",
    # English.
    "threat",
    "kill",
    "hurt you",
    "violence",
    "arrest",
    "jail",
    "prison",
    "expose you",
    "shame",
    "your employer",
    "your family will",
    "you will regret",
)
"""Words that make a message threatening. Replace or extend per deployment (settings
`COLLECTION_THREATENING_WORDS`). ASCII entries match whole words, case-insensitively; Chinese
entries match anywhere."""

DEFAULT_DEBT_DISCLOSURE_WORDS: tuple[str, ...] = (
    "欠款",
    "欠钱",
    "逾期",
    "催收",
    "还款",
    "借款",
    "贷款",
    "债",
    "debt",
    "owe",
    "owes",
    "overdue",
    "past due",
    "loan",
    "repay",
    "repayment",
    "collection",
    "delinquent",
)
"""Words a message to a pre-agreed contact must not contain: it may only ask the borrower to
get in touch, never reveal the debt."""

_ALL_BUT_LETTERS = frozenset(CHANNELS) - {"letter"}


@dataclass(frozen=True, slots=True)
class ConductRules:
    """One jurisdiction's conduct rules; `None` switches a numeric rule off."""

    name: str
    jurisdiction: str
    source: str
    contact_from: time
    contact_until: time
    contact_until_inclusive: bool = False
    # Posted letters are not delivered at a time of the collector's choosing.
    quiet_hours_channels: frozenset[str] = _ALL_BUT_LETTERS
    max_effective_calls_per_day: int | None = None
    call_window_days: int | None = None
    max_calls_in_window: int | None = None
    conversation_cooldown_days: int | None = None
    # A borrower whose last N resolved attempts all failed counts as unreachable.
    unreachable_after_failed_attempts: int = 3
    threatening_words: tuple[str, ...] = DEFAULT_THREATENING_WORDS
    debt_disclosure_words: tuple[str, ...] = DEFAULT_DEBT_DISCLOSURE_WORDS
    enforce_cost_cap: bool = True
    require_lender_identification: bool = True
    retention_years: int = 5
    notes: tuple[str, ...] = field(default_factory=tuple)

    def with_threatening_words(self, words: tuple[str, ...]) -> ConductRules:
        return replace(self, threatening_words=tuple(words))


class UnknownJurisdiction(KeyError):
    """No conduct rules are registered for the jurisdiction: nobody may be contacted."""


_REGISTRY: dict[str, ConductRules] = {}


def register_rules(rules: ConductRules) -> None:
    """Add or replace a jurisdiction's rules."""
    _REGISTRY[rules.jurisdiction.upper()] = rules


def rules_for(jurisdiction: str) -> ConductRules:
    try:
        return _REGISTRY[jurisdiction.upper()]
    except KeyError:
        raise UnknownJurisdiction(jurisdiction) from None


def jurisdictions() -> list[str]:
    return sorted(_REGISTRY)


register_rules(
    ConductRules(
        name="CN-NIFA-2018/2025",
        jurisdiction="CN",
        source="NIFA collection self-discipline convention (2018); post-loan collection "
        "standard (2025)",
        contact_from=time(8, 0),
        contact_until=time(22, 0),
        max_effective_calls_per_day=3,
        notes=(
            "no contact 22:00-08:00 borrower local time",
            "at most 3 effective interactive calls per debtor per day, lender and agencies",
            "third parties never; pre-agreed contacts only to locate, without the debt",
            "no amount above the legal cost cap",
        ),
    )
)
register_rules(
    ConductRules(
        name="US-RegF",
        jurisdiction="US",
        source="12 CFR 1006 (Regulation F): 1006.6(b)(1)(i), 1006.14(b)(2)",
        contact_from=time(8, 0),
        contact_until=time(21, 0),
        contact_until_inclusive=True,
        call_window_days=7,
        max_calls_in_window=7,
        conversation_cooldown_days=7,
        notes=(
            "no communication before 08:00 or after 21:00 local time",
            "at most 7 call attempts within 7 consecutive days per debt",
            "no call within 7 days after a telephone conversation about the debt",
        ),
    )
)
