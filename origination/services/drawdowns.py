"""Drawdowns (用信): one use of a credit line becomes a signed, disbursed installment plan.

In one transaction, under a row lock on the line (two drawdowns racing for its last available
amount serialize; exactly one wins): the idempotency key is checked, the product type, amount,
term, a charge-off on the line not yet recovered, the regulatory limits every loan is checked
against (``loans.services.lending_limits``: single-bullet ≤ 1 year, policy loans ≤ 90% of cash
value and ≤ 6 months, the borrower's exposure) and the available amount are checked, the rate
is priced (the line's band rate with the dynamic discounts, never above the cap; a
merchant-subsidised plan is interest- and fee-free), the loan is created, approved and
disbursed, and the money goes to its payee:

    merchant (e-commerce, scene loans)  Dr 1303 / Cr 2202 merchant payable (settled later by
                                        `merchants.merchant_settle`: Dr 2202 / Cr 1002)
    borrower's bank account (cash, policy loans), card issuer (balance transfer)
                                        Dr 1303 / Cr 1002
    an upfront fee withheld             Cr 6021 for the fee, the payee gets the rest
    merchant subsidy                    Dr 2202 / Cr 6021: the merchant pays the plan's fee out of
                                        its settlement (netted), recognized at drawdown (Cr 1305
                                        and amortized by the EIR when the product declares it
                                        part of the yield)

The disbursement mirrors `loans.services.disbursement.loan_disburse` (same schedule rows, same
fee conventions) with the payee's account in place of cash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError

from core.audit import NO_CONTEXT, AuditContext, audit_record, audit_snapshot
from core.db import action_transaction
from core.money import ZERO
from ledger import chart
from loans.errors import LoanRuleError
from loans.models import Collateral, Loan, Product
from loans.posting_rules import merchant_subsidy_lines
from loans.services.book import LoanBook
from loans.services.disbursement import disbursement_post
from loans.services.effective_interest import MERCHANT_SUBSIDY, is_yield
from loans.services.lending_limits import (
    PledgedPolicy,
    lending_limits_check,
    lending_terms_for_product,
)
from loans.services.signing import Pricing, loan_sign
from loans.transitions import loan_transition
from origination.errors import (
    CreditLimitExceeded,
    CreditLineStateError,
    DrawdownIdempotencyConflict,
    OriginationError,
)
from origination.models import CreditLine, Drawdown, Merchant

from .credit_lines import (
    credit_line_available,
    credit_line_close,
    credit_line_lock,
    written_off_on_lines,
)
from .drawdown_pricing import MERCHANT_TYPES, DrawdownPricing, drawdown_price

PAYEE_FOR_TYPE = {
    "cash_loan": Drawdown.PayeeKind.BORROWER,
    "policy_loan": Drawdown.PayeeKind.BORROWER,
    "balance_transfer": Drawdown.PayeeKind.CARD_ISSUER,
    **dict.fromkeys(MERCHANT_TYPES, Drawdown.PayeeKind.MERCHANT),
}


@dataclass(frozen=True)
class Payee:
    """Who is paid when it is not a merchant: the borrower's bank account or a card issuer."""

    name: str
    account_masked: str


