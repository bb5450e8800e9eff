"""Collections inside a simulated day: the executor on a simulated clock, collectors working the
call queue, debtors answering and keeping (or breaking) their promises.

Each simulated business day the collection executor (`due_actions_execute`, the one production
runs on the wall clock) is run at hourly ticks from 08:00 to 21:00 of that day, borrower-local,
with the `SimulatedBackend`; contacts go through the same guard and are recorded with the
simulated time. The day's call tasks are worked by a pool of collectors (users `collector1`, …)
with a daily capacity each, in three shifts, most urgent cases first: an unanswered call is
redialled two hours later, a conversation without a commitment sometimes followed up an hour
later. What the debtor says comes from the backend: a promise (recorded through
`promise_record`), a refusal, a dispute or a cease-contact request (flagged on the case).
Whatever the guard refuses (a call after 22:00, a fourth conversation in a day) is recorded as a
blocked attempt, as in production.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model

from collection.channels import SimulatedBackend, SimulatedCall
from collection.errors import ContactBlocked, PromiseError
from collection.models import CollectionCase, PromiseToPay, ScheduledAction, StrategyStep
from collection.rules import CALL
from collection.services import (
    case_update,
    cases_assign,
    contact_attempt_request,
    due_actions_execute,
    promise_record,
)
from collection.services.guarding import overdue_amounts

TICKS = tuple(time(hour) for hour in range(8, 22))
"""The executor's simulated clock: every hour from 08:00 to 21:00."""
SHIFTS = (time(9), time(13), time(18, 30))
"""When each collector starts calling (round robin): the late shift runs into the evening."""
CALLS_PER_COLLECTOR = 25
LOANS_PER_COLLECTOR = 100
REDIAL_AFTER = timedelta(hours=2)
FOLLOW_UP_AFTER = timedelta(hours=1)
FOLLOW_UP_SHARE = 0.3
UNANSWERED = ("no_answer", "busy")
KEEPS = (("kept", 60), ("partly", 15), ("broken", 25))
"""How a debtor treats a promise on its date: pays it, pays half of it, or pays nothing."""
CEASE_NOTE = "Asked us to stop contacting them."
DISPUTE_NOTE = "Disputes the debt."


def simulated_clock(day: date, at: time) -> datetime:
    return datetime.combine(day, at, ZoneInfo(settings.TIME_ZONE))


def collectors_ensure(count: int) -> list:
    User = get_user_model()
    users = []
    for number in range(1, count + 1):
        user, _ = User.objects.get_or_create(
            username=f"collector{number}", defaults={"is_staff": True}
        )
        users.append(user)
    return users


class CollectorPool:
    """Collectors working the day's call tasks, `capacity` calls each a day."""

    def __init__(
        self,
        *,
        agents: list,
        capacity: int,
        backend: SimulatedBackend,
        seed: int,
        stable: Callable[[int], int],
    ):
        self.stable = stable
        self.agents = agents
        self.capacity = capacity
        self.backend = backend
        self.seed = seed
        self.call_steps = set(
            StrategyStep.objects.filter(action=StrategyStep.Action.CALL).values_list(
                "name", flat=True
            )
        )

    def work(self, today: date, activity: Counter) -> None:
        queue = list(
            CollectionCase.objects.filter(
                status=CollectionCase.Status.OPEN,
                next_action__in=self.call_steps,
                next_action_date=today,
                cease_contact=False,
                disputed=False,
            )
            .order_by("-priority", "id")
            .values_list("id", "loan_id")[: len(self.agents) * self.capacity]
        )
        activity["call_tasks"] += len(queue)
        # What each debtor owes does not move while the collectors call (payments arrive
        # after): read once for the day's queue.
        overdue = overdue_amounts(loan_ids=[loan_id for _, loan_id in queue], as_of=today)
        for number, agent in enumerate(self.agents):
            mine = queue[number :: len(self.agents)]
            if mine:
                cases_assign(case_ids=[case_id for case_id, _ in mine], agent=agent)
            self._shift(agent, mine, today, SHIFTS[number % len(SHIFTS)], activity, overdue)

    def _shift(
        self,
        agent,
        cases: list,
        today: date,
        start: time,
        activity: Counter,
        overdue: dict[int, Decimal],
    ) -> None:
        rng = random.Random(f"{self.seed}:collector:{agent.username}:{today}")
        clock = simulated_clock(today, start)
        calls = [(clock, case, "first") for case in cases]
        made = 0
        while calls and made < self.capacity:
            calls.sort()
            planned, case, kind = calls.pop(0)
            clock = max(clock, planned)
            made += 1
            outcome = self._call(agent, case, clock, today, activity, overdue[case[1]])
            if kind == "first" and outcome in UNANSWERED:
                calls.append((clock + REDIAL_AFTER, case, "redial"))
            elif kind == "first" and outcome == "connected" and rng.random() < FOLLOW_UP_SHARE:
                calls.append((clock + FOLLOW_UP_AFTER, case, "follow_up"))
            clock += timedelta(minutes=rng.randint(6, 15))
        activity["call_tasks_unworked"] += sum(1 for _, _, kind in calls if kind == "first")

    def _call(
        self, agent, case: tuple, at: datetime, today: date, activity: Counter, overdue: Decimal
    ) -> str:
        case_id, loan_id = case
        said = self.backend.call(
            key=(self.stable(loan_id), at.isoformat()), overdue=overdue, on=today
        )
        activity["calls"] += 1
        if said.outcome == "promise_made":
            try:
                promise_record(
                    case_id=case_id,
                    amount=said.promise_amount,
                    promised_date=said.promise_date,
                    at=at,
                    business_date=today,
                    agent=agent,
                )
                activity["promises_made"] += 1
                return said.outcome
            except ContactBlocked:
                return "blocked"
            except PromiseError:
                said = SimulatedCall("connected")  # a promise is open already: just a talk
        note = CEASE_NOTE if said.cease_contact else DISPUTE_NOTE if said.dispute else ""
        attempt = contact_attempt_request(
            case_id=case_id,
            channel=CALL,
            at=at,
            agent=agent,
            outcome=said.outcome,
            message=note,
            business_date=today,
        )
        if not attempt.allowed:
            return "blocked"
        if said.cease_contact:
            case_update(case_id=case_id, cease_contact=True)
            activity["cease_contact_requests"] += 1
        elif said.dispute:
            case_update(case_id=case_id, disputed=True)
            activity["disputes"] += 1
        return said.outcome


