"""Settlements (减免, a discounted payoff): the lender agrees to take less than the payoff.

A settlement is a modification (`LoanModification`, kind ``settlement``) with an agreed amount
below the payoff quote and a deadline. It is requested by a maker and approved by a different
checker whose groups' discount limit (`SettlementLimit`: a share of the payoff and an amount)
covers the discount; approving changes no money, the settlement then waits (``approved``).

Payments keep arriving as ordinary repayments, allocated as usual. When those recorded after
the approval with a value date by the deadline reach the agreed amount, the same transaction closes the
loan (`settlement_settle`, called by the payment service): the schedule is divided as a payoff
on the last payment's value date divides it (the current period cut, later rows cancelled),
whatever is still owed leaves the receivables, and the discount is booked penalty first, then
interest, fees, and principal forgiven last as a loss (`calc.settlement`), through the ledger in
one entry. A settlement not paid in full by its deadline is voided by the close of that day
(`settlements_void`, set-based); the payments received stay ordinary repayments and the loan
goes on under its schedule.

A charged-off loan is refused: its receivables are written off, so what it still collects is a
recovery (`recoveries`), and a discount there moves nothing in the books.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Max, QuerySet, Sum

from calc.money import is_quantized, minor_unit_for
from calc.settlement import DISCOUNT_ORDER, discount_share, discount_split
from core.db import fetch_prepared
from core.money import ZERO
from loans.errors import LoanRuleError
from loans.events import loan_modified
from loans.models import Allocation, Loan, LoanModification, Repayment, SettlementLimit
from loans.posting_rules import settlement_discount_lines

from .book import LoanBook
from .engine import payoff_divide
from .loan_io import installments_of
from .payoff_plan import payoff_plan
from .repayment_pending import repayments_written
from .schedule_rows import outstanding

Kind = LoanModification.Kind
Status = LoanModification.Status
ENTRY_KIND = "settlement"
SETTLEABLE = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)
PENDING = (Status.REQUESTED, Status.APPROVED)


@dataclass(frozen=True)
class SettlementQuote:
    """The payoff on the quote's date per component, the agreed amount and the discount."""

    on: date
    owed: dict[str, Decimal]
    amount: Decimal
    deadline: date

    @property
    def payoff(self) -> Decimal:
        return sum(self.owed.values(), ZERO)

    @property
    def discount(self) -> Decimal:
        return self.payoff - self.amount

    @property
    def share(self) -> Decimal:
        return discount_share(self.discount, self.payoff)

    @property
    def split(self) -> dict[str, Decimal]:
        return discount_split(self.discount, self.owed)

    def as_dict(self) -> dict[str, object]:
        return {
            "on": self.on.isoformat(),
            "payoff": str(self.payoff),
            "owed": {key: str(value) for key, value in self.owed.items()},
            "amount": str(self.amount),
            "deadline": self.deadline.isoformat(),
            "discount": str(self.discount),
            "share": str(self.share),
            "split": {key: str(value) for key, value in self.split.items()},
        }


def _terms(loan: Loan, parameters: dict) -> tuple[Decimal, date]:
    try:
        amount = Decimal(str(parameters["amount"]))
        deadline = date.fromisoformat(str(parameters["deadline"]))
    except (KeyError, InvalidOperation, ValueError):
        raise LoanRuleError(
            "A settlement needs 'amount' (a decimal) and 'deadline' (YYYY-MM-DD)."
        ) from None
    if (
        not amount.is_finite()
        or amount <= 0
        or not is_quantized(amount, minor_unit_for(loan.currency))
    ):
        raise LoanRuleError(
            f"A settlement amount must be positive, in {loan.currency}'s minor unit: {amount}."
        )
    return amount, deadline


