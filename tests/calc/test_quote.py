from datetime import date
from decimal import Decimal

import pytest

from calc.quote import quote
from calc.rate_caps import RateCapError
from calc.schedules import ScheduleTerms

D = Decimal


def terms(**options):
    values = {
        "principal": D("12000.00"),
        "annual_rate": D("0.18"),
        "term": 12,
        "start_date": date(2026, 1, 15),
    }
    values.update(options)
    return ScheduleTerms(**values)


def test_quote_has_schedule_apr_and_cap():
    result = quote(terms(), jurisdiction="CN")
    data = result.as_dict()
    assert data["apr"]["method"] == "cn_irr"
    assert abs(data["apr"]["nominal"] - D("0.18")) < D("0.0001")
    assert data["rate_cap"]["rule"] == "CN-licensed-24"
    assert data["rate_cap"]["within_cap"] is True
    assert len(data["installments"]) == 12
    assert data["totals"]["principal"] == D("12000.00")


def test_quote_over_the_cap_reports_the_figures():
    """A 0.6% monthly fee on top of 18% interest: the all-in APR passes 24%."""
    result = quote(terms(fee_rate=D("0.006")), jurisdiction="CN")
    assert result.rate_cap is not None
    assert not result.rate_cap.within_cap
    assert result.rate_cap.apr == result.apr.nominal > D("0.24")


def test_quote_without_jurisdiction_has_no_cap_and_cap_date_defaults_to_start():
    assert quote(terms()).rate_cap is None
    with pytest.raises(RateCapError):
        quote(terms(start_date=date(2010, 1, 1)), jurisdiction="CN")
    checked = quote(terms(), jurisdiction="CN", cap_rule="CN-private-4xLPR")
    assert checked.rate_cap.cap == D("0.1200")
    assert not checked.rate_cap.within_cap