class CollectionsDay:
    """Collections for every simulated day of one simulation."""

    def __init__(self, *, seed: int, loans: int, stable: Callable[[int], int]):
        """`stable(loan_id)`: the loan's place in the simulation (1, 2, ...); every draw is
        keyed on it, never on a database id, so the same seed replays the same story on
        another database."""
        self.stable = stable
        self.case_loans: dict[int, int] = {}
        self.backend = SimulatedBackend(seed, subject=self._message_subject)
        self.seed = seed
        agents = collectors_ensure(max(2, -(-loans // LOANS_PER_COLLECTOR)))
        self.pool = CollectorPool(
            agents=agents,
            capacity=CALLS_PER_COLLECTOR,
            backend=self.backend,
            seed=seed,
            stable=stable,
        )
        self.activity: Counter = Counter()

    def run(self, today: date) -> None:
        """The executor through the day's ticks, then the collectors' calls."""
        for tick in self.ticks(today):
            done = due_actions_execute(now=tick, business_date=today, backend=self.backend)
            self.activity.update({f"actions_{outcome}": n for outcome, n in done.items()})
        self.pool.work(today, self.activity)

    def ticks(self, today: date) -> Iterator[datetime]:
        """The day's ticks at which some action is due, in order: a tick with nothing due would
        do nothing, so it is skipped (one query finds the next due action, e.g. a retry the
        previous tick put half an hour later)."""
        clocks = [simulated_clock(today, tick) for tick in TICKS]
        index = 0
        while index < len(clocks):
            due = (
                ScheduledAction.objects.filter(
                    status=ScheduledAction.Status.PENDING, due_at__lte=clocks[-1]
                )
                .order_by("due_at")
                .values_list("due_at", flat=True)
                .first()
            )
            if due is None:
                return
            while index < len(clocks) and clocks[index] < due:
                index += 1
            if index < len(clocks):
                yield clocks[index]
                index += 1

    def _message_subject(self, message) -> int:
        if message.case_id not in self.case_loans:
            self.case_loans[message.case_id] = (
                CollectionCase.objects.filter(pk=message.case_id)
                .values_list("loan_id", flat=True)
                .get()
            )
        return self.stable(self.case_loans[message.case_id])

    def promised_payments(self, today: date) -> list[tuple[int, Decimal, str]]:
        """(loan id, amount, how) for each promise falling due today that its debtor honours
        in full or in part; broken ones pay nothing."""
        due = PromiseToPay.objects.filter(
            status=PromiseToPay.Status.OPEN, promised_date=today
        ).values_list("case__loan_id", "made_on", "amount", "paid_since")
        payments = []
        for loan_id, made_on, amount, paid in due.order_by("id"):
            rng = random.Random(f"{self.seed}:promise:{self.stable(loan_id)}:{made_on}")
            how = rng.choices([name for name, _ in KEEPS], [w for _, w in KEEPS])[0]
            owed = amount - paid
            if how == "kept" and owed > 0:
                payments.append((loan_id, owed, how))
            elif how == "partly" and owed > Decimal("0.02"):
                payments.append((loan_id, (owed / 2).quantize(Decimal("0.01")), how))
        return payments
