"""Chinese resident identity numbers (GB 11643-1999): the check digit and the birth date."""

from __future__ import annotations

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def parse_national_id(value: str) -> tuple[bool, date | None]:
    """(valid, birth date) of an 18-character resident ID; anything else is not valid."""
    text = value.strip().upper()
    if len(text) != 18 or not text[:17].isdigit():
        return False, None
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False, None
    return check_digit(text[:17]) == text[17], birth


def make_national_id(region: str, birth: date, sequence: int) -> str:
    """A well-formed ID (for demos and tests): 6-digit region, birth date, 3-digit sequence."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)