def settlement_quote(
    *, loan: Loan, parameters: dict, business_date: date, exclude: int | None = None
) -> SettlementQuote:
    """What the settlement would be now (nothing is written); refused (`LoanRuleError`) when it
    cannot be granted: a loan not open (a charged-off one included), an amount not below the
    payoff quote, a deadline already passed, another settlement pending on the loan."""
    amount, deadline = _terms(loan, parameters)
    if loan.status not in SETTLEABLE:
        raise LoanRuleError(
            f"Loan {loan.reference} is {loan.status}: only an active or delinquent loan can be "
            "settled (a charged-off loan's payments are recoveries).",
            rule="settlement_status",
        )
    if deadline < business_date:
        raise LoanRuleError(
            f"The settlement deadline {deadline} is before the business date {business_date}."
        )
    pending = LoanModification.objects.filter(
        loan_id=loan.pk, kind=Kind.SETTLEMENT, status__in=PENDING
    ).exclude(pk=exclude)
    other = pending.values_list("pk", flat=True).first()
    if other is not None:
        raise LoanRuleError(
            f"Loan {loan.reference} already has settlement {other} pending: decide or void it "
            "first."
        )
    plan = payoff_plan(loan, installments_of(loan, open_only=True), business_date)
    quote = SettlementQuote(
        on=business_date,
        owed={
            "penalty": plan.penalties,
            "interest": plan.interest,
            "fee": plan.fees,
            "principal": plan.principal,
        },
        amount=amount,
        deadline=deadline,
    )
    if amount >= quote.payoff:
        raise LoanRuleError(
            f"A settlement of {amount} is not below the payoff of loan {loan.reference} on "
            f"{business_date}, {quote.payoff}: the borrower pays the payoff instead.",
            payoff=str(quote.payoff),
        )
    return quote


def settlement_keep(modification: LoanModification, quote: SettlementQuote) -> None:
    """Keep the quote on the record (the schedule before: the open rows; after: none)."""
    modification.settlement_amount = quote.amount
    modification.deadline = quote.deadline
    modification.quote = quote.as_dict()
    modification.schedule_after = []
    modification.apr_before = modification.apr_after = None
    modification.installment_before = modification.installment_after = None


def settlement_limit_check(*, checker: str, quote: SettlementQuote) -> None:
    """Refuse a checker none of whose groups may approve this discount (with the figures)."""
    user = get_user_model().objects.filter(username=checker).first()
    limits = list(SettlementLimit.objects.filter(group__user=user)) if user else []
    if any(
        quote.discount <= limit.max_amount and quote.share <= limit.max_share for limit in limits
    ):
        return
    allowed = "; ".join(
        f"{limit.group.name}: {limit.max_share:.2%} and {limit.max_amount}" for limit in limits
    )
    raise LoanRuleError(
        f"A discount of {quote.discount} ({quote.share:.2%} of the payoff {quote.payoff}) is "
        f"beyond what {checker} may approve ({allowed or 'no settlement limit'}).",
        rule="settlement_limit",
        discount=str(quote.discount),
        share=str(quote.share),
    )


def settlement_approve(
    *, modification: LoanModification, loan: Loan, checker: str, business_date: date
) -> SettlementQuote:
    """Quote the settlement again on the approval date and check the checker's limit; the
    caller records the decision (status ``approved``)."""
    quote = settlement_quote(
        loan=loan,
        parameters=modification.parameters,
        business_date=business_date,
        exclude=modification.pk,
    )
    settlement_limit_check(checker=checker, quote=quote)
    settlement_keep(modification, quote)
    # Payments count from here on: those recorded before (the same day included) are in the
    # payoff quoted.
    modification.quote["counted_after"] = (
        Repayment.objects.filter(loan_id=loan.pk).aggregate(last=Max("id"))["last"] or 0
    )
    return quote


def _forgive(book: LoanBook, on: date) -> dict[str, Decimal]:
    """Divide the schedule as a payoff on `on` does and take off every row what is still owed
    (interest and fees recognized first); returns it per component."""
    rows = book.open_rows()
    forgiven = dict.fromkeys(DISCOUNT_ORDER, ZERO)
    forgiven["principal"] = sum((outstanding(row, "principal") for row in rows), ZERO)
    payoff_divide(book, on)
    for row in book.open_rows():
        book.recognize_interest(row, row.interest_due - row.interest_accrued)
        book.charge_fee(row, row.fee_due - row.fee_charged)
        for component in ("penalty", "interest", "fee"):
            forgiven[component] += outstanding(row, component)
        row.principal_due = row.principal_paid
        row.interest_due = row.interest_accrued = row.interest_paid
        row.fee_due = row.fee_charged = row.fee_paid
        row.penalty_due = row.penalty_paid
        book.settle_status(row, on)
    return forgiven


