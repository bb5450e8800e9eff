"""Repayments on a loan's schedule and in the ledger, always in value-date order.

Shared by the repayment, prepayment, payoff and reversal services. Applied repayments are kept
in (value date, id) order: a payment dated before others is applied after unwinding them
(their entries reversed, their allocations set inactive, their schedule changes undone) and
they are applied again after it, each under a new generation with new entries. Journal rows are
never edited.

What is replayed: allocations (which installment and component each payment pays), the
recognition a payment caught up, and schedule changes (prepayment rows, rebuilt schedules, rows
cut at a payoff). What the close booked meanwhile stays as booked — interest accrued, fees
charged and penalty interest on rows that remain — with one exception: rows a replay cuts or
cancels give back what was recognized on them after the value date (interest accrued after it,
a period fee charged after it, penalty on a row not yet due at it). Penalty interest the close
booked after the value date on installments the back-dated payment would have cured is *not*
reversed: the close's day-by-day penalty history is not replayed, and waiving it is an
adjustment of its own (`waivers`). A replay that would take back an overpayment already
refunded is refused and changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError
from django.db.models import Q, Sum

from calc.delinquency import bucket_for, days_past_due
from calc.money import is_quantized, minor_unit_for
from core.audit import NO_CONTEXT, AuditContext, audit_event, audit_snapshot
from core.db import action_transaction
from core.models import AuditEvent
from core.money import ZERO
from ledger.errors import IdempotencyConflict
from ledger.services import entry_reverse
from loans.errors import IdempotencyKeyReused, LoanRuleError, LoanStateError
from loans.events import repayment_posted
from loans.models import Allocation, Installment, Loan, LoanModification, Repayment
from loans.transitions import loan_transition

from .book import LoanBook
from .effective_interest import yield_release
from .engine import apply_payment, unwind_payment
from .loan_io import (
    installments_of,
    loan_lock_with_key,
    loan_lock_with_open_rows,
)
from .modification_apply import RESPREAD_FIELDS, modification_apply, modification_unwind
from .payment_limits import payment_amount_check, payment_status_check
from .payment_request import PaymentRequest
from .payoff_plan import payoff_plan
from .recovery_entry import RECOVERING, recovery_post
from .repayment_batch import repayment_write
from .repayment_pending import repayments_written
from .settlements import settlement_settle

OPEN = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)
RECEIVING = (*OPEN, Loan.Status.PAID_OFF)
UNPAID = (Installment.Status.DUE, Installment.Status.PARTIALLY_PAID)
REPAYMENT_AUDIT_FIELDS = (
    "status",
    "kind",
    "source",
    "amount",
    "value_date",
    "reversed_on",
    "reversal_reason",
)


def loan_lock(loan_id: int) -> Loan:
    """The loan's row, locked for the rest of the transaction: everything that moves a loan's
    money takes this lock first, so two payments on one loan serialize."""
    loan, _ = loan_lock_with_key(loan_id)
    if loan is None:
        raise LoanRuleError(f"Loan {loan_id} does not exist.")
    return loan


def loan_rows(loan: Loan, *, open_only: bool) -> list[Installment]:
    return installments_of(loan, open_only=open_only)


def repayment_by_key(key: str) -> Repayment | None:
    return Repayment.objects.filter(idempotency_key=key).first()


def same_request(existing: Repayment, *, loan_id: int, request_hash: str) -> Repayment:
    if existing.loan_id != loan_id or existing.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"Idempotency key {existing.idempotency_key!r} was already used for another request."
        )
    return existing


def check_amount(amount: Decimal, currency: str) -> None:
    if not isinstance(amount, Decimal) or amount <= 0:
        raise LoanRuleError(f"A payment must be a positive Decimal amount, not {amount!r}.")
    if not is_quantized(amount, minor_unit_for(currency)):
        raise LoanRuleError(f"{amount} has digits below the {currency} minor unit.")


def check_key(key: str) -> None:
    if not key or len(key) > 100:
        raise LoanRuleError("An idempotency key of 1 to 100 characters is required.")


def entry_key(repayment: Repayment, prefix: str) -> str:
    return f"{prefix}:{repayment.loan_id}:{repayment.idempotency_key}:g{repayment.generation}"


def later_repayments(loan: Loan, *, value_date: date, after_id: int | None) -> list[Repayment]:
    """Applied repayments after (value_date, after_id) in application order."""
    repayments_written(loan.pk)
    later = Q(value_date__gt=value_date)
    if after_id is not None:
        later |= Q(value_date=value_date, id__gt=after_id)
    return list(
        Repayment.objects.filter(
            later,
            loan_id=loan.pk,
            status=Repayment.Status.POSTED,
            kind__in=Repayment.APPLIED_KINDS,
        ).order_by("value_date", "id")
    )


def modification_not_crossed(loan: Loan, value_date: date, later: list[Repayment]) -> None:
    """Refuse a back-dated payment whose replay would unwind repayments recorded before a
    modification applied after its value date: the modification's schedule was built on them."""
    if not later:
        return
    crossed = (
        LoanModification.objects.filter(
            loan_id=loan.pk, status=LoanModification.Status.APPLIED, applied_on__gt=value_date
        )
        .order_by("-applied_on")
        .values_list("pk", "applied_on")
        .first()
    )
    if crossed and any(repayment.business_date <= crossed[1] for repayment in later):
        raise LoanRuleError(
            f"Modification {crossed[0]} of loan {loan.reference} was applied on {crossed[1]}, "
            f"after {value_date}: a payment dated before it cannot replay the repayments it was "
            "built on. Reverse the modification's effect with a new one, or date the payment "
            "after it."
        )


