"""What every APR method shares: the error, the method names, the result and the Decimal helpers.

The APR method is a property of the jurisdiction (``calc.jurisdictions``):

* ``us_reg_z`` — US Regulation Z Appendix J, the actuarial method: a periodic rate over
  unit-periods, odd days as a simple-interest fraction of a unit-period; the APR disclosed is the
  periodic rate × unit-periods a year.
* ``cn_irr`` — China's disclosure of the annualized rate by the IRR method (年化利率, IRR 口径;
  PBoC announcement 〔2021〕 No. 3): the same actuarial equation, annualized as periodic IRR ×
  periods a year.
* ``eu_aprc`` — Consumer Credit Directive 2008/48/EC, Annex I: one annual rate X discounting
  every flow by (1 + X)^−t, t in years (whole periods, then odd days over 365 or 366).
* ``uk_aprc`` — the FCA's total charge for credit rules (CONC App 1), which carry Annex I's
  equation and remarks into UK law.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from calc.apr.errors import AprError
from calc.apr.periods import UnitPeriod
from core.money import ZERO

ONE = Decimal(1)
PRECISION = 28
RESULT_QUANTUM = Decimal("1e-12")


class AprMethod(StrEnum):
    US_REG_Z = "us_reg_z"
    EU_APRC = "eu_aprc"
    UK_APRC = "uk_aprc"
    CN_IRR = "cn_irr"

    @property
    def disclosure_places(self) -> int:
        """Decimal places of the percentage disclosed.

        EU: Annex I remark (d), "accuracy of at least one decimal place", a following figure of 5
        or more rounding up. UK: the same remark in CONC App 1; the APR is shown to one decimal
        place. US and China: two places, as Appendix J's examples and Chinese lenders' 年化利率
        show them (Regulation Z's accuracy is a tolerance of 1/8 of a point, §1026.22(a)(2)).
        """
        return 1 if self in (AprMethod.EU_APRC, AprMethod.UK_APRC) else 2

    @property
    def is_aprc(self) -> bool:
        """Annex I's annual rate (one X for every flow) rather than a periodic rate annualized."""
        return self in (AprMethod.EU_APRC, AprMethod.UK_APRC)

    @property
    def reference(self) -> str:
        return _REFERENCES[self]


_REFERENCES = {
    AprMethod.US_REG_Z: "12 CFR 1026 Appendix J (actuarial method)",
    AprMethod.EU_APRC: "Directive 2008/48/EC Annex I (APRC)",
    AprMethod.UK_APRC: "FCA Handbook CONC App 1 (total charge for credit rules, APR)",
    AprMethod.CN_IRR: "PBoC announcement [2021] No. 3 (annualized rate, IRR method)",
}


def parse_apr_method(value: AprMethod | str) -> AprMethod:
    try:
        return AprMethod(str(value).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in AprMethod)
        raise AprError(f"unknown APR method {value!r}; use one of: {known}") from None


@dataclass(frozen=True, slots=True)
class AprResult:
    """APR figures as annual fractions (0.1203 = 12.03%), rounded to 12 decimal places.

    For ``us_reg_z`` and ``cn_irr`` ``nominal`` is the periodic rate × unit-periods a year (the
    rate disclosed) and ``effective`` the compounded annual rate. Annex I (``eu_aprc``,
    ``uk_aprc``) has no nominal rate: the APRC is the annual rate X itself, so ``nominal`` and
    ``effective`` both carry X (caps and disclosures read ``nominal``) and ``periodic`` is the
    equivalent rate per unit-period, (1 + X)^(1/k) − 1.
    """

    nominal: Decimal
    effective: Decimal
    periodic: Decimal
    unit_period: UnitPeriod
    periods_per_year: Decimal
    method: str = AprMethod.US_REG_Z.value

    @property
    def disclosure_places(self) -> int:
        return parse_apr_method(self.method).disclosure_places

    @property
    def disclosed(self) -> Decimal:
        """The APR in percent as the method discloses it (half-up to its places): 19.9 under
        Annex I, 19.94 under Regulation Z or China's IRR disclosure."""
        return self.nominal_percent(self.disclosure_places)

    def nominal_percent(self, places: int = 4) -> Decimal:
        """The nominal APR in percent, e.g. ``Decimal('12.0000')``."""
        return (self.nominal * 100).quantize(Decimal(1).scaleb(-places), decimal.ROUND_HALF_UP)

    def effective_percent(self, places: int = 4) -> Decimal:
        return (self.effective * 100).quantize(Decimal(1).scaleb(-places), decimal.ROUND_HALF_UP)

    def as_dict(self) -> dict[str, object]:
        return {
            "nominal": self.nominal,
            "effective": self.effective,
            "periodic": self.periodic,
            "unit_period": self.unit_period.value,
            "periods_per_year": self.periods_per_year,
            "method": self.method,
            "disclosed_percent": self.disclosed,
        }


def as_decimal(value: Decimal | int | str) -> Decimal:
    """Amounts as Decimal; binary floating point is refused rather than converted."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except decimal.InvalidOperation:
            raise AprError(f"not an amount: {value!r}") from None
    raise AprError(f"amounts must be Decimal, int or str, not {type(value).__name__}")


def rounded(value: Decimal) -> Decimal:
    """``value`` to 12 decimal places, however large (fees can make rates enormous)."""
    with decimal.localcontext() as context:
        context.prec = max(PRECISION, value.adjusted() + 14)
        return value.quantize(RESULT_QUANTUM)


def checked_flows(
    advance: Decimal, fee: Decimal, start_date, payments
) -> tuple[Decimal, list[tuple[Decimal, object]]]:
    """The amount the borrower receives and the payments sorted by date, after the checks every
    method makes (positive advance, fee within it, non-negative payments on or after the start,
    something repaid after the advance date)."""
    advance, fee = as_decimal(advance), as_decimal(fee)
    received = advance - fee
    if advance <= 0:
        raise AprError(f"the advance must be positive, not {advance}")
    if fee < 0:
        raise AprError(f"a fee withheld at the start cannot be negative: {fee}")
    if received <= 0:
        raise AprError(f"the fee {fee} leaves nothing of the advance {advance} to the borrower")
    flows = sorted(((as_decimal(amount), day) for amount, day in payments), key=lambda f: f[1])
    if not flows:
        raise AprError("there are no payments")
    for amount, day in flows:
        if amount < 0:
            raise AprError(f"payment {amount} on {day} is negative; only repayments are flows")
        if day < start_date:
            raise AprError(f"payment date {day} is before the advance on {start_date}")
    if sum((amount for amount, _ in flows), ZERO) <= 0:
        raise AprError("the payments total nothing")
    if all(day == start_date for _, day in flows):
        raise AprError("every payment is on the advance date: there is no rate")
    return received, flows
