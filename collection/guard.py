"""The conduct guard: may this contact happen now? A pure function over plain data.

`contact_decide` looks at one requested attempt, the facts of its case, the debtor's recent
attempt history and a jurisdiction's `ConductRules`, and answers allow, deny (never, as things
stand) or defer (not now; `next_allowed_at` says when). It never touches the database: the
service in `collection.services.contacts` loads the history under a row lock, asks, and records
the answer whatever it is.

Counting is conservative where an outcome is not known yet: an allowed call whose outcome has
not been recorded counts as an effective interaction (CN's 3 a day) and as a conversation (US's
7-day cooldown). Otherwise two agents could each be allowed "the third call" before either had
recorded how the previous one went.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .rules import CALL, FAILED_OUTCOMES, WRITTEN_CHANNELS, ConductRules, Purpose, Rule, Target

__all__ = [
    "ALLOW",
    "DEFER",
    "DENY",
    "AttemptRequest",
    "CaseFacts",
    "Decision",
    "PastAttempt",
    "PrincipalSpan",
    "collectible_limit",
    "contact_decide",
    "contains_any",
    "local_time",
]

ALLOW, DENY, DEFER = "allow", "deny", "defer"
CENT = Decimal("0.01")
# Deferral search: each step moves at least to the next local day's opening; a few weeks is
# more than any shipped rule can need.
_MAX_DEFER_STEPS = 60


@dataclass(frozen=True, slots=True)
class AttemptRequest:
    channel: str
    at: datetime
    debt_id: int
    target: str = Target.BORROWER
    purpose: str = Purpose.COLLECTION
    message: str = ""
    amount_demanded: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PastAttempt:
    """An attempt already recorded for the same debtor (any of their debts)."""

    channel: str
    at: datetime
    debt_id: int
    allowed: bool
    target: str = Target.BORROWER
    effective: bool | None = None  # calls: an interactive conversation; None: not known yet
    outcome: str = ""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    time_zone: str
    lender_name: str
    case_open: bool = True
    cease_contact: bool = False
    disputed: bool = False
    promise_open_until: date | None = None
    guarantor_contact_allowed: bool = False
    collectible_limit: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str
    rule: str = ""
    reason: str = ""
    next_allowed_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOW


_ALLOWED = Decision(ALLOW)


@dataclass(frozen=True, slots=True)
class PrincipalSpan:
    """Principal outstanding from `start` until `end` (its repayment, or the as-of date)."""

    amount: Decimal
    start: date
    end: date


def collectible_limit(
    *,
    principal_outstanding: Decimal,
    spans: Sequence[PrincipalSpan],
    charges_paid: Decimal,
    cap_rate: Decimal,
    day_basis: int = 365,
) -> Decimal:
    """The most a lender may demand under an all-in cost cap: the principal still owed plus
    whatever part of the cap's allowance (cap × principal × days outstanding, per span) the
    borrower has not already paid as interest, fees and penalties."""
    allowance = sum(
        (span.amount * cap_rate * Decimal(max((span.end - span.start).days, 0)) for span in spans),
        Decimal(0),
    ) / Decimal(day_basis)
    unpaid_allowance = max(allowance - charges_paid, Decimal(0))
    return (principal_outstanding + unpaid_allowance).quantize(CENT, rounding=ROUND_DOWN)


@lru_cache(maxsize=64)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for word in words:
        word = word.strip()
        if not word:
            continue
        # Whole words for Latin script ("kill" must not match "skill"); CJK has no spaces.
        parts.append(rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word))
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def contains_any(text: str, words: tuple[str, ...]) -> str | None:
    """The first listed word found in `text`, or None."""
    pattern = _word_pattern(tuple(words))
    if pattern is None or not text:
        return None
    found = pattern.search(text)
    return found.group(0) if found else None


def local_time(at: datetime, time_zone: str) -> datetime:
    if at.tzinfo is None:
        raise ValueError("attempt times must be timezone-aware")
    return at.astimezone(ZoneInfo(time_zone))


def _opening(day: date, rules: ConductRules, time_zone: str) -> datetime:
    return datetime.combine(day, rules.contact_from, tzinfo=ZoneInfo(time_zone))


def _within_hours(clock: time, rules: ConductRules) -> bool:
    if clock < rules.contact_from:
        return False
    if rules.contact_until_inclusive:
        return clock <= rules.contact_until
    return clock < rules.contact_until


def _borrower_unreachable(at: datetime, history: Sequence[PastAttempt], rules: ConductRules):
    """The borrower's last N allowed attempts all failed. An attempt without an outcome yet
    does not count as failed: it might still reach them."""
    tried = sorted(
        (
            past
            for past in history
            if past.allowed and past.target == Target.BORROWER and past.at <= at
        ),
        key=lambda past: past.at,
    )
    needed = rules.unreachable_after_failed_attempts
    recent = tried[-needed:]
    return len(recent) == needed and all(past.outcome in FAILED_OUTCOMES for past in recent)


def _required_notice(request: AttemptRequest) -> bool:
    # Notices the law requires are written; a call labelled "notice" gets no exemption.
    return request.purpose == Purpose.REQUIRED_NOTICE and request.channel in WRITTEN_CHANNELS


def _deny(rule: Rule, reason: str) -> Decision:
    return Decision(DENY, rule.value, reason)


def _refusal(request: AttemptRequest, facts: CaseFacts, history, rules) -> Decision | None:
    """Rules no waiting can satisfy."""
    exempt = _required_notice(request)
    if not facts.case_open and not exempt:
        return _deny(Rule.CASE_CLOSED, _("The case is closed."))
    if request.target == Target.THIRD_PARTY:
        return _deny(Rule.THIRD_PARTY_CONTACT, _("Third parties are never contacted about a debt."))
    if request.target == Target.GUARANTOR and not facts.guarantor_contact_allowed:
        return _deny(
            Rule.GUARANTOR_NOT_IN_CONTRACT, _("The contract does not allow contacting a guarantor.")
        )
    if request.target == Target.PRE_AGREED_CONTACT:
        if request.purpose != Purpose.LOCATE:
            return _deny(
                Rule.THIRD_PARTY_CONTACT,
                _("A pre-agreed contact may only be asked to pass on a request to get in touch."),
            )
        if not _borrower_unreachable(request.at, history, rules):
            return _deny(
                Rule.THIRD_PARTY_CONTACT,
                _("The borrower is reachable: pre-agreed contacts are for unreachable borrowers."),
            )
        word = contains_any(request.message, rules.debt_disclosure_words)
        if word or request.amount_demanded is not None:
            return _deny(
                Rule.THIRD_PARTY_CONTACT,
                _("A message to a pre-agreed contact may not disclose the debt (%(word)s).")
                % {"word": word or _("amount")},
            )
    if facts.cease_contact and not exempt:
        return _deny(Rule.CEASE_CONTACT, _("The borrower asked us to stop contacting them."))
    if facts.disputed and not exempt:
        return _deny(Rule.DISPUTED, _("The debt is disputed; only required notices may be sent."))
    word = contains_any(request.message, rules.threatening_words)
    if word:
        return _deny(
            Rule.THREATENING_LANGUAGE,
            _("The message contains threatening language: %(word)r.") % {"word": word},
        )
    if rules.require_lender_identification and request.channel in WRITTEN_CHANNELS:
        lender = facts.lender_name.strip()
        if not lender or lender.casefold() not in request.message.casefold():
            return _deny(Rule.LENDER_NOT_IDENTIFIED, _("A written message must name the lender."))
    if (
        rules.enforce_cost_cap
        and request.amount_demanded is not None
        and facts.collectible_limit is not None
        and request.amount_demanded > facts.collectible_limit
    ):
        return _deny(
            Rule.AMOUNT_ABOVE_COST_CAP,
            _("%(demanded)s demanded; the cost cap allows at most %(limit)s.")
            % {"demanded": request.amount_demanded, "limit": facts.collectible_limit},
        )
    return None


def _timing(at: datetime, request, facts: CaseFacts, history, rules) -> Decision:
    """Rules that waiting satisfies; a deferral says until when this rule alone forbids."""
    zone = facts.time_zone
    local = local_time(at, zone)
    today = local.date()
    exempt = _required_notice(request) or (
        request.purpose == Purpose.REMINDER and request.channel in WRITTEN_CHANNELS
    )
    if facts.promise_open_until is not None and not exempt and today <= facts.promise_open_until:
        return Decision(
            DEFER,
            Rule.PROMISE_TO_PAY_OPEN.value,
            _("A promise to pay is open until %(until)s; only reminders.")
            % {"until": facts.promise_open_until},
            _opening(facts.promise_open_until + timedelta(days=1), rules, zone),
        )
    if request.channel in rules.quiet_hours_channels and not _within_hours(local.time(), rules):
        day = today if local.time() < rules.contact_from else today + timedelta(days=1)
        return Decision(
            DEFER,
            Rule.QUIET_HOURS.value,
            _("%(now)s is outside %(start)s-%(end)s borrower local time (%(zone)s).")
            % {
                "now": f"{local:%H:%M}",
                "start": f"{rules.contact_from:%H:%M}",
                "end": f"{rules.contact_until:%H:%M}",
                "zone": zone,
            },
            _opening(day, rules, zone),
        )
    if request.channel != CALL:
        return _ALLOWED
    calls = [past for past in history if past.allowed and past.channel == CALL]
    if rules.max_effective_calls_per_day is not None:
        effective_today = sum(
            1
            for past in calls
            if past.effective is not False and local_time(past.at, zone).date() == today
        )
        if effective_today >= rules.max_effective_calls_per_day:
            return Decision(
                DEFER,
                Rule.EFFECTIVE_CALLS_PER_DAY.value,
                _("%(calls)s effective (or unresolved) calls today; at most %(most)s a day.")
                % {"calls": effective_today, "most": rules.max_effective_calls_per_day},
                _opening(today + timedelta(days=1), rules, zone),
            )
    same_debt = [past for past in calls if past.debt_id == request.debt_id]
    if rules.conversation_cooldown_days is not None:
        for past in same_debt:
            if past.effective is False or past.at > at:
                continue
            spoke_on = local_time(past.at, zone).date()
            resumes = spoke_on + timedelta(days=rules.conversation_cooldown_days)
            if today < resumes:
                return Decision(
                    DEFER,
                    Rule.CONVERSATION_COOLDOWN.value,
                    _(
                        "A telephone conversation (or an unresolved call) on %(on)s; no call "
                        "before %(resumes)s."
                    )
                    % {"on": spoke_on, "resumes": resumes},
                    _opening(resumes, rules, zone),
                )
    if rules.max_calls_in_window is not None and rules.call_window_days is not None:
        window = rules.call_window_days
        days = [local_time(past.at, zone).date() for past in same_debt]
        # Every window of `window` consecutive days that contains today must stay within the
        # limit with this call added (order-independent: back-dated logs are checked too).
        for start in (today - timedelta(days=offset) for offset in range(window)):
            end = start + timedelta(days=window - 1)
            placed = sum(1 for day in days if start <= day <= end)
            if placed >= rules.max_calls_in_window:
                return Decision(
                    DEFER,
                    Rule.CALL_ATTEMPTS_IN_WINDOW.value,
                    _(
                        "%(placed)s calls between %(start)s and %(end)s; at most %(most)s in %(days)s days."
                    )
                    % {
                        "placed": placed,
                        "start": start,
                        "end": end,
                        "most": rules.max_calls_in_window,
                        "days": window,
                    },
                    _opening(today + timedelta(days=1), rules, zone),
                )
    return _ALLOWED


def contact_decide(
    *,
    request: AttemptRequest,
    facts: CaseFacts,
    history: Sequence[PastAttempt],
    rules: ConductRules,
) -> Decision:
    """Allow, deny or defer one contact attempt. A deferral's `next_allowed_at` is the first
    opening at which every timing rule passes against the same history."""
    refusal = _refusal(request, facts, history, rules)
    if refusal is not None:
        return refusal
    first = _timing(request.at, request, facts, history, rules)
    if first.allowed:
        return first
    at = first.next_allowed_at
    for _attempt in range(_MAX_DEFER_STEPS):
        again = _timing(at, request, facts, history, rules)
        if again.allowed:
            break
        at = again.next_allowed_at
    return Decision(DEFER, first.rule, first.reason, at)
