"""Jurisdictions as data: who lends under which rules, and the APR method each prescribes.

A standalone module: it imports nothing of the project beyond the APR calculator's method names.
Rate caps are dated rules of their own (``calc.rate_caps``); a jurisdiction may have none.

Shipped:

* ``CN`` — China: APR by ``cn_irr`` (年化利率, IRR 口径); rate caps in ``calc.rate_caps``.
* ``US`` — United States: ``us_reg_z`` (Regulation Z Appendix J); the example 36% all-in cap.
* ``EU`` — the European Union: ``eu_aprc`` (Directive 2008/48/EC Annex I). The Directive sets no
  ceiling; member states' usury ceilings differ and are added as rules of their own.
* ``GB`` — the United Kingdom: ``uk_aprc`` (FCA CONC App 1). No APR ceiling: the high-cost
  short-term credit price cap (CONC 5A) limits cost per day and in total, not the APR.
"""

from __future__ import annotations

from dataclasses import dataclass

from calc.apr.base import AprMethod, parse_apr_method

__all__ = [
    "Jurisdiction",
    "JurisdictionError",
    "apr_method_for",
    "jurisdiction_codes",
    "jurisdiction_get",
    "register_jurisdiction",
]


class JurisdictionError(ValueError):
    """A jurisdiction nobody registered."""


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    apr_method: AprMethod
    has_apr_cap: bool
    """Whether rate-cap rules bound the APR here (``calc.rate_caps``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", self.code.upper())
        object.__setattr__(self, "apr_method", parse_apr_method(self.apr_method))


_JURISDICTIONS: dict[str, Jurisdiction] = {}


def register_jurisdiction(jurisdiction: Jurisdiction) -> Jurisdiction:
    if jurisdiction.code in _JURISDICTIONS:
        raise JurisdictionError(f"jurisdiction {jurisdiction.code} is already registered")
    _JURISDICTIONS[jurisdiction.code] = jurisdiction
    return jurisdiction


def jurisdiction_codes() -> list[str]:
    return sorted(_JURISDICTIONS)


def jurisdiction_get(code: str) -> Jurisdiction:
    try:
        return _JURISDICTIONS[str(code).strip().upper()]
    except KeyError:
        known = ", ".join(jurisdiction_codes())
        raise JurisdictionError(f"unknown jurisdiction {code!r}; known: {known}") from None


def apr_method_for(code: str) -> AprMethod:
    """The APR method ``code``'s disclosures use."""
    return jurisdiction_get(code).apr_method


register_jurisdiction(Jurisdiction("CN", "China", AprMethod.CN_IRR, has_apr_cap=True))
register_jurisdiction(Jurisdiction("US", "United States", AprMethod.US_REG_Z, has_apr_cap=True))
register_jurisdiction(Jurisdiction("EU", "European Union", AprMethod.EU_APRC, has_apr_cap=False))
register_jurisdiction(Jurisdiction("GB", "United Kingdom", AprMethod.UK_APRC, has_apr_cap=False))
