"""The inputs and outputs of a repayment schedule: ``ScheduleTerms`` in, ``Schedule`` out.

Plain frozen values, easy to serialize: ``as_dict()`` keeps Decimals as Decimal and dates as dates.
The conventions that turn one into the other are in ``calc.schedules``.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from calc.calendar import (
    Frequency,
    ShiftRule,
    get_calendar,
    parse_frequency,
    parse_shift_rule,
)
from calc.daycount import DayCount, parse_day_count
from calc.money import CENT, InstallmentRounding, Rounding, to_decimal, to_minor_unit
from core.money import ZERO

MAX_TERM = 360


class ScheduleError(ValueError):
    """Loan terms a schedule cannot be built from; the message names the offending input."""


class Method(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"
    """等额本息: the same total payment every period."""
    EQUAL_PRINCIPAL = "equal_principal"
    """等额本金: the same principal every period, interest on the remaining balance."""
    INTEREST_ONLY = "interest_only"
    """先息后本: interest every period, all principal with the last one."""
    BULLET = "bullet"
    """一次性还本付息: principal and interest in one payment at maturity."""
    FLAT_FEE = "flat_fee"
    """分期手续费: principal / n plus a fee of principal × fee rate each period, no interest."""


class LevelConvention(StrEnum):
    LAST_ABSORBS = "last_absorbs"
    """The level payment is rounded, then moved by rounding steps until every period is
    feasible; the last installment pays what is left (principal and its interest)."""
    ROUNDED_ONCE = "rounded_once"
    """Every installment, the last included, is the unrounded payment rounded once (the EU's
    and the spreadsheet convention); the rounding residue is carried in the last installment's
    interest, unless the payment does not cover the principal left, which the last then pays."""


class BulletInterest(StrEnum):
    SIMPLE = "simple"
    """Simple interest of every period on the principal (the sum of the periods' interest)."""
    COMPOUND_MONTHLY = "compound_monthly"
    """Interest compounds at each monthly period end until maturity."""


def _parse_enum(enum, value, what: str):
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in enum)
        raise ScheduleError(f"unknown {what} {value!r}; use one of: {known}") from None


class RescheduleMode(StrEnum):
    SHORTEN_TERM = "shorten_term"
    """Keep the installment (or level principal); fewer periods."""
    LOWER_INSTALLMENT = "lower_installment"
    """Keep the number of periods; a smaller installment."""


def parse_method(value: Method | str) -> Method:
    try:
        return Method(str(value).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in Method)
        raise ScheduleError(f"unknown amortization method {value!r}; use one of: {known}") from None