def modifications_after(loan: Loan, value_date: date) -> list[LoanModification] | None:
    """The schedule modifications a payment dated `value_date` must unwind and apply again
    (applied, taking effect on or after that date: one of the same day may have been built on
    it), in order; None when one of them cannot be replayed (it kept no record of its change:
    a settlement, or a rate reset recorded before resets kept theirs)."""
    modifications = list(
        LoanModification.objects.select_for_update()
        .filter(
            loan_id=loan.pk,
            status=LoanModification.Status.APPLIED,
            effective_date__gte=value_date,
        )
        .order_by("effective_date", "pk")
    )
    if any(
        not (modification.change.get("created") or modification.change.get("rewritten"))
        or "after_repayment" not in modification.change
        for modification in modifications
    ):
        return None
    return modifications


Timeline = list[Repayment | LoanModification]


def timeline_of(repayments: list[Repayment], modifications: list[LoanModification]) -> Timeline:
    """Repayments and modifications in the order they replay: repayments by (value date, id),
    each modification before the first repayment dated after its effective date, or dated on
    it and recorded after it was first applied."""
    timeline: Timeline = sorted(repayments, key=lambda item: (item.value_date, item.pk))
    for modification in sorted(modifications, key=lambda item: (item.effective_date, item.pk)):
        on, recorded_before = modification.effective_date, modification.change["after_repayment"]
        index = next(
            (
                i
                for i, item in enumerate(timeline)
                if isinstance(item, Repayment)
                and (item.value_date > on or (item.value_date == on and item.pk > recorded_before))
            ),
            len(timeline),
        )
        timeline.insert(index, modification)
    return timeline


def timeline_rewind(book: LoanBook, timeline: Timeline, *, actor: str) -> None:
    for item in reversed(timeline):
        if isinstance(item, LoanModification):
            modification_unwind(book, item, actor=actor)
        else:
            unwind_repayment(book, item, actor=actor)


def timeline_replay(book: LoanBook, timeline: Timeline, *, actor: str) -> None:
    """Apply again what `timeline_rewind` unwound: a modification as of the business date it
    was first applied, on the rows as they are now (refused, and so the whole change, when its
    rules no longer allow it)."""
    for item in timeline:
        if isinstance(item, LoanModification):
            try:
                modification_apply(book, item, as_of=item.applied_on, actor=actor, replaying=True)
            except LoanRuleError as exc:
                raise LoanRuleError(
                    f"Modification {item.pk} ({item.kind}) applied again after this change is "
                    f"refused: {exc.detail} Nothing was changed.",
                    **exc.context,
                ) from exc
            item.save(update_fields=["change", "effective_date", "entry_ids", *RESPREAD_FIELDS])
        else:
            item.generation += 1
            apply_repayment(book, item, actor=actor)


def apply_repayment(
    book: LoanBook, repayment: Repayment, *, actor: str, audit: AuditEvent | None = None
) -> Repayment:
    """Apply a repayment (new, or again after an unwind) and post its one entry; a new one is
    inserted with its `audit` event."""
    app = apply_payment(
        book,
        amount=repayment.amount,
        value_date=repayment.value_date,
        kind=repayment.kind,
        mode=repayment.prepayment_mode or book.loan.prepayment_mode,
    )
    if app.rate_changed:
        book.loan.save(update_fields=["effective_rate", "updated_at"])
    entry_id = book.post(
        kind=repayment.kind,
        key=entry_key(repayment, "repayment"),
        value_date=repayment.value_date,
        memo=f"{repayment.kind} {repayment.external_reference}".strip(),
        actor=actor,
    )
    repayment.entry_id = entry_id
    repayment.entry_ids = [*repayment.entry_ids, entry_id]
    repayment.overpayment = app.overpayment
    repayment.schedule_change = app.change()
    for allocation in app.allocations:
        allocation.generation = repayment.generation
    if repayment.pk is None:
        repayment_write(repayment, app.allocations, rows=book.take_changed(), audit=audit)
        return repayment
    book.flush()
    repayment.save(
        update_fields=["entry_id", "entry_ids", "overpayment", "schedule_change", "generation"]
    )
    for allocation in app.allocations:
        allocation.repayment = repayment
    Allocation.objects.bulk_create(app.allocations)
    return repayment


