"""collection, origination, compliance and loan modifications write their events in the
transaction of the change: a change that rolls back (the caller's transaction fails after it)
leaves no event, and a committed one has exactly its events."""

from datetime import date, timedelta
from decimal import Decimal

import jsonschema
import pytest
from django.db import transaction

from collection.models import PromiseToPay
from collection.services import cases_sync, contact_attempt_request, promise_record
from compliance.reports.runs import report_run_produce
from events.models import Event
from events.schemas import SCHEMAS
from ledger.services import business_date_advance, business_date_current
from loans import transitions
from loans.models import Installment, LoanModification
from loans.services.modifications import modification_approve, modification_request
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from origination.errors import OriginationError
from origination.models import CreditLimitChange
from origination.services.credit_lines import credit_line_change_limit, credit_line_freeze
from tests.collection import factories as cf
from tests.collection.clock import at
from tests.eod.helpers import close as eod_close
from tests.eod.helpers import make_loan as eod_loan
from tests.lifecycle.factories import close_steps, make_active_loan
from tests.origination.factories import ACTOR, TODAY, make_product, open_line

pytestmark = pytest.mark.django_db
D = Decimal
SH = "Asia/Shanghai"
DAY = date(2026, 1, 15)


class Boom(Exception):
    pass


def events_of(type: str, **data) -> list[Event]:
    found = [
        e
        for e in Event.objects.filter(type=type).order_by("position")
        if all(e.data.get(k) == v for k, v in data.items())
    ]
    for event in found:
        jsonschema.validate(event.data, SCHEMAS[event.type])
    return found


def rolled_back(work) -> None:
    with pytest.raises(Boom), transaction.atomic():
        work()
        raise Boom


def delinquent_case():
    return cf.open_case(cf.loan(status="delinquent", days_past_due=5), date(2026, 1, 5))


def test_every_contact_attempt_allowed_or_blocked_is_an_event_of_its_loan():
    case = delinquent_case()
    allowed = contact_attempt_request(
        case_id=case.id, channel="call", at=at("2026-01-15", "10:00", SH), business_date=DAY
    )
    blocked = contact_attempt_request(
        case_id=case.id, channel="call", at=at("2026-01-15", "23:00", SH), business_date=DAY
    )
    assert allowed.allowed and not blocked.allowed
    events = events_of("collection.contact", case_id=case.id)
    assert [(e.data["attempt_id"], e.data["allowed"]) for e in events] == [
        (allowed.id, True),
        (blocked.id, False),
    ]
    assert events[1].data["blocked_by"] == blocked.blocked_by
    assert {e.subject for e in events} == {f"loan/{case.loan_id}"}

    def contact():
        contact_attempt_request(
            case_id=case.id, channel="sms", at=at("2026-01-15", "11:00", SH), business_date=DAY
        )

    rolled_back(contact)
    assert len(events_of("collection.contact", case_id=case.id)) == 2


def test_a_promise_made_then_kept_and_another_broken():
    case = delinquent_case()
    promise = promise_record(
        case_id=case.id,
        amount=D("150"),
        promised_date=date(2026, 1, 20),
        at=at("2026-01-15", "10:00", SH),
        business_date=DAY,
    )
    rolled_back(
        lambda: promise_record(
            case_id=delinquent_case().id,
            amount=D("90"),
            promised_date=date(2026, 1, 20),
            at=at("2026-01-15", "10:30", SH),
            business_date=DAY,
        )
    )
    (made,) = events_of("promise.made")
    assert made.data["promise_id"] == promise.id
    assert made.data["amount"] == "150" and made.data["due_date"] == "2026-01-20"
    # the promise's contact is an event too, before it
    (contact,) = events_of("collection.contact", attempt_id=promise.contact_attempt_id)
    assert contact.sequence < made.sequence and contact.data["outcome"] == "promise_made"

    # a close that rolls back resolves nothing and announces nothing
    Installment.objects.filter(loan_id=case.loan_id, number=1).update(principal_paid=D("150"))
    rolled_back(lambda: cases_sync(business_date=date(2026, 1, 16)))
    assert not events_of("promise.kept")
    cases_sync(business_date=date(2026, 1, 16))
    (kept,) = events_of("promise.kept", promise_id=promise.id)
    assert (kept.data["status"], kept.data["paid_since"]) == ("kept", "150.00")
    cases_sync(business_date=date(2026, 1, 16))
    assert len(events_of("promise.kept")) == 1

    other = cf.open_case(cf.loan(status="delinquent", days_past_due=3), date(2026, 1, 5))
    broken = PromiseToPay.objects.create(
        case=other, amount=D("300"), promised_date=date(2026, 1, 7), made_on=date(2026, 1, 5)
    )
    cases_sync(business_date=date(2026, 1, 8), loan_ids=[other.loan_id])
    (event,) = events_of("promise.broken", promise_id=broken.id)
    assert event.data["status"] == "broken" and event.subject == f"loan/{other.loan_id}"


