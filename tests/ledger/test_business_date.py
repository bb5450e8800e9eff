from datetime import date

import pytest

from ledger.errors import BusinessDateError
from ledger.services import business_date_advance, business_date_current, business_date_open

pytestmark = pytest.mark.django_db


def test_books_open_at_the_configured_date():
    assert business_date_current() == date(2026, 1, 1)


def test_opening_twice_keeps_the_first_date():
    business_date_open(on=date(2026, 3, 1))
    assert business_date_open(on=date(2027, 1, 1)) == date(2026, 3, 1)


def test_advance_one_day_at_a_time():
    business_date_open(on=date(2026, 2, 28))
    assert business_date_advance(to=date(2026, 3, 1)) == date(2026, 3, 1)
    assert business_date_current() == date(2026, 3, 1)
    # advancing to the current date again is a no-op (a replayed close)
    assert business_date_advance(to=date(2026, 3, 1)) == date(2026, 3, 1)


@pytest.mark.parametrize("to", [date(2026, 2, 27), date(2026, 3, 2)])
def test_advance_refuses_going_back_or_skipping(to):
    business_date_open(on=date(2026, 2, 28))
    with pytest.raises(BusinessDateError):
        business_date_advance(to=to)
    assert business_date_current() == date(2026, 2, 28)


def test_each_lender_has_its_own_date():
    business_date_open(lender="other", on=date(2030, 1, 1))
    assert business_date_current(lender="other") == date(2030, 1, 1)
    assert business_date_current() == date(2026, 1, 1)