def unwind_repayment(book: LoanBook, repayment: Repayment, *, actor: str) -> None:
    """Reverse a repayment's live entry and undo its allocations and schedule changes."""
    allocations = list(repayment.allocations.filter(active=True))
    reversal = entry_reverse(
        entry_id=repayment.entry_id,
        business_date=book.business_date,
        actor=actor,
        idempotency_key=entry_key(repayment, "unwind"),
        memo=f"Unwind of {repayment.kind} {repayment.idempotency_key}",
    )
    book.forget_suspense()
    unwind_payment(
        book,
        allocations=allocations,
        change=repayment.schedule_change,
        value_date=repayment.value_date,
    )
    if "effective_rate" in repayment.schedule_change:
        book.loan.save(update_fields=["effective_rate", "updated_at"])
    adjustment = book.post(
        kind="repayment_unwind",
        key=entry_key(repayment, "unwind-adjust"),
        value_date=book.business_date,
        memo="Recognition on rows rebuilt by a prepayment, given back",
        actor=actor,
    )
    book.flush()
    Allocation.objects.filter(repayment=repayment, active=True).update(active=False)
    repayment.entry_ids = [
        *repayment.entry_ids,
        reversal.entry_id,
        *([adjustment] if adjustment else []),
    ]
    repayment.entry_id = None
    repayment.overpayment = ZERO
    repayment.schedule_change = {}
    repayment.save(update_fields=["entry_id", "entry_ids", "overpayment", "schedule_change"])


def rewind(book: LoanBook, repayments: list[Repayment], *, actor: str) -> None:
    for repayment in reversed(repayments):
        unwind_repayment(book, repayment, actor=actor)


def replay(book: LoanBook, repayments: list[Repayment], *, actor: str) -> None:
    for repayment in repayments:
        repayment.generation += 1
        apply_repayment(book, repayment, actor=actor)


def overpayment_held(loan: Loan) -> Decimal:
    """What the loan holds for its customer (2241): overpayments less refunds."""
    repayments_written(loan.pk)
    return Repayment.objects.filter(loan_id=loan.pk, status=Repayment.Status.POSTED).aggregate(
        held=Sum("overpayment", default=ZERO)
    )["held"]


def check_refunds_covered(loan: Loan) -> None:
    if overpayment_held(loan) < 0:
        raise LoanRuleError(
            "An overpayment this change takes back was already refunded to the customer."
        )


def loan_status_settle(book: LoanBook, *, actor: str, reason: str) -> None:
    """Paid off when nothing is owed (what is left deferred released into income), reopened
    when a paid-off loan owes again (the close brings its deferred yield back to plan), cured
    when a delinquent loan has nothing past due; days past due kept current."""
    loan, today = book.loan, book.business_date
    open_rows = book.open_rows()
    if not open_rows and loan.status in OPEN:
        loan_transition(
            loan=loan, action="pay_off", actor=actor, business_date=today, reason=reason
        )
        yield_release(loan=loan, business_date=today, actor=actor)
    elif open_rows and loan.status == Loan.Status.PAID_OFF:
        loan_transition(loan=loan, action="reopen", actor=actor, business_date=today, reason=reason)
    past_due = [row.due_date for row in open_rows if row.due_date < today and row.status in UNPAID]
    dpd = days_past_due(min(past_due, default=None), today, loan.grace_days)
    if loan.status == Loan.Status.DELINQUENT and dpd == 0:
        loan_transition(loan=loan, action="cure", actor=actor, business_date=today, reason=reason)
    bucket = bucket_for(dpd)
    if (dpd, bucket) != (loan.days_past_due, loan.delinquency_bucket):
        loan.days_past_due, loan.delinquency_bucket = dpd, bucket
        loan.save(update_fields=["days_past_due", "delinquency_bucket", "updated_at"])