@pytest.mark.parametrize(("action", "type"), [("cure", "promise.kept"), ("charge_off", None)])
def test_promises_of_closing_cases_are_resolved_set_based_with_their_events(action, type):
    loan = cf.loan(status="delinquent", days_past_due=5)
    case = cf.open_case(loan, date(2026, 1, 5))
    promise = PromiseToPay.objects.create(
        case=case, amount=D("100"), promised_date=date(2026, 1, 20), made_on=date(2026, 1, 5)
    )
    cf.transition(loan, action, date(2026, 1, 6))
    cf.set_days_past_due(loan, 0 if action == "cure" else 200)
    cases_sync(business_date=date(2026, 1, 6))
    promise.refresh_from_db()
    expected = type or "promise.cancelled"
    (event,) = events_of(expected, promise_id=promise.id)
    assert event.data["status"] == promise.status
    assert event.data["loan_id"] == loan.id and event.data["amount"] == "100.00"


def test_credit_line_changes_are_events_and_a_refused_change_is_none():
    line = open_line(make_product("cash_loan"))
    (opened,) = events_of("credit_line.changed", credit_line_id=line.id)
    assert (opened.data["kind"], opened.subject) == ("open", f"credit_line/{line.id}")
    credit_line_change_limit(
        line=line, new_limit=D("1000.00"), reason="review", actor=ACTOR, business_date=TODAY
    )
    with pytest.raises(OriginationError):
        credit_line_change_limit(
            line=line, new_limit=D("-1"), reason="typo", actor=ACTOR, business_date=TODAY
        )
    rolled_back(
        lambda: credit_line_freeze(line=line, reason="fraud", actor=ACTOR, business_date=TODAY)
    )
    credit_line_freeze(line=line, reason="fraud check", actor=ACTOR, business_date=TODAY)
    events = events_of("credit_line.changed", credit_line_id=line.id)
    assert [(e.data["kind"], e.data["limit"], e.data["status"]) for e in events] == [
        ("open", opened.data["limit"], "active"),
        ("decrease", "1000.00", "active"),
        ("freeze", "1000.00", "frozen"),
    ]
    assert [e.sequence for e in events] == [1, 2, 3]
    change = CreditLimitChange.objects.filter(line=line).latest("id")
    assert events[-1].data["change_id"] == change.id


def test_a_produced_report_is_an_event_and_a_failed_one_is_none(settings, tmp_path):
    settings.REPORTS_ROOT = str(tmp_path)
    make_active_loan("3000.00", 3, date(2026, 1, 1))
    while business_date_current() < date(2026, 1, 10):
        business_date_advance(to=business_date_current() + timedelta(days=1))
    run = report_run_produce(name="aging", fmt="json", actor="auditor")
    (event,) = events_of("report.produced", report_id=run.pk)
    assert (event.subject, event.data["kind"], event.data["sha256"]) == (
        "report/aging",
        "aging",
        run.sha256,
    )
    rolled_back(lambda: report_run_produce(name="aging", fmt="csv"))
    assert len(events_of("report.produced")) == 1