@dataclass(frozen=True)
class DrawdownRequest:
    product: Product
    amount: Decimal
    term: int
    merchant: Merchant | None = None
    payee: Payee | None = None
    subsidised: bool = False
    order_reference: str = ""
    collateral: PledgedPolicy | None = None

    def fingerprint(self, line_id: int) -> str:
        pledged = self.collateral
        text = "|".join(
            (
                str(line_id),
                self.product.code,
                f"{self.amount:.2f}",
                str(self.term),
                self.merchant.code if self.merchant else "",
                f"{self.payee.name}:{self.payee.account_masked}" if self.payee else "",
                str(self.subsidised),
                self.order_reference,
                f"{pledged.insurer}:{pledged.policy_number}:{pledged.cash_value}"
                if pledged
                else "",
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()


def _check_request(line: CreditLine, request: DrawdownRequest, business_date: date) -> str:
    """Refuse what the line, the product or the law does not allow; returns the payee kind."""
    product = request.product
    if line.status != CreditLine.Status.ACTIVE:
        raise CreditLineStateError(f"Credit line {line.reference} is {line.status}.")
    if business_date > line.expires_on:
        raise CreditLineStateError(f"Credit line {line.reference} expired on {line.expires_on}.")
    if not product.is_active or product.product_type not in line.allowed_product_types:
        raise OriginationError(f"Product {product.code} cannot be drawn on {line.reference}.")
    if product.currency != line.currency:
        raise OriginationError(f"Product {product.code} is not in {line.currency}.")
    if not product.is_amount_allowed(request.amount):
        raise OriginationError(
            f"A drawdown on {product.code} is {product.min_amount} to {product.max_amount}."
        )
    if not product.is_term_allowed(request.term):
        raise OriginationError(f"Product {product.code} does not offer {request.term} periods.")
    kind = PAYEE_FOR_TYPE.get(product.product_type, Drawdown.PayeeKind.BORROWER)
    if kind == Drawdown.PayeeKind.MERCHANT:
        if request.merchant is None or not request.merchant.is_active:
            raise OriginationError(f"A {product.product_type} drawdown pays an active merchant.")
    elif request.payee is None:
        raise OriginationError(f"A {product.product_type} drawdown needs the payee's account.")
    if request.subsidised and kind != Drawdown.PayeeKind.MERCHANT:
        raise OriginationError("Only a merchant can subsidise a plan.")
    unrecovered = written_off_on_lines([line.pk]).get(line.pk, ZERO)
    if unrecovered > 0:
        # The close blocks or closes the line; until it runs, the charge-off blocks it here.
        raise CreditLineStateError(
            f"Credit line {line.reference} has a charged-off loan: {unrecovered} "
            f"{line.currency} written off on it is not recovered.",
            unrecovered=str(unrecovered),
        )
    lending_limits_check(
        lending_terms_for_product(
            borrower_id=line.borrower_id,
            product=product,
            principal=request.amount,
            term=request.term,
            collateral=request.collateral,
            on_line=True,
        )
    )
    return kind


def _sign(
    line: CreditLine, request: DrawdownRequest, pricing: DrawdownPricing, business_date: date
) -> Loan:
    try:
        return loan_sign(
            borrower_id=line.borrower_id,
            product=request.product,
            quote=pricing.quote,
            application_date=business_date,
            start_date=business_date,
            credit_score=line.credit_score,
            pricing=Pricing(
                upfront_fee_withheld=pricing.fee_withheld,
                details={
                    "credit_line": line.reference,
                    "pricing_band": line.pricing_band,
                    "base_rate": str(pricing.dynamic.base_rate),
                    "adjustments": pricing.dynamic.adjustments_as_list(),
                    "subsidy": str(pricing.subsidy),
                },
            ),
        )
    except LoanRuleError as exc:
        raise OriginationError(exc.detail, **exc.context) from exc


def _disburse(
    loan: Loan, *, payout_account: str, subsidy: Decimal, business_date: date, actor: str
) -> list:
    for action in ("approve", "activate"):
        loan_transition(
            loan=loan, action=action, actor=actor, business_date=business_date, reason="drawdown"
        )
    try:
        rows = disbursement_post(
            loan,
            business_date=business_date,
            actor=actor,
            memo=f"Drawdown of loan {loan.reference}",
            payout_account=payout_account,
            subsidy=subsidy,
        )
    except LoanRuleError as exc:
        raise OriginationError(str(exc)) from exc
    loan.disbursed_on = business_date
    loan.maturity_date = rows[-1].due_date
    loan.save(update_fields=["disbursed_on", "maturity_date", "updated_at"])
    return rows


def _book_subsidy(loan: Loan, subsidy: Decimal, *, business_date: date, actor: str) -> None:
    """The merchant pays the plan's interest and fees, netted from its settlement: fee income
    of the loan (kind `merchant_subsidy`), but the merchant's payment, not a charge to the
    borrower (a cooling-off refund leaves it out)."""
    book = LoanBook(loan, business_date=business_date)
    deferred = is_yield(loan, MERCHANT_SUBSIDY)
    book.add(merchant_subsidy_lines(loan_id=loan.id, amount=subsidy, deferred=deferred))
    book.post(
        kind="merchant_subsidy",
        key=f"merchant-subsidy:{loan.pk}",
        value_date=business_date,
        memo=f"Merchant subsidy of loan {loan.reference}",
        actor=actor,
    )


DRAWDOWN_AUDIT_FIELDS = (
    "amount",
    "payee_kind",
    "payee_name",
    "settlement_status",
    "subsidy_amount",
)


def drawdown_create(
    *,
    line: CreditLine,
    request: DrawdownRequest,
    business_date: date,
    actor: str,
    idempotency_key: str,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Drawdown:
    """Draw on a line (see the module docstring). The same key with the same request returns
    the first drawdown; with another request it raises `DrawdownIdempotencyConflict`. One durable
    transaction with its audit row (``drawdown.create``)."""
    if not idempotency_key or len(idempotency_key) > 200:
        raise OriginationError("A drawdown needs an idempotency key of 1 to 200 characters.")
    request_hash = request.fingerprint(line.pk)
    try:
        with action_transaction(durable=durable):
            locked = credit_line_lock(line.pk)
            existing = Drawdown.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _same(existing, request_hash)
            drawdown = _draw(locked, request, request_hash, business_date, actor, idempotency_key)
            audit_record(
                actor=audit.actor(actor),
                action="drawdown.create",
                target=drawdown,
                after=audit_snapshot(drawdown, DRAWDOWN_AUDIT_FIELDS)
                | {"credit_line": locked.reference, "loan": drawdown.loan.reference},
                reason=audit.reason,
                source=audit.source,
                business_date=business_date,
            )
            return drawdown
    except IntegrityError:
        existing = Drawdown.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same(existing, request_hash)


def _same(existing: Drawdown, request_hash: str) -> Drawdown:
    if existing.request_hash != request_hash:
        raise DrawdownIdempotencyConflict(
            "This idempotency key was already used for a different drawdown."
        )
    return existing


def _draw(
    line: CreditLine,
    request: DrawdownRequest,
    request_hash: str,
    business_date: date,
    actor: str,
    idempotency_key: str,
) -> Drawdown:
    payee_kind = _check_request(line, request, business_date)
    available = credit_line_available(line=line)
    if request.amount > available:
        raise CreditLimitExceeded(
            f"{request.amount} is above the {available} available on {line.reference}.",
            available=str(available),
        )
    pricing = drawdown_price(
        line,
        product=request.product,
        amount=request.amount,
        term=request.term,
        subsidised=request.subsidised,
        business_date=business_date,
    )
    loan = _sign(line, request, pricing, business_date)
    dynamic, subsidy = pricing.dynamic, pricing.subsidy
    to_merchant = payee_kind == Drawdown.PayeeKind.MERCHANT
    _disburse(
        loan,
        payout_account=chart.MERCHANT_PAYABLE if to_merchant else chart.CASH,
        subsidy=subsidy,
        business_date=business_date,
        actor=actor,
    )
    if subsidy:
        _book_subsidy(loan, subsidy, business_date=business_date, actor=actor)
    merchant = request.merchant if to_merchant else None
    payee = request.payee
    drawdown = Drawdown.objects.create(
        line=line,
        loan=loan,
        merchant=merchant,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        amount=request.amount,
        payee_kind=payee_kind,
        payee_name=merchant.name if merchant else payee.name,
        payee_account_masked=merchant.settlement_account_masked
        if merchant
        else payee.account_masked,
        order_reference=request.order_reference,
        subsidised=request.subsidised,
        subsidy_amount=subsidy,
        settlement_status=Drawdown.Settlement.PENDING
        if to_merchant
        else Drawdown.Settlement.NOT_APPLICABLE,
        base_rate=dynamic.base_rate,
        pricing_adjustments=dynamic.adjustments_as_list(),
        business_date=business_date,
        created_by=actor,
    )
    if request.collateral is not None:
        pledged = request.collateral
        Collateral.objects.create(
            borrower_id=line.borrower_id,
            loan=loan,
            insurer=pledged.insurer,
            policy_number=pledged.policy_number,
            cash_value=pledged.cash_value,
            valued_on=pledged.valued_on,
            advance_ratio=(request.amount / pledged.cash_value).quantize(Decimal("0.00000001")),
            pledged_on=business_date,
        )
    _after_draw(line, business_date, actor)
    return drawdown


def _after_draw(line: CreditLine, business_date: date, actor: str) -> None:
    if line.revolving:
        line.available_amount = credit_line_available(line=line)
        line.save(update_fields=["available_amount", "updated_at"])
        return
    # A one-off line lends once: its loan now counts against exposure on its own.
    credit_line_close(
        line=line, reason="one-off loan drawn", actor=actor, business_date=business_date
    )