@dataclass(frozen=True, slots=True)
class ScheduleTerms:
    """Everything a schedule depends on. Strings are accepted for enums and amounts (never
    binary floats) and normalized on construction; invalid terms raise ``ScheduleError``.

    ``annual_rate`` and the fee rates are fractions (0.18 = 18%); ``fee_rate`` is charged per
    period on ``fee_base`` (default: ``principal``). ``term`` counts periods of ``frequency``
    (1 to 360). ``first_due_date`` makes an odd first period; ``due_day`` fixes the day of month
    monthly installments fall on (default: the first due date's day, else the start's).
    ``rounding`` names a mode of ``calc.money.ROUNDING_MODES``; ``minor_unit`` is 0.01 or
    2 (decimal places), 1 or 0 for yen. ``calendar`` names a business calendar (``"CN"``,
    ``"weekends"``, any ``holidays`` country code) used by ``shift_rule``.

    ``installment_rounding`` rounds the level amount (the equal installment's payment, the level
    principal of equal-principal and flat-fee plans): ``cent`` (default), ``whole_unit`` or
    ``multiple:N``, each optionally ``:up``, ``:half_up`` or ``:down``
    (``calc.money.InstallmentRounding``). ``level_convention`` is ``last_absorbs``
    (default) or ``rounded_once`` (equal installments only); ``bullet_interest`` is ``simple``
    (default) or ``compound_monthly`` (monthly bullets only).
    """

    principal: Decimal
    annual_rate: Decimal
    term: int
    start_date: date
    method: Method = Method.EQUAL_INSTALLMENT
    frequency: Frequency = Frequency.MONTHLY
    first_due_date: date | None = None
    due_day: int | None = None
    day_count: DayCount = DayCount.ACT_360
    rounding: str = "half_up"
    minor_unit: Decimal = CENT
    fee_rate: Decimal = ZERO
    fee_base: Decimal | None = None
    upfront_fee: Decimal = ZERO
    upfront_fee_rate: Decimal = ZERO
    calendar: str | None = None
    shift_rule: ShiftRule = ShiftRule.NONE
    installment_rounding: InstallmentRounding = InstallmentRounding()
    level_convention: LevelConvention = LevelConvention.LAST_ABSORBS
    bullet_interest: BulletInterest = BulletInterest.SIMPLE
    rounder: Rounding = field(init=False, repr=False, compare=False)
    """The product's rounding (mode and minor unit) as a callable."""

    def __post_init__(self) -> None:
        set_field = object.__setattr__
        try:
            set_field(self, "method", parse_method(self.method))
            set_field(self, "frequency", parse_frequency(self.frequency))
            set_field(self, "day_count", parse_day_count(self.day_count))
            set_field(self, "shift_rule", parse_shift_rule(self.shift_rule))
            set_field(self, "minor_unit", to_minor_unit(self.minor_unit))
            for name in ("principal", "annual_rate", "fee_rate", "upfront_fee", "upfront_fee_rate"):
                set_field(self, name, to_decimal(getattr(self, name)))
            if self.fee_base is not None:
                set_field(self, "fee_base", to_decimal(self.fee_base))
            set_field(self, "rounder", Rounding(self.rounding, self.minor_unit))
            rounding = InstallmentRounding.parse(self.installment_rounding)
            set_field(self, "installment_rounding", rounding)
            rounding.step(self.minor_unit)
            set_field(
                self,
                "level_convention",
                _parse_enum(LevelConvention, self.level_convention, "level convention"),
            )
            set_field(
                self,
                "bullet_interest",
                _parse_enum(BulletInterest, self.bullet_interest, "bullet interest mode"),
            )
        except ValueError as exc:
            raise ScheduleError(str(exc)) from exc
        self._validate()

    def _validate_conventions(self) -> None:
        method = self.method
        if not self.installment_rounding.is_minor_unit and method in (
            Method.INTEREST_ONLY,
            Method.BULLET,
        ):
            raise ScheduleError(
                f"installment rounding {self.installment_rounding.spec} needs a level "
                f"installment; {method.value} schedules have none"
            )
        if (
            self.level_convention is LevelConvention.ROUNDED_ONCE
            and method is not Method.EQUAL_INSTALLMENT
        ):
            raise ScheduleError("the rounded_once convention applies to equal installments only")
        if (
            self.level_convention is LevelConvention.ROUNDED_ONCE
            and self.installment_rounding.unit != "cent"
        ):
            raise ScheduleError(
                "the rounded_once convention keeps every installment equal, which rounding to "
                f"{self.installment_rounding.spec} could only do by charging interest that never "
                "accrued (or forgoing it): round to the minor unit, or use last_absorbs"
            )
        if self.bullet_interest is BulletInterest.COMPOUND_MONTHLY:
            if method is not Method.BULLET:
                raise ScheduleError("compound_monthly interest applies to bullet loans only")
            if self.frequency is not Frequency.MONTHLY:
                raise ScheduleError("compound_monthly interest needs monthly periods")

    def _validate(self) -> None:
        self._validate_conventions()
        unit = self.minor_unit
        if self.principal <= 0:
            raise ScheduleError(f"principal must be positive, not {self.principal}")
        if self.principal != self.principal.quantize(unit, rounding=decimal.ROUND_DOWN):
            raise ScheduleError(
                f"principal {self.principal} has digits below the minor unit {unit}"
            )
        if isinstance(self.term, bool) or not isinstance(self.term, int):
            raise ScheduleError(f"term must be a whole number of periods, not {self.term!r}")
        if not 1 <= self.term <= MAX_TERM:
            raise ScheduleError(f"term must be between 1 and {MAX_TERM} periods, not {self.term}")
        if self.annual_rate < 0:
            raise ScheduleError(f"annual rate cannot be negative: {self.annual_rate}")
        if self.method is Method.FLAT_FEE and self.annual_rate != 0:
            raise ScheduleError(
                "a flat_fee plan charges no interest: use annual_rate 0 and fee_rate"
            )
        for name in ("fee_rate", "upfront_fee", "upfront_fee_rate"):
            if getattr(self, name) < 0:
                raise ScheduleError(f"{name} cannot be negative: {getattr(self, name)}")
        if self.fee_base is not None and self.fee_base < 0:
            raise ScheduleError(f"fee_base cannot be negative: {self.fee_base}")
        if self.upfront_fee != self.upfront_fee.quantize(unit, rounding=decimal.ROUND_DOWN):
            raise ScheduleError(f"upfront fee {self.upfront_fee} has digits below {unit}")
        if self.first_due_date is not None and self.first_due_date <= self.start_date:
            raise ScheduleError(
                f"first due date {self.first_due_date} must be after the start date "
                f"{self.start_date}"
            )
        if self.due_day is not None:
            if self.frequency is not Frequency.MONTHLY:
                raise ScheduleError("a due day of the month applies to monthly schedules only")
            if not 1 <= self.due_day <= 31:
                raise ScheduleError(f"due day must be between 1 and 31, not {self.due_day}")
        if self.shift_rule is not ShiftRule.NONE:
            if self.calendar is None:
                raise ScheduleError(f"shift rule {self.shift_rule.value} needs a calendar")
            try:
                get_calendar(self.calendar)
            except ValueError as exc:
                raise ScheduleError(str(exc)) from exc
        if self.upfront_fee_total >= self.principal:
            raise ScheduleError(
                f"upfront fee {self.upfront_fee_total} leaves nothing of the principal "
                f"{self.principal} to disburse"
            )

    @property
    def periodic_rate(self) -> Decimal:
        """The rate a regular period earns (see the module's conventions)."""
        numerator, denominator = self.periodic_rate_parts
        return numerator / denominator

    @property
    def periodic_rate_parts(self) -> tuple[Decimal, int]:
        """The regular period's rate as (numerator, denominator): multiply a balance by the
        numerator, then divide, so that exact interest stays exact before rounding."""
        step = self.frequency.days
        if step is None:
            return self.annual_rate, 12
        return self.annual_rate * step, self.day_count.basis

    @property
    def upfront_fee_total(self) -> Decimal:
        return self.upfront_fee + self.rounder(self.principal * self.upfront_fee_rate)

    @property
    def period_fee(self) -> Decimal:
        base = self.principal if self.fee_base is None else self.fee_base
        return self.rounder(base * self.fee_rate)

    def as_dict(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "annual_rate": self.annual_rate,
            "term": self.term,
            "start_date": self.start_date,
            "method": self.method.value,
            "frequency": self.frequency.value,
            "first_due_date": self.first_due_date,
            "due_day": self.due_day,
            "day_count": self.day_count.value,
            "rounding": self.rounding,
            "minor_unit": self.minor_unit,
            "fee_rate": self.fee_rate,
            "fee_base": self.fee_base,
            "upfront_fee": self.upfront_fee,
            "upfront_fee_rate": self.upfront_fee_rate,
            "calendar": self.calendar,
            "shift_rule": self.shift_rule.value,
            "installment_rounding": self.installment_rounding.spec,
            "level_convention": self.level_convention.value,
            "bullet_interest": self.bullet_interest.value,
        }