def payment_receive(
    *,
    loan: Loan,
    request: PaymentRequest,
    business_date: date,
    actor: str,
    payoff_required: bool = False,
    limited: bool = False,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Repayment:
    """Receive a payment: lock the loan, refuse a reused key, apply it in value-date order (on a
    charged-off loan a repayment is a recovery, `recovery_entry`), and record it in the audit
    trail (``{kind}.record``), all in one durable transaction (see
    `core.db.action_transaction` for ``durable``). ``limited``: a payment the borrower asks
    to make, refused on a paid-off loan and beyond the payoff plus tolerance
    (`payment_limits`)."""
    check_key(request.idempotency_key)
    request_hash = request.hash(loan.pk)
    try:
        with action_transaction(durable=durable):
            if request.value_date < business_date:
                # Back-dated: which rows to read depends on the repayments after it.
                locked, existing_id = loan_lock_with_key(loan.pk, request.idempotency_key)
                rows, settling = None, None
            else:
                locked, existing_id, rows, settling = loan_lock_with_open_rows(
                    loan.pk, request.idempotency_key
                )
            if locked is None:
                raise LoanRuleError(f"Loan {loan.pk} does not exist.")
            if existing_id is not None:
                existing = Repayment.objects.get(pk=existing_id)
                return same_request(existing, loan_id=locked.pk, request_hash=request_hash)
            check_amount(request.amount, locked.currency)
            if locked.status in RECOVERING or request.kind == Repayment.Kind.RECOVERY:
                return recovery_post(
                    locked,
                    request=request,
                    request_hash=request_hash,
                    business_date=business_date,
                    actor=actor,
                    audit=audit,
                )
            if request.source:
                raise LoanRuleError(
                    f"Loan {locked.reference} is {locked.status}: a source is given for "
                    "recoveries (payments on a charged-off loan) only."
                )
            return _receive(
                locked,
                rows,
                request,
                request_hash,
                business_date,
                actor,
                payoff_required,
                audit,
                limited=limited,
                settling=settling,
            )
    except (IntegrityError, IdempotencyConflict) as exc:
        # The same key committed by a concurrent request while this one waited for the lock
        # (its entry key then exists, or its repayment row): a retry, or a reuse.
        existing = repayment_by_key(request.idempotency_key)
        if existing is None:
            raise
        if isinstance(exc, IntegrityError) and "repayment_idempotency_uniq" not in str(exc):
            raise
        return same_request(existing, loan_id=loan.pk, request_hash=request_hash)


def _receive(
    loan: Loan,
    open_rows: list[Installment] | None,
    request: PaymentRequest,
    request_hash: str,
    business_date: date,
    actor: str,
    payoff_required: bool,
    audit: AuditContext,
    *,
    limited: bool,
    settling: bool | None,
) -> Repayment:
    """`settling`: whether the loan has an approved settlement, as read with its lock (None:
    not read)."""
    if loan.status not in RECEIVING:
        raise LoanStateError(f"Loan {loan.reference} is {loan.status}; it takes no payments.")
    if limited:
        payment_status_check(loan)
    value_date = request.value_date
    if value_date > business_date:
        raise LoanRuleError(f"Value date {value_date} is after the business date {business_date}.")
    if loan.disbursed_on is None or value_date < loan.disbursed_on:
        raise LoanRuleError(f"Value date {value_date} is before the disbursement.")
    later: Timeline = []
    if value_date < business_date:
        repayments = later_repayments(loan, value_date=value_date, after_id=None)
        modifications = modifications_after(loan, value_date)
        if modifications is None:
            modification_not_crossed(loan, value_date, repayments)
            modifications = []
        # The new payment comes after the modifications applied on its value date.
        later = timeline_of(
            repayments, [item for item in modifications if item.effective_date > value_date]
        )
    if open_rows is None:
        open_rows = loan_rows(loan, open_only=not later)
    book = LoanBook(loan, business_date=business_date, rows=open_rows)
    timeline_rewind(book, later, actor=actor)
    if limited:
        payment_amount_check(loan, book.rows, request)
    if payoff_required:
        plan = payoff_plan(loan, book.rows, value_date)
        if request.amount < plan.total:
            raise LoanRuleError(
                f"The payoff amount of loan {loan.reference} on {value_date} is {plan.total}, "
                f"not {request.amount}.",
                payoff=str(plan.total),
            )
    repayment = Repayment(
        loan=loan,
        kind=request.kind,
        amount=request.amount,
        currency=loan.currency,
        value_date=value_date,
        business_date=business_date,
        channel=request.channel,
        external_reference=request.external_reference,
        idempotency_key=request.idempotency_key,
        request_hash=request_hash,
        prepayment_mode=request.mode,
        actor=actor,
    )
    event = audit_event(
        actor=audit.actor(actor),
        action=f"{request.kind}.record",
        target=repayment,
        after=audit_snapshot(repayment, REPAYMENT_AUDIT_FIELDS) | {"loan": loan.reference},
        reason=audit.reason,
        source=audit.source,
        business_date=business_date,
    )
    apply_repayment(book, repayment, actor=actor, audit=event)
    timeline_replay(book, later, actor=actor)
    if later:
        check_refunds_covered(loan)
    settlement_settle(book, actor=actor, approved=settling)
    repayment_posted(repayment)
    loan_status_settle(book, actor=actor, reason=f"{request.kind} {request.idempotency_key}")
    return repayment
