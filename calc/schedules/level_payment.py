"""Equal installments (等额本息): one level payment, principal = payment − the period's interest.

Two conventions (``ScheduleTerms.level_convention``):

* ``last_absorbs`` — the payment is the annuity rounded by the installment rounding, then moved
  by rounding steps while it would retire the loan before its last period (overdraw) or fall
  below a period's interest (underpay); the last installment pays the principal left and its
  interest.
* ``rounded_once`` — the payment is the annuity rounded once to the minor unit and never moved;
  every installment is that payment, the last included: its principal is what is left and its
  interest the rest of the payment, which carries the rounding residue (under a minor unit per
  period). If the payment does not cover the principal left (a zero rate rounded down), the last
  installment pays that principal, and no interest, instead: it absorbs the rest and is never
  negative. Coarser rounding (whole units, multiples) is refused with this convention: keeping
  the last installment level would charge interest that never accrued.
"""

from __future__ import annotations

from decimal import Decimal

from calc.money import ROUNDING_MODES
from calc.schedules.periods import Period, annuity_payment
from calc.schedules.rounding import level_step, round_level
from calc.terms import (
    Installment,
    LevelConvention,
    Schedule,
    ScheduleError,
    ScheduleTerms,
)

LEVEL_ATTEMPTS = 12


class Overdraw(Exception):
    """The level amount retires the loan before its last period."""


class Underpay(Exception):
    """The level payment does not cover a period's interest."""


def rows_level_payment(
    terms: ScheduleTerms,
    periods: list[Period],
    payment: Decimal,
    open_ended: bool = False,
    keep_last: bool = False,
) -> list[Installment]:
    """Equal-installment rows: principal part = payment − regular interest. With
    ``open_ended`` the rows stop as soon as the payment retires the balance (shorten term);
    with ``keep_last`` the last row pays the level payment too (``rounded_once``)."""
    unit, mode = terms.minor_unit, ROUNDING_MODES[terms.rounding]
    quantize = Decimal.quantize  # bound once: this loop runs for every period of every quote
    regular_numerator, regular_denominator = terms.periodic_rate_parts
    fee = terms.period_fee
    balance = terms.principal
    last = len(periods)
    rows = []
    for number, period in enumerate(periods, start=1):
        regular_interest = quantize(balance * regular_numerator / regular_denominator, unit, mode)
        interest = (
            regular_interest
            if (period.rate_numerator, period.rate_denominator)
            == (regular_numerator, regular_denominator)
            else quantize(period.interest(balance), unit, mode)
        )
        principal = payment - regular_interest
        if number == last or (open_ended and principal >= balance):
            principal = balance
            if keep_last:
                interest = max(payment - balance, unit * 0)
        elif principal > balance:
            raise Overdraw
        elif principal < 0:
            raise Underpay
        balance -= principal
        rows.append(
            Installment(
                number,
                period.due,
                period.contractual,
                period.start,
                period.days,
                principal,
                interest,
                fee,
                principal + interest + fee,
                balance,
            )
        )
        if not balance and open_ended:
            break
    return rows


def equal_installment(terms: ScheduleTerms, periods: list[Period]) -> Schedule:
    payment = round_level(
        terms, annuity_payment(terms.principal, terms.periodic_rate, len(periods))
    )
    if terms.level_convention is LevelConvention.ROUNDED_ONCE:
        try:
            rows = rows_level_payment(terms, periods, payment, keep_last=True)
        except Overdraw:
            raise ScheduleError(
                f"the payment {payment}, rounded once, retires the loan before its last "
                "installment; use a finer installment rounding or the last_absorbs convention"
            ) from None
        except Underpay:
            raise ScheduleError(
                f"the payment {payment}, rounded once, does not cover a period's interest; "
                "use a finer installment rounding or the last_absorbs convention"
            ) from None
        return Schedule(terms, tuple(rows), payment)
    return search_level_payment(terms, periods, payment)


def search_level_payment(terms: ScheduleTerms, periods: list[Period], payment: Decimal) -> Schedule:
    step = level_step(terms)
    moved: set[str] = set()
    for _ in range(LEVEL_ATTEMPTS):
        try:
            rows = rows_level_payment(terms, periods, payment)
        except Overdraw:
            moved.add("down")
            payment -= step
        except Underpay:
            moved.add("up")
            payment += step
        else:
            return Schedule(terms, tuple(rows), payment)
        if len(moved) == 2:
            break
    raise ScheduleError(
        f"principal {terms.principal} is too small to amortize in {terms.term} level "
        f"installments rounded to steps of {step}; shorten the term"
        + ("" if terms.installment_rounding.is_minor_unit else " or use a finer rounding")
    )