SETTLEMENT_APPROVED_SQL = (
    "SELECT 1 FROM loans_loanmodification WHERE loan_id = %s AND kind = %s AND status = %s"
)


def settlement_settle(
    book: LoanBook, *, actor: str, approved: bool | None = None
) -> LoanModification | None:
    """Close the loan under its approved settlement once the payments counted for it reach the
    agreed amount (see the module docstring); the caller settles the loan's status after.
    `approved`: whether the loan has an approved settlement, if the caller read it under the
    loan's lock (approving one takes that lock); None to ask."""
    loan = book.loan
    if approved is False:
        return None  # the usual case: no settlement to close
    repayments_written(loan.pk)  # it counts the loan's repayments
    if (
        approved is None
        and connection.vendor == "postgresql"
        and not fetch_prepared(
            SETTLEMENT_APPROVED_SQL, [loan.pk, Kind.SETTLEMENT, Status.APPROVED], one=True
        )
    ):
        return None
    settlement = (
        LoanModification.objects.select_for_update()
        .filter(loan_id=loan.pk, kind=Kind.SETTLEMENT, status=Status.APPROVED)
        .first()
    )
    if settlement is None:
        return None
    counted = Repayment.objects.filter(
        loan_id=loan.pk,
        status=Repayment.Status.POSTED,
        kind__in=Repayment.APPLIED_KINDS,
        id__gt=settlement.quote.get("counted_after", 0),
        value_date__lte=settlement.deadline,
    )
    paid = counted.aggregate(paid=Sum("amount", default=ZERO))["paid"]
    if paid < settlement.settlement_amount:
        return None
    on = counted.order_by("-value_date").values_list("value_date", flat=True).first()
    collected = dict(
        Allocation.objects.filter(repayment__in=counted, active=True)
        .values("component")
        .annotate(total=Sum("amount"))
        .values_list("component", "total")
    )
    forgiven = _forgive(book, on)
    discount = sum(forgiven.values(), ZERO)
    gross = {c: forgiven[c] + collected.get(c, ZERO) for c in DISCOUNT_ORDER}
    split = discount_split(discount, gross)
    book.add(
        settlement_discount_lines(
            loan_id=loan.id, forgiven=forgiven, discount=split, suspense=book.suspense
        )
    )
    entry_id = book.post(
        kind=ENTRY_KIND,
        key=f"settlement:{settlement.pk}",
        value_date=on,
        memo=f"Settlement {settlement.pk} of loan {loan.reference}: discount {discount}",
        actor=actor,
    )
    book.flush()
    settlement.status = Status.APPLIED
    settlement.applied_on = book.business_date
    settlement.effective_date = on
    settlement.entry_ids = [entry_id] if entry_id else []
    settlement.quote = {
        **settlement.quote,
        "paid": str(paid),
        "booked": {
            "on": on.isoformat(),
            "forgiven": {key: str(value) for key, value in forgiven.items()},
            "discount": {key: str(value) for key, value in split.items()},
        },
    }
    settlement.save(update_fields=["status", "applied_on", "effective_date", "entry_ids", "quote"])
    loan_modified(settlement, loan, book.business_date)
    return settlement


def settlements_void(loans: QuerySet, *, business_date: date) -> int:
    """Void the approved settlements of `loans` whose deadline is `business_date` or earlier
    (the close of that day: nothing paid later counts). One UPDATE; a second run finds none."""
    return LoanModification.objects.filter(
        loan__in=loans,
        kind=Kind.SETTLEMENT,
        status=Status.APPROVED,
        deadline__lte=business_date,
    ).update(status=Status.VOIDED)