def test_an_approved_modification_is_a_loan_modified_event():
    loan = make_active_loan()
    on = date(2026, 2, 20)
    close_steps(on, "accrual", loan=loan)
    modification = modification_request(
        loan=loan,
        kind="reschedule",
        effective_date=on,
        parameters={"term": 16},
        business_date=on,
        requested_by="maker",
        reason="lost income",
    )
    assert not events_of("loan.modified")
    rolled_back(
        lambda: modification_approve(modification=modification, checker="checker", business_date=on)
    )
    assert not events_of("loan.modified")
    modification.refresh_from_db()
    applied = modification_approve(modification=modification, checker="checker", business_date=on)
    (event,) = events_of("loan.modified", loan_id=loan.pk)
    assert event.data["modification_id"] == applied.pk and event.data["kind"] == "reschedule"
    assert event.data["installment_after"] == str(applied.installment_after)


def test_a_rate_reset_in_the_close_is_a_loan_modified_event_written_once():
    loan = make_active_loan(
        rate_index="lpr_1y",
        rate_margin=D("0.06"),
        rate_floor=D("0.10"),
        rate_ceiling=D("0.15"),
        rate_reset_months=3,
    )
    for _ in range(2):
        close_steps(date(2026, 4, 15), "rate_resets", loan=loan)
    (reset,) = LoanModification.objects.filter(loan=loan)
    (event,) = events_of("loan.modified", loan_id=loan.pk)
    assert (event.data["kind"], event.data["annual_rate"]) == ("rate_change", "0.10000000")
    assert event.data["modification_id"] == reset.pk


def test_a_payoff_is_repayment_posted_then_loan_paid_off_in_one_transaction(monkeypatch):
    loan = make_active_loan()
    on = date(2026, 2, 1)
    quote = loan_payoff_quote(loan=loan, on=on)
    written = transitions.loan_transitioned

    def then_fail(*args):
        written(*args)
        raise Boom

    # a failure after the transition's event: the payment, both events and the state roll back
    monkeypatch.setattr(transitions, "loan_transitioned", then_fail)
    with pytest.raises(Boom):
        loan_pay_off(
            loan=loan, amount=quote.total, value_date=on, business_date=on, idempotency_key="x"
        )
    assert not events_of("loan.paid_off") and not events_of("repayment.posted")
    monkeypatch.setattr(transitions, "loan_transitioned", written)
    loan_pay_off(
        loan=loan, amount=quote.total, value_date=on, business_date=on, idempotency_key="off"
    )
    stream = list(Event.objects.filter(subject=f"loan/{loan.pk}").order_by("sequence"))
    assert [e.type for e in stream][-2:] == ["repayment.posted", "loan.paid_off"]
    assert stream[-1].data["to_status"] == "paid_off"


def test_the_close_charges_off_at_the_threshold_with_its_event():
    loan = eod_loan(start=date(2025, 6, 6))
    eod_close()
    assert not events_of("loan.charged_off")
    eod_close()
    (event,) = events_of("loan.charged_off", loan_id=loan.pk)
    assert event.data["reason"] == "180 days past due (charge-off at 180)"
    assert (event.data["from_status"], event.data["to_status"]) == ("delinquent", "charged_off")
    delinquent = events_of("loan.delinquent", loan_id=loan.pk)
    assert len(delinquent) == 1 and delinquent[0].sequence < event.sequence


ISSUE_TYPES = [
    "loan.created",
    "loan.approved",
    "loan.disbursed",
    "installment.due",
    "installment.overdue",
    "repayment.posted",
    "repayment.reversed",
    "loan.delinquent",
    "loan.cured",
    "loan.non_accrual",
    "loan.charged_off",
    "loan.paid_off",
    "loan.modified",
    "collection.contact",
    "promise.made",
    "promise.kept",
    "promise.broken",
    "credit_line.changed",
    "report.produced",
    "close.completed",
]


@pytest.mark.parametrize("type", ISSUE_TYPES)
def test_every_type_the_issue_names_has_a_schema_with_its_subjects_id(type):
    schema = SCHEMAS[type]
    assert schema["type"] == "object" and set(schema["required"]) == set(schema["properties"])
    ids = {"loan_id", "credit_line_id", "report_id", "close_run_id"}
    assert ids & set(schema["properties"]), f"{type} names none of {sorted(ids)}"
