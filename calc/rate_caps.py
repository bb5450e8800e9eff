"""Rate caps as data: per jurisdiction, dated, checked against an APR by the IRR method.

A standalone calculator: it imports nothing of the project. Rules are registered in a module-level
registry; add a jurisdiction with ``register_rule(RateCapRule(...), default=True)``.

Shipped rules (annual fractions; the APR checked is the all-in APR by IRR, fees included):

* ``CN-licensed-24`` (default for ``CN``): licensed lenders' all-in annualized cost ≤ 24%.
  Dated from the 2017-12-01 notice on cash loans (整治办函〔2017〕141号), which tied all-in cost
  to the court's private-lending limits; regulators hold licensed lenders to 24%.
* ``CN-private-24``: the court's protected ceiling for private lending under the Supreme People's
  Court 2015 provisions, 2015-09-01 to 2020-08-19.
* ``CN-private-4xLPR``: from 2020-08-20, four times the one-year loan prime rate (LPR) in force
  when the contract is made (the court's cap for private lending).
* ``US-36-all-in`` (default for ``US``): an example all-in 36% APR ceiling, in the manner of the
  Military Lending Act's MAPR and many states' small-loan caps.

Jurisdictions without an APR ceiling (``EU``, ``GB`` in ``calc.jurisdictions``) have no
rules: ``capped_check`` returns None for them, while ``rate_cap`` and ``cap_check`` raise.

The one-year LPR is a dated table of fixings (``ONE_YEAR_LPR``); a date takes the latest fixing on
or before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calc.jurisdictions import JurisdictionError, jurisdiction_codes, jurisdiction_get

__all__ = [
    "ONE_YEAR_LPR",
    "CapCheck",
    "RateCapError",
    "RateCapRule",
    "cap_check",
    "capped_check",
    "capped_rate",
    "jurisdictions",
    "lpr_on",
    "rate_cap",
    "register_rule",
    "rules_for",
]


class RateCapError(ValueError):
    """An unknown jurisdiction or rule, or no rule (or LPR) in force on the date asked."""


ONE_YEAR_LPR: tuple[tuple[date, Decimal], ...] = (
    (date(2019, 8, 20), Decimal("0.0425")),
    (date(2019, 9, 20), Decimal("0.0420")),
    (date(2019, 11, 20), Decimal("0.0415")),
    (date(2020, 2, 20), Decimal("0.0405")),
    (date(2020, 4, 20), Decimal("0.0385")),
    (date(2021, 12, 20), Decimal("0.0380")),
    (date(2022, 1, 20), Decimal("0.0370")),
    (date(2022, 8, 22), Decimal("0.0365")),
    (date(2023, 6, 20), Decimal("0.0355")),
    (date(2023, 8, 21), Decimal("0.0345")),
    (date(2024, 7, 22), Decimal("0.0335")),
    (date(2024, 10, 21), Decimal("0.0310")),
    (date(2025, 5, 20), Decimal("0.0300")),
    (date(2025, 12, 22), Decimal("0.0300")),
)
"""One-year LPR fixings (effective date, rate) since the August 2019 reform: each change of the
monthly fixing, plus the latest fixing this table was checked against."""


def lpr_on(on_date: date, table: tuple[tuple[date, Decimal], ...] = ONE_YEAR_LPR) -> Decimal:
    """The one-year LPR in force on ``on_date``: the latest fixing on or before it."""
    rate = None
    for effective_from, value in table:
        if effective_from > on_date:
            break
        rate = value
    if rate is None:
        raise RateCapError(f"no one-year LPR on {on_date}: the table starts {table[0][0]}")
    return rate


@dataclass(frozen=True, slots=True)
class RateCapRule:
    """A cap in force from ``effective_from`` through ``effective_to`` (inclusive; None: open):
    either a fixed annual ``rate`` or ``lpr_multiple`` × the one-year LPR on the date."""

    name: str
    jurisdiction: str
    effective_from: date
    effective_to: date | None = None
    rate: Decimal | None = None
    lpr_multiple: Decimal | None = None
    applies_to: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if (self.rate is None) == (self.lpr_multiple is None):
            raise RateCapError(f"rule {self.name} needs exactly one of rate or lpr_multiple")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise RateCapError(f"rule {self.name} ends before it starts")

    def in_force(self, on_date: date) -> bool:
        return self.effective_from <= on_date and (
            self.effective_to is None or on_date <= self.effective_to
        )

    def cap_on(self, on_date: date) -> Decimal:
        if self.rate is not None:
            return self.rate
        assert self.lpr_multiple is not None
        return self.lpr_multiple * lpr_on(on_date)


@dataclass(frozen=True, slots=True)
class CapCheck:
    apr: Decimal
    cap: Decimal
    rule: str
    jurisdiction: str
    on_date: date
    within_cap: bool

    @property
    def passes(self) -> bool:
        return self.within_cap

    def as_dict(self) -> dict[str, object]:
        return {
            "jurisdiction": self.jurisdiction,
            "cap": self.cap,
            "rule": self.rule,
            "within_cap": self.within_cap,
            "apr": self.apr,
            "on_date": self.on_date,
        }


_RULES: dict[str, list[RateCapRule]] = {}
_DEFAULTS: dict[str, list[str]] = {}


def register_rule(rule: RateCapRule, *, default: bool = False) -> None:
    """Add a rule to its jurisdiction; ``default`` makes it the one ``cap_check`` uses when no
    rule is named (the latest registered default in force on the date wins)."""
    rules = _RULES.setdefault(rule.jurisdiction.upper(), [])
    if any(existing.name == rule.name for existing in rules):
        raise RateCapError(f"rule {rule.name} is already registered")
    rules.append(rule)
    defaults = _DEFAULTS.setdefault(rule.jurisdiction.upper(), [])
    if default:
        defaults.append(rule.name)


def jurisdictions() -> list[str]:
    """Every jurisdiction known: registered in ``calc.jurisdictions`` or given rules."""
    return sorted(set(_RULES) | set(jurisdiction_codes()))


def rules_for(jurisdiction: str) -> list[RateCapRule]:
    """The jurisdiction's cap rules (none for one without an APR ceiling)."""
    rules = _RULES.get(jurisdiction.upper())
    if rules is not None:
        return list(rules)
    try:
        jurisdiction_get(jurisdiction)
    except JurisdictionError:
        known = ", ".join(jurisdictions())
        raise RateCapError(f"unknown jurisdiction {jurisdiction!r}; known: {known}") from None
    return []