class Installment(NamedTuple):
    """One row of a schedule; every amount is quantized to the minor unit."""

    number: int
    due_date: date
    """When the borrower pays: the contractual date moved by the shift rule."""
    contractual_due_date: date
    period_start: date
    """Start of the accrual period (the start date or the previous contractual due date)."""
    days_in_period: int
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    remaining_principal: Decimal

    def as_dict(self) -> dict[str, object]:
        return self._asdict()


@dataclass(frozen=True, slots=True)
class ScheduleTotals:
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    """Sum of the installments (principal + interest + fee), without the upfront fee."""
    upfront_fee: Decimal

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "principal": self.principal,
            "interest": self.interest,
            "fee": self.fee,
            "total": self.total,
            "upfront_fee": self.upfront_fee,
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    terms: ScheduleTerms
    installments: tuple[Installment, ...]
    level_amount: Decimal | None
    """The level payment (equal installment) or level principal (equal principal, flat fee)."""
    totals: ScheduleTotals = field(init=False)
    net_disbursement: Decimal = field(init=False)

    def __post_init__(self) -> None:
        principal = interest = fee = self.terms.rounder(ZERO)
        for row in self.installments:
            principal += row.principal
            interest += row.interest
            fee += row.fee
        upfront = self.terms.upfront_fee_total
        totals = ScheduleTotals(principal, interest, fee, principal + interest + fee, upfront)
        object.__setattr__(self, "totals", totals)
        object.__setattr__(self, "net_disbursement", self.terms.principal - upfront)

    def cash_flows(self) -> list[tuple[Decimal, date]]:
        """The borrower's payments as ``(amount, due date)`` pairs, for APR."""
        return [(row.total, row.due_date) for row in self.installments if row.total]

    def as_dict(self) -> dict[str, object]:
        """Plain dicts and lists; Decimals stay Decimal and dates stay dates."""
        return {
            "terms": self.terms.as_dict(),
            "level_amount": self.level_amount,
            "net_disbursement": self.net_disbursement,
            "installments": [row.as_dict() for row in self.installments],
            "totals": self.totals.as_dict(),
        }
