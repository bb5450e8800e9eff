"""Level amounts: the unrounded amount rounded by the product's installment rounding (minor unit,
whole unit or a multiple; up, half-up or down), and the steps it may move by."""

from __future__ import annotations

from decimal import Decimal

from calc.money import MoneyError
from calc.terms import ScheduleError, ScheduleTerms


def level_step(terms: ScheduleTerms) -> Decimal:
    """The increment a level amount moves in: the minor unit, one whole unit, or the multiple."""
    try:
        return terms.installment_rounding.step(terms.minor_unit)
    except MoneyError as exc:
        raise ScheduleError(str(exc)) from exc


def round_level(terms: ScheduleTerms, amount: Decimal) -> Decimal:
    """``amount`` rounded once by the installment rounding (the product's mode for ``cent``)."""
    return terms.installment_rounding.apply(amount, terms.minor_unit, terms.rounding)


def level_principal(terms: ScheduleTerms, periods: int) -> Decimal:
    """Principal / n rounded by the installment rounding; when that would overdraw (n − 1 level
    amounts above the principal), the multiple below it. Zero is refused: a level principal
    rounded away would leave the last installment the whole loan."""
    step = level_step(terms)
    exact = terms.principal / periods
    level = round_level(terms, exact)
    if level * (periods - 1) > terms.principal:
        level = (exact // step) * step
        level = level.quantize(terms.minor_unit)
    if level <= 0 and periods > 1 and not terms.installment_rounding.is_minor_unit:
        raise ScheduleError(
            f"principal {terms.principal} over {periods} periods is below one rounding step "
            f"({step}) per period; use a finer installment rounding or a shorter term"
        )
    return level
