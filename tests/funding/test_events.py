"""funding publishes its events through the outbox, in the transaction of the change: a
transfer (and each loan's share change), a buyback of a part (and the share change), a
settlement; written once, none when the change rolls back, each valid against its schema."""

from datetime import timedelta
from decimal import Decimal

import jsonschema
import pytest
from django.db import transaction

from events.models import Event
from events.schemas import SCHEMAS
from funding.models import Funder, SettlementRun
from funding.services.settlement import funder_settle
from funding.services.transfers import asset_transfer, share_buy_back
from ledger.services import business_date_current
from loans.services.repayments import loan_repay
from tests.eod.helpers import close_until
from tests.funding.helpers import arrangement
from tests.lifecycle.factories import make_active_loan, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal


class Boom(Exception):
    pass


def events_of(type: str) -> list[Event]:
    found = list(Event.objects.filter(type=type).order_by("position"))
    for event in found:
        jsonschema.validate(event.data, SCHEMAS[event.type])
    return found


def test_transfer_buyback_settlement_and_share_changes_are_events():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="ebank", name="Bank", kind="bank")
    vehicle = Funder.objects.create(code="eabs", name="ABS", kind="abs")
    product = make_product(annual_rate=D("0.12"), frequency="weekly")
    arrangement(product, shares=[(platform, "0.30", None), (bank, "0.70", D("0.08"))], buyback=60)
    loans = [make_active_loan("2000.00", 6, business_date_current(), product=product)]
    loans.append(make_active_loan("3000.00", 6, business_date_current(), product=product))
    close_until(loans[0].installments.get(number=1).due_date + timedelta(days=1))
    today = business_date_current()
    loan_repay(
        loan=loans[0],
        amount=D("400.00"),
        value_date=today,
        business_date=today,
        idempotency_key="evt-pay",
        actor="tester",
    )

    with pytest.raises(Boom), transaction.atomic():
        funder_settle(funder=bank, on=today, actor="tester", durable=False)
        raise Boom
    assert events_of("funding.settled") == [] and not SettlementRun.objects.exists()
    run = funder_settle(funder=bank, on=today, actor="tester")
    funder_settle(funder=bank, on=today, actor="tester")
    (settled,) = events_of("funding.settled")
    assert settled.subject == "funder/ebank"
    assert settled.data["settlement_run_id"] == run.pk
    assert D(settled.data["net_amount"]) == run.net_amount
    assert D(settled.data["interest"]) == run.interest > 0

    transfer = asset_transfer(
        reference="evt-sale",
        seller=bank,
        buyer=vehicle,
        loan_ids=[loan.pk for loan in loans],
        cut_off=today,
        price=D("1000.00"),
        actor="tester",
        share=D("0.25"),
    )
    (sold,) = events_of("funding.transferred")
    assert sold.subject == "funder/ebank"
    assert sold.data["transfer_id"] == transfer.pk and sold.data["loans"] == 2
    assert D(sold.data["gain_loss"]) == transfer.gain_loss and D(sold.data["share"]) == D("0.25")
    changed = events_of("funding.share_changed")
    assert [event.subject for event in changed] == [f"loan/{loan.pk}" for loan in loans]
    for event in changed:
        assert (event.data["seller"], event.data["buyer"], event.data["source"]) == (
            "ebank",
            "eabs",
            "transfer",
        )
        assert [D(event.data[k]) for k in ("share", "seller_share", "buyer_share")] == [
            D("0.25"),
            D("0.45"),
            D("0.25"),
        ]

    share_buy_back(
        reference="evt-back",
        seller=bank,
        loan_ids=[loans[1].pk],
        share=D("0.15"),
        on=today,
        actor="tester",
    )
    (bought,) = events_of("funding.bought_back")
    assert bought.subject == f"loan/{loans[1].pk}"
    assert (bought.data["funder"], D(bought.data["share"])) == ("ebank", D("0.15"))
    assert D(bought.data["price"]) > D("400")
    last = events_of("funding.share_changed")[-1]
    assert last.subject == f"loan/{loans[1].pk}" and last.data["source"] == "buyback"
    assert [D(last.data[k]) for k in ("seller_share", "buyer_share")] == [D("0.30"), D("0.45")]
    assert Event.objects.filter(type__startswith="funding.").count() == 6