def rate_cap(
    jurisdiction: str, on_date: date, rule: str | None = None
) -> tuple[RateCapRule, Decimal]:
    """The rule that applies on ``on_date`` (the named one, or the jurisdiction's default) and
    its cap as an annual fraction."""
    rules = rules_for(jurisdiction)
    if not rules and rule is None:
        raise RateCapError(f"{jurisdiction.upper()} has no APR cap")
    if rule is not None:
        named = [candidate for candidate in rules if candidate.name == rule]
        if not named:
            raise RateCapError(f"jurisdiction {jurisdiction} has no rule {rule!r}")
        chosen = named[0]
        if not chosen.in_force(on_date):
            raise RateCapError(f"rule {rule} is not in force on {on_date}")
        return chosen, chosen.cap_on(on_date)
    for name in reversed(_DEFAULTS.get(jurisdiction.upper(), [])):
        candidate = next(item for item in rules if item.name == name)
        if candidate.in_force(on_date):
            return candidate, candidate.cap_on(on_date)
    raise RateCapError(f"no default rate cap of {jurisdiction} is in force on {on_date}")


def cap_check(
    apr: Decimal, jurisdiction: str = "CN", *, on_date: date, rule: str | None = None
) -> CapCheck:
    """Whether an all-in APR (annual fraction) is within the jurisdiction's cap on ``on_date``
    (the contract date). The cap is inclusive: an APR equal to it passes."""
    chosen, cap = rate_cap(jurisdiction, on_date, rule)
    return CapCheck(
        apr=apr,
        cap=cap,
        rule=chosen.name,
        jurisdiction=chosen.jurisdiction,
        on_date=on_date,
        within_cap=apr <= cap,
    )


def capped_check(
    apr: Decimal, jurisdiction: str, *, on_date: date, rule: str | None = None
) -> CapCheck | None:
    """``cap_check``, or None for a jurisdiction with no APR ceiling and no rule named."""
    if rule is None and not rules_for(jurisdiction):
        return None
    return cap_check(apr, jurisdiction, on_date=on_date, rule=rule)


def capped_rate(
    jurisdiction: str, on_date: date, rule: str | None = None
) -> tuple[RateCapRule, Decimal] | None:
    """``rate_cap``, or None for a jurisdiction with no APR ceiling and no rule named."""
    if rule is None and not rules_for(jurisdiction):
        return None
    return rate_cap(jurisdiction, on_date, rule)


register_rule(
    RateCapRule(
        name="CN-licensed-24",
        jurisdiction="CN",
        effective_from=date(2017, 12, 1),
        rate=Decimal("0.24"),
        applies_to="licensed lenders (consumer finance, online micro-lending, banks)",
        description="all-in annualized cost by IRR at most 24%",
    ),
    default=True,
)
register_rule(
    RateCapRule(
        name="CN-private-24",
        jurisdiction="CN",
        effective_from=date(2015, 9, 1),
        effective_to=date(2020, 8, 19),
        rate=Decimal("0.24"),
        applies_to="private lending (court protection)",
        description="Supreme People's Court 2015 provisions: interest up to 24% a year protected",
    )
)
register_rule(
    RateCapRule(
        name="CN-private-4xLPR",
        jurisdiction="CN",
        effective_from=date(2020, 8, 20),
        lpr_multiple=Decimal(4),
        applies_to="private lending (court protection)",
        description="four times the one-year LPR when the contract is made",
    )
)
register_rule(
    RateCapRule(
        name="US-36-all-in",
        jurisdiction="US",
        effective_from=date(2007, 10, 1),
        rate=Decimal("0.36"),
        applies_to="consumer installment loans (example)",
        description="all-in APR at most 36%, fees included",
    ),
    default=True,
)
