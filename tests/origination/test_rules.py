"""Each identity, eligibility and anti-fraud rule, through the whole decision pipeline."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from loans import pii
from origination.models import BlockListEntry, CreditLine, DecisionRecord
from origination.services.credit_lines import credit_line_change_limit

from .factories import (
    ACTOR,
    NOON,
    TODAY,
    decide,
    make_borrower,
    make_policy,
    make_product,
    national_id,
    open_line,
    submit,
)

pytestmark = pytest.mark.django_db


def step(decision: DecisionRecord, name: str):
    return decision.steps.get(name=name)


def test_a_sound_applicant_is_approved_with_an_offer_and_a_line():
    # given a 35-year-old with 12,000 a month, no history; when decided
    application = submit(amount="20000", term=12)
    decision = decide(application)
    # then approved, band B, limit 5 × income, the APR disclosed for the example drawdown
    assert decision.outcome == "approve"
    assert decision.reason_codes == []
    assert decision.offer["band"] == "B"
    assert decision.offer["limit"] == "60000.00"
    assert Decimal(decision.offer["apr"]["nominal"]) == pytest.approx(
        Decimal("0.144"), abs=Decimal("0.0001")
    )
    line = CreditLine.objects.get(application=application)
    assert (line.limit, line.available_amount, line.status) == (
        Decimal("60000"),
        Decimal("60000"),
        "active",
    )
    assert line.changes.get().kind == "open"
    application.refresh_from_db()
    assert application.status == "approved"


@pytest.mark.parametrize(
    ("born", "age_ok"),
    [
        (date(2008, 1, 16), False),
        (date(2008, 1, 15), True),
        (date(1965, 1, 14), False),
        (date(1965, 1, 16), True),
    ],
)
def test_age_rule(born, age_ok):
    borrower = make_borrower(birth=born)
    decision = decide(submit(borrower))
    assert step(decision, "age").result == ("pass" if age_ok else "fail")
    if not age_ok:
        assert decision.outcome == "decline"
        assert "E01" in decision.reason_codes


def test_residency_rule_refuses_other_countries_and_excluded_regions():
    assert decide(submit(residence_country="US")).reason_codes[0] == "E02"
    make_policy(eligibility={**make_policy().policy["eligibility"], "excluded_regions": ["65"]})
    declined = decide(submit(residence_region="65"))
    assert (declined.outcome, step(declined, "residency").reason_code) == ("decline", "E02")
    assert decide(submit(residence_region="11")).outcome == "approve"


def test_missing_consent_declines():
    decision = decide(submit(consents=["data_processing"]))
    assert decision.outcome == "decline"
    assert decision.reason_codes == ["C01"]
    assert step(decision, "consents").inputs["missing"] == ["credit_bureau"]


def test_mismatched_identity_data_is_referred_and_not_disclosed():
    borrower = make_borrower()
    decision = decide(submit(borrower, name="Someone Else", mobile="13900000000"))
    assert decision.outcome == "refer"
    identity = step(decision, "identity")
    assert (identity.result, identity.reason_code) == ("refer", "F03")
    assert identity.inputs["mismatched"] == ["name", "mobile"]
    assert decision.reason_codes == ["R99"]  # fraud reasons are never told


def test_an_id_number_with_a_wrong_check_digit_is_declined():
    borrower = make_borrower()
    wrong = borrower.national_id[:17] + ("0" if borrower.national_id[17] != "0" else "1")
    decision = decide(submit(borrower, national_id=wrong))
    assert decision.outcome == "decline"
    assert step(decision, "identity").reason_code == "E03"


@pytest.mark.parametrize("kind", ["national_id", "mobile", "device"])
def test_block_list_declines_without_saying_why(kind):
    borrower = make_borrower()
    value = {
        "national_id": borrower.national_id,
        "mobile": borrower.mobile,
        "device": f"device-{borrower.pk}",
    }[kind]
    BlockListEntry.objects.create(
        kind=kind, value_digest=pii.digest(value), reason="fraud ring", added_on=TODAY
    )
    decision = decide(submit(borrower))
    assert decision.outcome == "decline"
    assert step(decision, "block_list").inputs["hits"] == [kind]
    assert decision.reason_codes == ["R99"]


def test_velocity_per_national_id_in_24_hours():
    borrower = make_borrower()
    product = make_product()
    # three earlier applications in the window (one just outside it does not count)
    submit(borrower, product, submitted_at=NOON - timedelta(hours=25))
    for hours in (20, 10, 1):
        submit(borrower, product, submitted_at=NOON - timedelta(hours=hours))
    decision = decide(submit(borrower, product, submitted_at=NOON))
    velocity = step(decision, "velocity_national_id")
    assert velocity.inputs["previous_in_window"] == 3
    assert (velocity.result, velocity.reason_code) == ("refer", "F02")
    assert decision.outcome == "refer"


def test_velocity_per_phone_across_different_identities():
    phone = "13712345678"
    for hours in (3, 2, 1):
        submit(make_borrower(), mobile=phone, submitted_at=NOON - timedelta(hours=hours))
    decision = decide(submit(make_borrower(), mobile=phone))
    assert step(decision, "velocity_mobile").result == "refer"
    assert step(decision, "velocity_national_id").result == "pass"


def test_velocity_per_device():
    for hours in range(5, 0, -1):
        submit(
            make_borrower(), device_id="shared-phone", submitted_at=NOON - timedelta(hours=hours)
        )
    decision = decide(submit(make_borrower(), device_id="shared-phone"))
    assert step(decision, "velocity_device").inputs["previous_in_window"] == 5
    assert step(decision, "velocity_device").result == "refer"


def test_velocity_can_decline_by_policy():
    make_policy(actions={**make_policy().policy["actions"], "velocity": "decline"})
    borrower = make_borrower()
    for hours in (3, 2, 1):
        submit(borrower, submitted_at=NOON - timedelta(hours=hours))
    assert decide(submit(borrower)).outcome == "decline"


def granted(borrower, product, *amounts: str) -> list[CreditLine]:
    """Lines opened for `borrower`, their limits then set to `amounts` (logged changes)."""
    lines = []
    for amount in amounts:
        line = open_line(product, borrower, monthly_income="50000")
        lines.append(
            credit_line_change_limit(
                line=line,
                new_limit=Decimal(amount),
                reason="annual review",
                actor=ACTOR,
                business_date=TODAY,
            )
        )
    return lines


def test_exposure_at_the_200k_limit_declines():
    # given lines worth 200,000 already granted by this lender
    borrower = make_borrower()
    product = make_product(max_amount=Decimal("200000"))
    granted(borrower, product, "100000", "100000")
    # when another application comes
    decision = decide(submit(borrower, product, monthly_income="50000"))
    # then it is declined on the regulatory limit
    assert decision.outcome == "decline"
    assert decision.reason_codes[0] == "E04"
    assert step(decision, "exposure").inputs["exposure"] == "200000.00"


def test_exposure_below_the_limit_caps_the_new_limit():
    borrower = make_borrower()
    product = make_product(max_amount=Decimal("200000"))
    granted(borrower, product, "100000", "70000")
    # 170,000 granted: at most 30,000 more
    decision = decide(submit(borrower, product, monthly_income="50000"))
    assert step(decision, "exposure").inputs["headroom"] == "30000.00"
    assert decision.offer["limit"] == "30000.00"
    assert decision.offer["limit_binding"] == "regulatory"


def test_a_limit_raise_beyond_the_200k_limit_is_refused():
    borrower = make_borrower()
    product = make_product(max_amount=Decimal("200000"))
    line = open_line(product, borrower, monthly_income="50000")
    open_line(product, borrower, monthly_income="50000")
    from origination.errors import OriginationError

    with pytest.raises(OriginationError) as refused:
        credit_line_change_limit(
            line=line, new_limit=Decimal("150000"), reason="raise", actor=ACTOR, business_date=TODAY
        )
    assert "regulatory" in refused.value.detail


def test_single_bullet_terms_over_a_year_are_declined():
    product = make_product(method="bullet", max_term=24)
    decision = decide(submit(product=product, term=13))
    assert decision.outcome == "decline"
    assert step(decision, "term").detail == "CN-bullet-1y"


def test_low_income_declines_with_scorecard_reasons():
    young = make_borrower(birth=date(2004, 6, 1))
    decision = decide(submit(young, monthly_income="1000"))
    assert decision.score == 540
    assert decision.outcome == "decline"
    assert decision.reason_codes[0] == "D01"
    assert "S02" in decision.reason_codes
    assert len(decision.reason_codes) <= 4


def test_a_score_between_the_cut_offs_is_referred():
    decision = decide(submit(monthly_income="2000"))
    assert decision.score == 600
    assert decision.outcome == "refer"
    assert step(decision, "cutoff").reason_code == "D04"
    assert decision.offer["band"] == "D"


def test_national_id_fixture_is_well_formed():
    from origination.identity import parse_national_id

    assert parse_national_id(national_id(date(1990, 3, 7))) == (True, date(1990, 3, 7))
    assert parse_national_id("1101011990030712") == (False, None)


def test_lines_approved_earlier_in_a_batch_count_against_the_limit_of_later_ones():
    from origination.services.applications import applications_decide
    from origination.services.decisions import decision_reproduces

    borrower = make_borrower()
    product = make_product(max_amount=Decimal("200000"))
    applications = [
        submit(borrower, product, monthly_income="50000", submitted_at=NOON - timedelta(hours=h))
        for h in (30, 29, 28)
    ]
    records = applications_decide(application_ids=[a.pk for a in applications], business_date=TODAY)
    first_two = sum(Decimal(r.offer["limit"]) for r in records[:2])
    # the third saw the first two lines in its exposure and got only what the law leaves
    assert records[2].inputs["exposure"]["unsecured"] == f"{first_two:.2f}"
    assert records[2].offer["limit_binding"] == "regulatory"
    assert Decimal(records[2].offer["limit"]) == Decimal("200000") - first_two
    assert all(decision_reproduces(decision=r) for r in records)
