from decimal import Decimal

import pytest

from calc.money import (
    CENT,
    MoneyError,
    Rounding,
    is_quantized,
    minor_unit_for,
    quantize,
    register_currency,
    rounding_mode,
    to_decimal,
    to_minor_unit,
)


@pytest.mark.parametrize(
    ("mode", "amount", "expected"),
    [
        ("half_up", "2.345", "2.35"),
        ("half_up", "-2.345", "-2.35"),
        ("half_even", "2.345", "2.34"),
        ("half_even", "2.355", "2.36"),
        ("half_down", "2.345", "2.34"),
        ("down", "2.349", "2.34"),
        ("up", "2.341", "2.35"),
        ("ceiling", "-2.341", "-2.34"),
        ("floor", "-2.341", "-2.35"),
    ],
)
def test_rounding_modes_by_name(mode, amount, expected):
    assert quantize(Decimal(amount), CENT, mode) == Decimal(expected)
    assert Rounding(mode, CENT)(Decimal(amount)) == Decimal(expected)


def test_unknown_rounding_mode_names_the_known_ones():
    with pytest.raises(MoneyError, match="half_up"):
        rounding_mode("bankers")


@pytest.mark.parametrize(
    ("unit", "expected"),
    [(2, "0.01"), (0, "1"), (3, "0.001"), (Decimal("0.01"), "0.01"), ("1", "1"), ("0.10", "0.1")],
)
def test_minor_unit_from_places_or_decimal(unit, expected):
    normalized = to_minor_unit(unit)
    assert normalized == Decimal(expected)
    assert normalized.as_tuple().exponent == Decimal(expected).as_tuple().exponent


@pytest.mark.parametrize("unit", [Decimal("0.05"), Decimal("10"), Decimal("0"), -2, 9])
def test_minor_unit_must_be_a_power_of_ten_at_most_one(unit):
    with pytest.raises(MoneyError):
        to_minor_unit(unit)


def test_currency_minor_units():
    assert minor_unit_for("CNY") == Decimal("0.01")
    assert minor_unit_for("usd") == Decimal("0.01")
    assert minor_unit_for("JPY") == Decimal("1")
    assert quantize(Decimal("1234.5"), minor_unit_for("JPY")) == Decimal("1235")


def test_unknown_currency_then_registered():
    with pytest.raises(MoneyError):
        minor_unit_for("KWD")
    register_currency("KWD", 3)
    assert minor_unit_for("KWD") == Decimal("0.001")


def test_binary_floats_are_refused():
    with pytest.raises(MoneyError):
        to_decimal(0.1)
    assert to_decimal("0.10") == Decimal("0.10")
    assert to_decimal(3) == Decimal(3)
    with pytest.raises(MoneyError):
        to_decimal("ten")


def test_is_quantized():
    assert is_quantized(Decimal("1.20"))
    assert not is_quantized(Decimal("1.205"))
    assert Rounding("half_up", 0).is_quantized(Decimal("12"))


def test_rounding_down_ignores_the_mode():
    assert Rounding("up", CENT).down(Decimal("1.999")) == Decimal("1.99")
