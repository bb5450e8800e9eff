"""Posting rules: every event of a loan's life and the journal lines it makes, in one place.

    disbursement        Dr 1303 principal / Cr the payout account (1002 cash, or 2202 merchant
                        payable for a scene loan), net of an upfront fee withheld, Cr 6021 for it
                        (Cr 1305 deferred when the product declares it part of the yield)
    direct costs        Dr 1305 / Cr 1002 (costs the product declares part of the yield)
    yield amortization  Dr 1305 / Cr 6011 interest income, by the EIR (the reverse for net
                        costs): daily in the close, the rest when the loan is settled
    interest accrual    Dr 1132 / Cr 6011 (Cr 2261 interest in suspense on non-accrual)
    fee charged         Dr 1133 / Cr 6021
    penalty interest    Dr 1134 / Cr 6031 (Cr 2261 on non-accrual)
    repayment           Dr 1002 cash / Cr the receivables in the allocation order, the excess to
                        2241 customer overpayments; interest collected on non-accrual moves from
                        2261 to 6011 (income on a cash basis)
    refund              Dr 2241 / Cr 1002
    recovery            Dr 1002 / Cr 6111 recoveries of written-off loans (after a charge-off)
    waiver              Dr 6021 (6031) / Cr 1133 (1134)
    capitalization      Dr 1303 / Cr 1132, 1133, 1134 (a re-age: arrears made principal)
    settlement          Cr every receivable left after the agreed amount was paid; Dr 2261 the
                        suspense, then 6031 penalty, 6011 interest, 6021 fee income waived and
                        Dr 6711 the principal forgiven (in that order: `calc.settlement`)
    suspense true-up    Dr 6011 (6031) / Cr 2261, or back
    write-off           Cr every open receivable; Dr 2261 the suspense, Dr 1305 the deferred
                        yield, Dr 1304 the allowance and Dr 6711 the rest of the loss;
                        allowance beyond the loss Cr 6701
    provision change    Dr 6701 / Cr 1304 allowance (or the reverse)
    cooling-off         every balance the loan holds with its customer back to zero; 1002 cash
                        balances it
    merchant            settlement Dr 2202 / Cr 1002; refund Dr 2202 (or 1002) / Cr 1303;
                        subsidy Dr 2202 / Cr 6021 (Cr 1305 when it is part of the yield)

The builders are pure: they return `LineSpec`s for a service to post (`entry_post`), gather into
one entry (`LoanBook.add`) or post in bulk (the close, `entries_post_bulk`). A negative amount
takes a recognition back with the mirrored lines.

Which lines carry the loan (`loan_id`): every line that belongs to it, on every route — its
receivables, allowance, suspense, overpayments and merchant payable, and its income and
expenses (a loan's recognized income is then what its contract earned, whoever booked it);
never the house's cash account.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from core.money import ZERO
from ledger import chart
from ledger.specs import LineSpec

Lines = list[LineSpec]

RECEIVABLE = {
    "principal": chart.LOANS_PRINCIPAL,
    "interest": chart.INTEREST_RECEIVABLE,
    "fee": chart.FEES_RECEIVABLE,
    "penalty": chart.PENALTY_RECEIVABLE,
}
RECEIVABLES = tuple(RECEIVABLE.values())


def _pair(debit: str, credit: str, amount: Decimal, loan_id: int | None) -> Lines:
    return [
        LineSpec(account=debit, debit=amount, loan_id=loan_id),
        LineSpec(account=credit, credit=amount, loan_id=loan_id),
    ]


# Disbursement -----------------------------------------------------------------------------


def disbursement_lines(
    *,
    loan_id: int,
    principal: Decimal,
    fee: Decimal,
    fee_withheld: bool,
    payout_account: str,
    fee_deferred: bool = False,
) -> Lines:
    """The principal paid out through `payout_account` (per loan unless it is cash, so a
    merchant's settlement can be followed), net of the upfront fee when it is withheld: fee
    income, or deferred yield (1305) when `fee_deferred`. A fee not withheld is charged on the
    first installment instead (`fee_lines`)."""
    payout_loan = None if payout_account == chart.CASH else loan_id
    lines = [LineSpec(account=chart.LOANS_PRINCIPAL, debit=principal, loan_id=loan_id)]
    paid_out = principal - fee if fee_withheld else principal
    lines.append(LineSpec(account=payout_account, credit=paid_out, loan_id=payout_loan))
    if fee_withheld and fee:
        income = chart.DEFERRED_YIELD if fee_deferred else chart.FEE_INCOME
        lines.append(LineSpec(account=income, credit=fee, loan_id=loan_id))
    return lines


def direct_cost_lines(*, loan_id: int, amount: Decimal) -> Lines:
    """Direct origination costs paid out, deferred with the yield (they lower it)."""
    if not amount:
        return []
    return [
        LineSpec(account=chart.DEFERRED_YIELD, debit=amount, loan_id=loan_id),
        LineSpec(account=chart.CASH, credit=amount),
    ]


def yield_amortization_lines(*, loan_id: int, amount: Decimal) -> Lines:
    """Deferred yield amortized into interest income (amount < 0: net costs, or a take-back)."""
    if amount > 0:
        return _pair(chart.DEFERRED_YIELD, chart.INTEREST_INCOME, amount, loan_id)
    if amount < 0:
        return _pair(chart.INTEREST_INCOME, chart.DEFERRED_YIELD, -amount, loan_id)
    return []


# Recognition at a repayment (every line carries the loan) ----------------------------------


def interest_lines(
    *, loan_id: int, amount: Decimal, non_accrual: bool, suspense: Decimal = ZERO
) -> Lines:
    """Recognize (amount > 0) or take back (amount < 0) interest of a loan; taken back from
    suspense first, up to `suspense` (what was recognized on a non-accrual loan)."""
    if amount > 0:
        income = chart.INTEREST_SUSPENSE if non_accrual else chart.INTEREST_INCOME
        return _pair(chart.INTEREST_RECEIVABLE, income, amount, loan_id)
    if amount == 0:
        return []
    taken = -amount
    from_suspense = min(taken, max(suspense, ZERO))
    lines = [LineSpec(account=chart.INTEREST_RECEIVABLE, credit=taken, loan_id=loan_id)]
    if from_suspense:
        lines.append(
            LineSpec(account=chart.INTEREST_SUSPENSE, debit=from_suspense, loan_id=loan_id)
        )
    if taken - from_suspense:
        lines.append(
            LineSpec(account=chart.INTEREST_INCOME, debit=taken - from_suspense, loan_id=loan_id)
        )
    return lines


def fee_lines(*, loan_id: int, amount: Decimal, income: str = chart.FEE_INCOME) -> Lines:
    """Charge (amount > 0) or take back (amount < 0) fees of a loan (`income`: 1305 for an
    upfront fee that is part of the yield)."""
    if amount > 0:
        return _pair(chart.FEES_RECEIVABLE, income, amount, loan_id)
    if amount < 0:
        return _pair(income, chart.FEES_RECEIVABLE, -amount, loan_id)
    return []


def penalty_lines(*, loan_id: int, amount: Decimal, non_accrual: bool) -> Lines:
    """Accrue (amount > 0) or take back (amount < 0) penalty interest of a loan."""
    income = chart.INTEREST_SUSPENSE if non_accrual else chart.PENALTY_INCOME
    if amount > 0:
        return _pair(chart.PENALTY_RECEIVABLE, income, amount, loan_id)
    if amount < 0:
        return _pair(chart.PENALTY_INCOME, chart.PENALTY_RECEIVABLE, -amount, loan_id)
    return []


# Repayment ---------------------------------------------------------------------------------


def cash_received_lines(amount: Decimal) -> Lines:
    return [LineSpec(account=chart.CASH, debit=amount)]


def collection_lines(*, loan_id: int, component: str, amount: Decimal) -> Lines:
    """Cash applied to a component: its receivable goes down."""
    return [LineSpec(account=RECEIVABLE[component], credit=amount, loan_id=loan_id)]


def suspense_release_lines(*, loan_id: int, amount: Decimal) -> Lines:
    """Interest collected on a non-accrual loan is income on a cash basis."""
    return _pair(chart.INTEREST_SUSPENSE, chart.INTEREST_INCOME, amount, loan_id)


def overpayment_lines(*, loan_id: int, amount: Decimal) -> Lines:
    return [LineSpec(account=chart.CUSTOMER_OVERPAYMENTS, credit=amount, loan_id=loan_id)]


def refund_lines(*, loan_id: int, amount: Decimal) -> Lines:
    return [
        LineSpec(account=chart.CUSTOMER_OVERPAYMENTS, debit=amount, loan_id=loan_id),
        LineSpec(account=chart.CASH, credit=amount),
    ]


def recovery_lines(*, loan_id: int, amount: Decimal) -> Lines:
    """Cash received on a written-off loan is income of the loan, applied to no schedule."""
    return [
        LineSpec(account=chart.CASH, debit=amount),
        LineSpec(account=chart.RECOVERIES, credit=amount, loan_id=loan_id),
    ]


WAIVABLE = {
    "fee": (chart.FEES_RECEIVABLE, chart.FEE_INCOME),
    "penalty": (chart.PENALTY_RECEIVABLE, chart.PENALTY_INCOME),
}


def waiver_lines(*, component: str, loan_id: int, amount: Decimal) -> Lines:
    """A waived fee or penalty leaves its receivable and the income it was booked to."""
    receivable, income = WAIVABLE[component]
    return [
        LineSpec(account=income, debit=amount, loan_id=loan_id),
        LineSpec(account=receivable, credit=amount, loan_id=loan_id),
    ]


COOLING_OFF_SETTLED = {
    chart.LOANS_PRINCIPAL: False,
    chart.INTEREST_RECEIVABLE: False,
    chart.FEES_RECEIVABLE: False,
    chart.PENALTY_RECEIVABLE: False,
    chart.CUSTOMER_OVERPAYMENTS: True,
    chart.INTEREST_SUSPENSE: True,
    chart.DEFERRED_YIELD: True,
    chart.INTEREST_INCOME: True,
    chart.FEE_INCOME: True,
    chart.PENALTY_INCOME: True,
}
"""Normal-side balances a cooling-off cancellation brings to zero; True where the account is
credit-normal."""


def capitalization_lines(*, loan_id: int, amounts: Mapping[str, Decimal]) -> Lines:
    """Overdue interest, fees and penalty made principal (a re-age): Dr 1303 / Cr 1132, 1133,
    1134 — receivables reclassified, no income moves."""
    lines = [
        LineSpec(account=RECEIVABLE[component], credit=amount, loan_id=loan_id)
        for component, amount in amounts.items()
        if component != "principal" and amount
    ]
    total = sum((line.credit for line in lines), ZERO)
    if not total:
        return []
    return [LineSpec(account=chart.LOANS_PRINCIPAL, debit=total, loan_id=loan_id), *lines]


DISCOUNT_ACCOUNTS = {
    "penalty": chart.PENALTY_INCOME,
    "interest": chart.INTEREST_INCOME,
    "fee": chart.FEE_INCOME,
    "principal": chart.WRITE_OFF_EXPENSE,
}


def settlement_discount_lines(
    *,
    loan_id: int,
    forgiven: Mapping[str, Decimal],
    discount: Mapping[str, Decimal],
    suspense: Decimal = ZERO,
) -> Lines:
    """A settlement closing a loan: what is still owed (`forgiven`, per component) leaves the
    receivables; the discount (`calc.settlement.discount_split`, summing to the same) is
    booked against the income it was recognized in — penalty and interest held in suspense
    (a non-accrual loan) against the suspense first — and the principal forgiven as a loss."""
    lines = [
        LineSpec(account=RECEIVABLE[component], credit=amount, loan_id=loan_id)
        for component, amount in forgiven.items()
        if amount
    ]
    from_suspense = min(
        max(suspense, ZERO), discount.get("penalty", ZERO) + discount.get("interest", ZERO)
    )
    if from_suspense:
        lines.append(
            LineSpec(account=chart.INTEREST_SUSPENSE, debit=from_suspense, loan_id=loan_id)
        )
    left = from_suspense
    for component, account in DISCOUNT_ACCOUNTS.items():
        amount = discount.get(component, ZERO)
        if component in ("penalty", "interest"):
            taken = min(left, amount)
            left -= taken
            amount -= taken
        if amount:
            lines.append(LineSpec(account=account, debit=amount, loan_id=loan_id))
    return lines


def cooling_off_cash(balances: Mapping[str, Decimal]) -> Decimal:
    """The cash that balances a cancellation: what the borrower returns (negative: what the
    lender pays back). Taking an asset back is a credit, a liability or income back a debit."""
    return sum(
        (-amount if COOLING_OFF_SETTLED[code] else amount for code, amount in balances.items()),
        ZERO,
    )


def cooling_off_lines(*, loan_id: int, balances: Mapping[str, Decimal]) -> Lines:
    lines = []
    for code, balance in balances.items():
        taken = -balance if COOLING_OFF_SETTLED[code] else balance
        if taken > 0:
            lines.append(LineSpec(account=code, credit=taken, loan_id=loan_id))
        elif taken < 0:
            lines.append(LineSpec(account=code, debit=-taken, loan_id=loan_id))
    cash = cooling_off_cash(balances)
    if cash > 0:
        lines.append(LineSpec(account=chart.CASH, debit=cash))
    elif cash < 0:
        lines.append(LineSpec(account=chart.CASH, credit=-cash))
    return lines


# The close ----------------------------------------------------------------------------------


def accrual_lines(
    *,
    loan_id: int,
    interest: Decimal,
    fee: Decimal,
    non_accrual: bool,
    amortization: Decimal = ZERO,
) -> Lines:
    """The close's day: interest recognized (to suspense on non-accrual), fees falling due
    (contractual charges of the period, never suspended) and the deferred yield amortized."""
    lines = yield_amortization_lines(loan_id=loan_id, amount=amortization)
    if interest:
        income = chart.INTEREST_SUSPENSE if non_accrual else chart.INTEREST_INCOME
        lines += _pair(chart.INTEREST_RECEIVABLE, income, interest, loan_id)
    if fee:
        lines += _pair(chart.FEES_RECEIVABLE, chart.FEE_INCOME, fee, loan_id)
    return lines


def penalty_accrual_lines(*, loan_id: int, amount: Decimal, non_accrual: bool) -> Lines:
    income = chart.INTEREST_SUSPENSE if non_accrual else chart.PENALTY_INCOME
    return _pair(chart.PENALTY_RECEIVABLE, income, amount, loan_id)


def suspense_lines(*, income: str, delta: Decimal, loan_id: int) -> Lines:
    """Move `delta` from income into suspense (or back, when negative)."""
    amount = abs(delta)
    if delta > 0:
        return _pair(income, chart.INTEREST_SUSPENSE, amount, loan_id)
    return _pair(chart.INTEREST_SUSPENSE, income, amount, loan_id)


WRITE_OFF_KIND = "write_off"


def write_off_key(loan_id: int) -> str:
    """One write-off per loan, whichever path gets there first (the close or an adjustment)."""
    return f"write-off:{loan_id}"


def write_off_lines(loan_id: int, balances: Mapping[str, Decimal]) -> tuple[LineSpec, ...]:
    """The write-off of a loan with these balances (normal side): every open receivable
    credited; the suspense offsets the interest and penalties it held (any beyond what is owed
    was collected in cash: income after all); the loss goes to the allowance first, then to
    write-off expense; allowance beyond the loss is released. Fees and subsidies still deferred
    (1305) were never income: they lower the loss (net costs deferred raise it)."""
    owed = {code: max(ZERO, balances.get(code, ZERO)) for code in RECEIVABLES}
    total = sum(owed.values(), ZERO)
    suspense = max(ZERO, balances.get(chart.INTEREST_SUSPENSE, ZERO))
    allowance = max(ZERO, balances.get(chart.ALLOWANCE, ZERO))
    offset = min(suspense, total)
    deferred = min(balances.get(chart.DEFERRED_YIELD, ZERO), total - offset)
    loss = total - offset - deferred
    from_allowance = min(allowance, loss)
    lines = [
        LineSpec(account=code, credit=amount, loan_id=loan_id) for code, amount in owed.items()
    ]
    lines += [
        LineSpec(account=chart.INTEREST_SUSPENSE, debit=suspense, loan_id=loan_id),
        LineSpec(account=chart.INTEREST_INCOME, credit=suspense - offset, loan_id=loan_id),
        LineSpec(account=chart.DEFERRED_YIELD, debit=max(deferred, ZERO), loan_id=loan_id),
        LineSpec(account=chart.DEFERRED_YIELD, credit=max(-deferred, ZERO), loan_id=loan_id),
        LineSpec(account=chart.ALLOWANCE, debit=allowance, loan_id=loan_id),
        LineSpec(
            account=chart.CREDIT_IMPAIRMENT, credit=allowance - from_allowance, loan_id=loan_id
        ),
        LineSpec(account=chart.WRITE_OFF_EXPENSE, debit=loss - from_allowance, loan_id=loan_id),
    ]
    return tuple(line for line in lines if line.debit or line.credit)


def provision_lines(*, loan_id: int, change: Decimal) -> Lines:
    """The allowance rises (Dr 6701 / Cr 1304) or falls (the reverse) by `change`."""
    if change > 0:
        return _pair(chart.CREDIT_IMPAIRMENT, chart.ALLOWANCE, change, loan_id)
    return _pair(chart.ALLOWANCE, chart.CREDIT_IMPAIRMENT, -change, loan_id)


# Merchants ------------------------------------------------------------------------------------


def merchant_settlement_lines(*, loan_id: int, amount: Decimal) -> Lines:
    return [
        LineSpec(account=chart.MERCHANT_PAYABLE, debit=amount, loan_id=loan_id),
        LineSpec(account=chart.CASH, credit=amount),
    ]


def merchant_refund_lines(*, loan_id: int, amount: Decimal, from_payable: bool) -> Lines:
    """A merchant refund reduces the principal, out of what the merchant is still owed (not yet
    settled) or in cash (settled)."""
    source = chart.MERCHANT_PAYABLE if from_payable else chart.CASH
    return [
        LineSpec(account=source, debit=amount, loan_id=loan_id if from_payable else None),
        LineSpec(account=chart.LOANS_PRINCIPAL, credit=amount, loan_id=loan_id),
    ]


def merchant_subsidy_lines(*, loan_id: int, amount: Decimal, deferred: bool = False) -> Lines:
    """The merchant pays the plan's interest and fees out of its settlement: fee income of the
    loan (kind `merchant_subsidy`), or deferred yield (1305) amortized into interest income when
    the product declares it part of the yield; the merchant's payment, not a charge to the
    borrower (a cooling-off refund leaves it out)."""
    income = chart.DEFERRED_YIELD if deferred else chart.FEE_INCOME
    return _pair(chart.MERCHANT_PAYABLE, income, amount, loan_id)
