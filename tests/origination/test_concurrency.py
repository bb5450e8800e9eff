"""Two drawdowns racing for the last available amount of a line: exactly one succeeds."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ledger.selectors import trial_balance
from origination.errors import CreditLimitExceeded
from origination.models import Drawdown
from origination.services.credit_lines import credit_line_available

from .factories import draw, make_product, open_line

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
RACERS = 4


def race(target) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(RACERS)
    results: list[object] = []
    errors: list[BaseException] = []

    def runner(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(target(n))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a drawdown hung"
    return results, errors


def test_drawdowns_racing_for_the_last_available_amount_exactly_one_wins():
    # given a line with 1,000 left
    cash = make_product("cash_loan")
    line = open_line(cash)
    draw(line, cash, str(line.limit - Decimal("1000")), 12)
    assert credit_line_available(line=line) == Decimal("1000.00")
    # when four drawdowns of 1,000 race for it
    results, errors = race(lambda n: draw(line, cash, "1000", 6, key=f"race-{n}"))
    # then exactly one is booked; the others are refused on the limit
    assert len(results) == 1, errors
    assert len(errors) == RACERS - 1
    assert all(isinstance(error, CreditLimitExceeded) for error in errors), errors
    assert Drawdown.objects.filter(line=line).count() == 2
    assert credit_line_available(line=line) == Decimal("0")
    assert trial_balance().balanced


def test_the_same_drawdown_sent_concurrently_is_booked_once():
    cash = make_product("cash_loan")
    line = open_line(cash)
    results, errors = race(lambda n: draw(line, cash, "500", 6, key="double-click"))
    assert errors == []
    assert len({drawdown.pk for drawdown in results}) == 1
    assert Drawdown.objects.filter(line=line).count() == 1
