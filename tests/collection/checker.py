"""An independent conduct checker: given every attempt (with the facts that held when it was
made and the outcomes known at the end), list each allowed attempt that breaks a rule.

Written from the rules' text, not from `collection.guard`: it checks final-state invariants
(e.g. "no local day has more than 3 effective calls") instead of the guard's step-by-step
questions. Only the word lists are shared data.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from collection.rules import DEFAULT_DEBT_DISCLOSURE_WORDS, DEFAULT_THREATENING_WORDS

HOURS = {"CN": (time(8), time(22), False), "US": (time(8), time(21), True)}
WRITTEN = {"sms", "app_push", "email", "letter"}
FAILED = {"failed", "no_answer", "busy", "wrong_number", "unreachable"}


@dataclass(frozen=True)
class Seen:
    debt_id: int
    borrower_id: int
    jurisdiction: str
    time_zone: str
    channel: str
    at: datetime
    allowed: bool
    target: str = "borrower"
    purpose: str = "collection"
    message: str = ""
    amount: Decimal | None = None
    effective: bool | None = None
    outcome: str = ""
    case_open: bool = True
    cease_contact: bool = False
    disputed: bool = False
    promise_until: date | None = None
    guarantor_ok: bool = False
    limit: Decimal | None = None
    lender: str = "Example Consumer Finance"

    @property
    def local(self) -> datetime:
        return self.at.astimezone(ZoneInfo(self.time_zone))


def _has_word(text: str, words) -> bool:
    lowered = text.lower()
    for word in words:
        if word.isascii():
            if re.search(r"(?<![a-z0-9_])" + re.escape(word.lower()) + r"(?![a-z0-9_])", lowered):
                return True
        elif word in text:
            return True
    return False


def _single(a: Seen, earlier_allowed: list[Seen]) -> list[str]:
    notice = a.purpose == "required_notice" and a.channel in WRITTEN
    problems = []
    if not a.case_open and not notice:
        problems.append("contact on a closed case")
    if a.target == "third_party":
        problems.append("third party contacted")
    if a.target == "guarantor" and not a.guarantor_ok:
        problems.append("guarantor contacted without a contract clause")
    if a.target == "pre_agreed_contact":
        if a.purpose != "locate" or a.amount is not None:
            problems.append("pre-agreed contact used for collection")
        if _has_word(a.message, DEFAULT_DEBT_DISCLOSURE_WORDS):
            problems.append("debt disclosed to a pre-agreed contact")
        own = [e for e in earlier_allowed if e.target == "borrower" and e.at < a.at]
        if len(own) < 3 or any(e.outcome not in FAILED for e in own[-3:]):
            problems.append("pre-agreed contact while the borrower was reachable")
    if (a.cease_contact or a.disputed) and not notice:
        problems.append("contact despite cease-contact or dispute")
    if _has_word(a.message, DEFAULT_THREATENING_WORDS):
        problems.append("threatening message")
    if a.channel in WRITTEN and a.lender.lower() not in a.message.lower():
        problems.append("lender not identified")
    if a.amount is not None and a.limit is not None and a.amount > a.limit:
        problems.append("amount above the cost cap")
    if (
        a.promise_until is not None
        and a.local.date() <= a.promise_until
        and not (a.purpose in ("reminder", "required_notice") and a.channel in WRITTEN)
    ):
        problems.append("contact other than a reminder while a promise is open")
    if a.channel != "letter":
        start, end, inclusive = HOURS[a.jurisdiction]
        clock = a.local.time()
        if clock < start or clock > end or (clock == end and not inclusive):
            problems.append(f"quiet hours ({clock:%H:%M:%S} local)")
    return problems


def violations(attempts: list[Seen]) -> list[str]:
    found = []
    ordered = sorted(attempts, key=lambda a: a.at)
    allowed = [a for a in ordered if a.allowed]
    for a in allowed:
        found += [f"{a.channel} at {a.local}: {p}" for p in _single(a, allowed)]

    calls = [a for a in allowed if a.channel == "call"]
    # CN: at most 3 effective (or never resolved) calls per debtor per local day.
    per_day = defaultdict(int)
    for c in calls:
        if c.jurisdiction == "CN" and c.effective is not False:
            per_day[(c.borrower_id, c.local.date())] += 1
    found += [f"{n} effective calls on {key}" for key, n in per_day.items() if n > 3]

    # US: at most 7 calls in any 7 consecutive local days, per debt; none for 7 days after a
    # conversation (the conversation's day is the first of the 7).
    by_debt = defaultdict(list)
    for c in calls:
        if c.jurisdiction == "US":
            by_debt[c.debt_id].append(c)
    for debt, debt_calls in by_debt.items():
        days = sorted(c.local.date() for c in debt_calls)
        for first in days:
            in_window = sum(1 for d in days if first <= d <= first + timedelta(days=6))
            if in_window > 7:
                found.append(f"{in_window} calls on debt {debt} from {first}")
        for talk in debt_calls:
            if talk.effective is False:
                continue
            for later in debt_calls:
                if later.at > talk.at and later.local.date() < talk.local.date() + timedelta(7):
                    found.append(f"call on debt {debt} at {later.local} after talk {talk.local}")
    return found
