"""A living demo portfolio: borrowers, loans disbursed over time on the products in the books,
repayments by seeded behaviour, and one end-of-day close per simulated day.

Behaviour is drawn per loan from the seed and the loan id (so a rerun with the same seed is the
same story): most borrowers pay each installment on its due date, some pay late (a few days to
six weeks, penalties included), some stop paying after a few installments (and end charged off),
some pay the loan off early. Loans ask for modifications (payment holidays, reschedules,
re-ages, manual rate changes) and some delinquent ones are offered a settlement, paid or let
lapse. On PostgreSQL a share of the loans floats on the one-year LPR, which moves at month starts
(`demo.floating`), and the close resets them; the SQLite demo has no floating loans (resets are
PostgreSQL statements). Loans are originated through the lifecycle services
(`loan_create`, `loan_approve`, `loan_disburse`) and repaid through `loan_repay` and
`loan_pay_off`, exactly as the API would; the closes are the real close.

For the demo only: borrowers log in as `demo1`, `demo2`, … with the password `demo-password`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Count, F, Max, Min, Sum

from core.money import ZERO
from demo.collections import CollectionsDay
from demo.floating import (
    FLOATING_SHARE,
    demo_floating_product_ensure,
    demo_index_moves_record,
    floating_chosen,
    rate_resets_made,
)
from demo.funding import demo_funding_ensure, demo_partners_settle
from ledger.services import business_date_current
from loans.eod import close_day_run
from loans.eod.common import OPEN
from loans.errors import LoanRuleError
from loans.models import (
    Borrower,
    CreditAssessment,
    Installment,
    Loan,
    LoanModification,
    Product,
    Repayment,
)
from loans.services.credit_assessments import credit_assessment_record
from loans.services.disbursement import loan_disburse
from loans.services.modifications import modification_approve, modification_request
from loans.services.origination import loan_approve, loan_create
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.quotes import QuoteInputError
from loans.services.repayments import loan_repay
from origination.identity import make_national_id
from origination.models import Merchant
from origination.services.merchants import merchant_register

DEMO_PASSWORD = "demo-password"
DEMO_REGIONS = ("110101", "310104", "440305", "330106")
DEMO_MERCHANTS = (
    ("demo-shop", "Demo e-commerce shop (演示商城)", Merchant.Kind.ECOMMERCE, "6222****0001"),
    ("demo-school", "Demo school (演示学校)", Merchant.Kind.EDUCATION, "6222****0002"),
    ("demo-car", "Demo car dealer (演示车行)", Merchant.Kind.CAR, "6222****0003"),
)
ACTOR = "simulate"
BEHAVIOURS = (("on_time", 68), ("late", 14), ("stops_paying", 10), ("prepays", 8))
MODIFICATIONS = (
    ("", 84),
    ("payment_holiday", 5),
    ("reschedule", 4),
    ("reage", 4),
    ("rate_change", 3),
)
"""The modification a loan asks for (if any), about two months after its disbursement: a
re-age only goes through when the loan is behind and the rules allow it (else it is refused)."""
SETTLEMENT_DAYS_PAST_DUE = 30
"""A delinquent loan is offered a settlement on the day it reaches this many days past due..."""
SETTLEMENT_OFFERED = 0.5
"""...one in two (the collector's judgement: the rest go on to charge-off),"""
SETTLEMENT_PAID = 0.7
"""...and about seven in ten of those borrowers pay it by the deadline (half first, then the
rest, or all at once); the others let it lapse, and the close voids it."""
SETTLEMENT_DEADLINE_DAYS = 14
SUPERVISOR = "simulate-supervisor"
ORIGINATION_SHARE = Decimal("0.7")
"""Loans are disbursed over the first 70% of the simulated days, so most have some history."""

Progress = Callable[[date, int, int], None]


@dataclass(frozen=True)
class Plan:
    """How one borrower behaves on one loan."""

    behaviour: str
    seed: str
    stop_after: int = 0
    prepay_after: int = 0
    modification: str = ""
    modify_after_days: int = 60

    def lateness(self, number: int) -> int:
        """Days late for installment `number` (0: on its due date)."""
        if self.behaviour != "late":
            return 0
        return random.Random(f"{self.seed}:{number}").choice((3, 5, 8, 12, 20, 33, 45))

    def pays(self, number: int) -> bool:
        return self.behaviour != "stops_paying" or number <= self.stop_after


_book = {"before": 0, "first": None}


def _ordinal(loan_id: int) -> int:
    """The loan's place among the loans this simulation made (1, 2, ...), so that a seed gives
    the same plans whatever ids the database hands out (a replay on another database)."""
    if _book["first"] is None:
        _book["first"] = (
            Loan.objects.filter(id__gt=_book["before"]).aggregate(first=Min("id"))["first"]
            or loan_id
        )
    return loan_id - _book["first"] + 1


def plan_for(seed: int, loan_id: int) -> Plan:
    rng = random.Random(f"{seed}:{_ordinal(loan_id)}")
    behaviour = rng.choices(
        [name for name, _ in BEHAVIOURS], weights=[weight for _, weight in BEHAVIOURS]
    )[0]
    return Plan(
        behaviour=behaviour,
        seed=f"{seed}:{_ordinal(loan_id)}",
        stop_after=rng.randint(0, 3),
        prepay_after=rng.randint(1, 4),
        modification=rng.choices(
            [name for name, _ in MODIFICATIONS], weights=[weight for _, weight in MODIFICATIONS]
        )[0],
        modify_after_days=rng.randint(40, 100),
    )


def _modification_parameters(kind: str, loan: Loan) -> dict:
    if kind == "payment_holiday":
        return {"installments": 2}
    if kind == "reschedule":
        return {"term": loan.term + 6}
    if kind == "rate_change":
        return {"annual_rate": str(loan.annual_rate - Decimal("0.02"))}
    return {}


@dataclass
class SimulationResult:
    first_day: date
    last_day: date
    loans: int = 0
    repayments: int = 0
    payoffs: int = 0
    modifications: int = 0
    modifications_refused: int = 0
    settlements: int = 0
    settlements_paid: int = 0
    rate_resets: int = 0
    loans_repriced: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_bucket: dict[str, int] = field(default_factory=dict)
    promised_payments: dict[str, int] = field(default_factory=dict)
    collection: dict[str, int] = field(default_factory=dict)


def demo_products_ensure() -> list[Product]:
    """The active products, or — in an empty database — two demo products made here."""
    products = list(Product.objects.filter(is_active=True).order_by("code"))
    if products:
        return products
    common = {"currency": "CNY", "jurisdiction": "CN", "frequency": "monthly"}
    return [
        Product.objects.create(
            code="sim-cash-loan",
            name="Cash loan (现金贷, simulated)",
            product_type=Product.Type.CASH_LOAN,
            method="equal_installment",
            annual_rate=Decimal("0.18"),
            penalty_rate=Decimal("0.27"),
            min_amount=Decimal("1000"),
            max_amount=Decimal("50000"),
            allowed_terms=[6, 12, 24],
            **common,
        ),
        Product.objects.create(
            code="sim-ecommerce",
            name="E-commerce installment (电商分期, simulated)",
            product_type=Product.Type.ECOMMERCE_INSTALLMENT,
            method="flat_fee",
            fee_rate=Decimal("0.006"),
            penalty_rate=Decimal("0.18"),
            grace_days=3,
            min_amount=Decimal("100"),
            max_amount=Decimal("20000"),
            allowed_terms=[3, 6, 12],
            **common,
        ),
    ]


def demo_merchants_ensure() -> list[Merchant]:
    """The demo's merchants, made once (e-commerce drawdowns name one): kept when present."""
    existing = set(Merchant.objects.values_list("code", flat=True))
    for code, name, kind, account in DEMO_MERCHANTS:
        if code not in existing:
            merchant_register(code=code, name=name, kind=kind, settlement_account_masked=account)
    return list(Merchant.objects.filter(code__in=[code for code, *_ in DEMO_MERCHANTS]))


def demo_borrower_usernames(count: int) -> list[str]:
    """The usernames the next `count` demo borrowers get: the first free `demoN`."""
    User = get_user_model()
    taken = set(User.objects.filter(username__startswith="demo").values_list("username", flat=True))
    names, number = [], 0
    while len(names) < count:
        number += 1
        if f"demo{number}" not in taken:
            names.append(f"demo{number}")
    return names


def demo_borrower_count(loans: int) -> int:
    return max(1, (loans * 3 + 3) // 4)


def demo_borrowers_make(*, count: int, rng: random.Random) -> list[Borrower]:
    """`count` borrowers, each with a `demoN` user (the first free numbers)."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: the demo's users share it
    users = [User(username=name, password=password) for name in demo_borrower_usernames(count)]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__in=[user.username for user in users]))
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
    borrowers = []
    for user in users:
        borrower = Borrower(user=user, name=rng.choice(surnames) + "".join(rng.sample(given, 2)))
        birth = date(1965, 1, 1) + timedelta(days=rng.randint(0, 365 * 38))
        # Valid check digits: the origination rules decline an invalid ID (E03).
        borrower.set_national_id(make_national_id(rng.choice(DEMO_REGIONS), birth, user.pk))
        borrower.set_mobile(f"1{rng.choice((3, 5, 8))}{rng.randint(0, 999_999_999):09d}")
        borrowers.append(borrower)
    return Borrower.objects.bulk_create(borrowers)


def _originate(
    product: Product, borrower: Borrower, today: date, rng: random.Random
) -> Loan | None:
    terms = product.terms_in_range()
    low = max(product.min_amount, Decimal("500"))
    high = min(product.max_amount, Decimal("30000"))
    principal = Decimal(rng.randint(int(low // 100), max(int(high // 100), int(low // 100)))) * 100
    term = rng.choice(terms)
    # A bureau pull at application: the price follows the lender's assessment.
    credit_assessment_record(
        borrower=borrower,
        score=rng.randint(600, 800),
        source=CreditAssessment.Source.BUREAU,
        provider="simulated bureau",
        business_date=today,
        assessed_by=ACTOR,
    )
    try:
        loan = loan_create(
            borrower=borrower,
            product=product,
            principal=max(principal, product.min_amount),
            term=term,
            application_date=today,
            actor=ACTOR,
        )
    except (LoanRuleError, QuoteInputError):
        return None  # terms the product refuses (e.g. above its cap): the applicant walks away
    loan = loan_approve(loan=loan, business_date=today, actor=ACTOR)
    return loan_disburse(loan=loan, business_date=today, actor=ACTOR)


def _owed(today: date, loan_ids: list[int]) -> dict[int, list[tuple[int, date, Decimal]]]:
    """Per open loan, its unpaid installments due by `today`: (number, due date, owed)."""
    rows = (
        Installment.objects.filter(loan_id__in=loan_ids, due_date__lte=today)
        .exclude(status__in=[Installment.Status.PAID, Installment.Status.CANCELLED])
        .order_by("loan_id", "due_date")
        .values_list(
            "loan_id",
            "number",
            "due_date",
            F("principal_due")
            - F("principal_paid")
            + F("interest_due")
            - F("interest_paid")
            + F("fee_due")
            - F("fee_paid")
            + F("penalty_due")
            - F("penalty_paid"),
        )
    )
    owed: dict[int, list[tuple[int, date, Decimal]]] = {}
    for loan_id, number, due, amount in rows:
        amount = Decimal(amount).quantize(Decimal("0.01"))  # SQLite computes it in floats
        if amount > 0:
            owed.setdefault(loan_id, []).append((number, due, amount))
    return owed


def _promises_pay(
    seed: int, today: date, owed: dict, promised: list[tuple[int, Decimal, str]], result
) -> None:
    """Debtors who keep their promise today pay what they promised (at most what is owed)."""
    for loan_id, amount, how in promised:
        rows = owed.get(loan_id)
        if not rows:
            continue
        amount = min(amount, sum((row[2] for row in rows), ZERO))
        loan_repay(
            loan=Loan.objects.get(pk=loan_id),
            amount=amount,
            value_date=today,
            business_date=today,
            idempotency_key=f"simulate-promise:{seed}:{loan_id}:{today}",
            channel="simulated",
        )
        result.repayments += 1
        result.promised_payments[how] = result.promised_payments.get(how, 0) + 1


def _repay_day(
    seed: int, today: date, result: SimulationResult, promised: list | None = None
) -> None:
    open_ids = list(Loan.objects.filter(status__in=OPEN).values_list("id", flat=True))
    if promised:
        _promises_pay(seed, today, _owed(today, open_ids), promised, result)
    for loan_id, rows in _owed(today, open_ids).items():
        plan = plan_for(seed, loan_id)
        oldest_number, oldest_due, _ = rows[0]
        if not plan.pays(oldest_number):
            continue
        if today < oldest_due + timedelta(days=plan.lateness(oldest_number)):
            continue
        loan = Loan.objects.get(pk=loan_id)
        loan_repay(
            loan=loan,
            amount=sum((amount for _, _, amount in rows), ZERO),
            value_date=today,
            business_date=today,
            idempotency_key=f"simulate:{seed}:{loan_id}:{today}",
            channel="simulated",
        )
        result.repayments += 1
        if plan.behaviour == "prepays" and oldest_number >= plan.prepay_after:
            loan = Loan.objects.get(pk=loan_id)
            if loan.status in OPEN:
                quote = loan_payoff_quote(loan=loan, on=today)
                loan_pay_off(
                    loan=loan,
                    amount=quote.total,
                    value_date=today,
                    business_date=today,
                    idempotency_key=f"simulate-payoff:{seed}:{loan_id}:{today}",
                    channel="simulated",
                )
                result.payoffs += 1


def _modify_day(seed: int, today: date, result: SimulationResult) -> None:
    """Loans whose borrower asks for a modification today: requested by an officer, approved
    by another (refusals are counted, and the loan goes on unmodified)."""
    candidates = Loan.objects.filter(
        status__in=OPEN, disbursed_on__lte=today - timedelta(days=40)
    ).values_list("id", "disbursed_on")
    for loan_id, disbursed_on in candidates:
        plan = plan_for(seed, loan_id)
        if not plan.modification or (today - disbursed_on).days != plan.modify_after_days:
            continue
        loan = Loan.objects.get(pk=loan_id)
        try:
            modification = modification_request(
                loan=loan,
                kind=plan.modification,
                effective_date=today,
                parameters=_modification_parameters(plan.modification, loan),
                business_date=today,
                requested_by=f"{ACTOR}:officer",
                reason="simulated",
            )
            modification_approve(
                modification=modification, checker=f"{ACTOR}:checker", business_date=today
            )
        except LoanRuleError:
            result.modifications_refused += 1
        else:
            result.modifications += 1


def _supervisor() -> str:
    """The staff user who approves the simulated settlements (in the approver group, whose
    discount limit is data: `SettlementLimit`)."""
    user, created = get_user_model().objects.get_or_create(
        username=SUPERVISOR, defaults={"is_staff": True}
    )
    if created:
        user.groups.set(Group.objects.filter(name="approver"))
    return user.username


def _settlement_rng(seed: int, loan_id: int) -> random.Random:
    return random.Random(f"{seed}:settlement:{_ordinal(loan_id)}")


def _settle_day(seed: int, today: date, result: SimulationResult) -> None:
    """Settlements: offered to some loans reaching `SETTLEMENT_DAYS_PAST_DUE` (70–90% of the
    payoff, asked by a collector, approved by a supervisor), and paid by most borrowers before
    the deadline — in full it closes the loan with the discount booked; the rest lapse."""
    offered = Loan.objects.filter(
        status=Loan.Status.DELINQUENT, days_past_due=SETTLEMENT_DAYS_PAST_DUE
    ).values_list("id", flat=True)
    for loan_id in offered:
        rng = _settlement_rng(seed, loan_id)
        if rng.random() >= SETTLEMENT_OFFERED:
            continue
        loan = Loan.objects.get(pk=loan_id)
        payoff = loan_payoff_quote(loan=loan, on=today).total
        share = Decimal(rng.choice((70, 75, 80, 85, 90))) / 100
        try:
            settlement = modification_request(
                loan=loan,
                kind="settlement",
                effective_date=today,
                parameters={
                    "amount": str((payoff * share).quantize(Decimal("0.01"))),
                    "deadline": (today + timedelta(days=SETTLEMENT_DEADLINE_DAYS)).isoformat(),
                },
                business_date=today,
                requested_by=f"{ACTOR}:collector",
                reason="simulated settlement",
            )
            modification_approve(
                modification=settlement, checker=_supervisor(), business_date=today
            )
        except LoanRuleError:
            result.modifications_refused += 1
        else:
            result.settlements += 1
    approved = LoanModification.objects.filter(
        kind="settlement", status="approved", loan__status__in=OPEN
    ).select_related("loan")
    for settlement in approved:
        rng = _settlement_rng(seed, settlement.loan_id)
        rng.random()
        pays, split = rng.random() < SETTLEMENT_PAID, rng.random() < 0.5
        waited = (today - settlement.decided_on).days
        if not pays or waited not in ((3, 10) if split else (7,)):
            continue
        paid = Repayment.objects.filter(
            loan_id=settlement.loan_id,
            status=Repayment.Status.POSTED,
            id__gt=settlement.quote["counted_after"],
        ).aggregate(paid=Sum("amount", default=ZERO))["paid"]
        left = settlement.settlement_amount - paid
        amount = (left / 2).quantize(Decimal("0.01")) if split and waited == 3 else left
        if amount <= 0:
            continue
        loan_repay(
            loan=settlement.loan,
            amount=amount,
            value_date=today,
            business_date=today,
            idempotency_key=f"simulate-settlement:{seed}:{settlement.loan_id}:{today}",
            channel="simulated",
        )
        result.repayments += 1
        if LoanModification.objects.filter(pk=settlement.pk, status="applied").exists():
            result.settlements_paid += 1


def portfolio_simulate(
    *, loans: int, days: int, seed: int, progress: Progress | None = None
) -> SimulationResult:
    """Originate `loans` loans over the coming business days and run `days` closes, with the
    borrowers' repayments arriving before each close."""
    rng = random.Random(seed)
    start = business_date_current()
    _book.update(before=Loan.objects.aggregate(last=Max("id"))["last"] or 0, first=None)
    products = demo_products_ensure()
    floating = demo_floating_product_ensure()
    floats = floating_chosen(seed)
    demo_index_moves_record(seed=seed, start=start, days=days)
    demo_funding_ensure(products=products, on=start)
    demo_merchants_ensure()
    borrowers = demo_borrowers_make(count=demo_borrower_count(loans), rng=rng)
    last_origination = max(0, int(days * ORIGINATION_SHARE) - 1)
    schedule: dict[int, int] = {}
    for _ in range(loans):
        # More loans early than late: an older book shows every stage of a loan's life.
        offset = int(last_origination * rng.random() ** 2)
        schedule[offset] = schedule.get(offset, 0) + 1
    result = SimulationResult(first_day=start, last_day=start)
    collections = CollectionsDay(seed=seed, loans=loans, stable=_ordinal)
    for offset in range(days):
        today = business_date_current()
        for _ in range(schedule.get(offset, 0)):
            product = rng.choice(products)
            if floating is not None and floats.random() < FLOATING_SHARE:
                product = floating
            if _originate(product, rng.choice(borrowers), today, rng) is not None:
                result.loans += 1
        collections.run(today)
        _repay_day(seed, today, result, collections.promised_payments(today))
        _modify_day(seed, today, result)
        _settle_day(seed, today, result)
        close_day_run()
        demo_partners_settle(on=today)
        result.last_day = today
        if progress is not None:
            progress(today, offset + 1, days)
    result.by_status = dict(Loan.objects.order_by().values_list("status").annotate(n=Count("id")))
    result.by_bucket = dict(
        Loan.objects.filter(status__in=OPEN)
        .order_by()
        .values_list("delinquency_bucket")
        .annotate(n=Count("id"))
    )
    result.collection = dict(collections.activity)
    result.rate_resets, result.loans_repriced = rate_resets_made(start, result.last_day)
    return result
