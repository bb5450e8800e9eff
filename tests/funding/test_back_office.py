"""Funders in the back office: the statement and the loan-level file through the API (staff with
the permission only), the admin's exposure chart, file download and settlement button, and an
arrangement below the platform's minimum share refused with the figures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from funding.errors import FundingError
from funding.models import ArrangementShare, Funder, FundingArrangement, SettlementRun
from funding.services.arrangements import arrangement_shares_check
from funding.services.settlement import funder_settle
from ledger.services import business_date_current
from tests.api.conftest import make_user
from tests.lifecycle.factories import make_active_loan, make_product

pytestmark = pytest.mark.django_db
D = Decimal


def staff(*codenames, superuser=False):
    user = make_user(staff=True)
    if superuser:
        user.is_superuser = True
        user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def co_lent():
    platform = Funder.objects.get(kind="platform")
    bank = Funder.objects.create(code="bank", name="Bank", kind="bank", exposure_limit=D("9000"))
    product = make_product()
    arrangement = FundingArrangement.objects.create(
        code="p-30-70", product=product, valid_from=business_date_current()
    )
    ArrangementShare.objects.create(arrangement=arrangement, funder=platform, share=D("0.3"))
    ArrangementShare.objects.create(arrangement=arrangement, funder=bank, share=D("0.7"))
    loan = make_active_loan("1000.01", 3, business_date_current(), product=product)
    return bank, loan


def test_the_minimum_platform_share_is_data_and_refused_with_figures():
    platform = Funder.objects.get(kind="platform")
    bank = Funder(code="b", name="b", kind="bank")
    with pytest.raises(FundingError, match="20.00%, below the minimum of 30.00%"):
        arrangement_shares_check(
            shares=[(platform, D("0.2"), True), (bank, D("0.8"), True)], platform_guarantee=True
        )
    with pytest.raises(FundingError, match="bears no credit losses"):
        arrangement_shares_check(
            shares=[(platform, D("0.3"), True), (bank, D("0.7"), False)], platform_guarantee=False
        )


def test_statement_and_file_through_the_api(co_lent):
    bank, loan = co_lent
    client = staff("view_settlementrun")
    statement = client.get("/api/v1/backoffice/funders/bank/settlement")
    assert statement.status_code == 200, statement.content
    # The bank funded 700.01 of the disbursement (1,000.01 × 70%, the odd cent its).
    assert statement.json()["other"] == "-700.01"
    assert statement.json()["net_amount"] == "-700.01"
    file = client.get("/api/v1/backoffice/funders/bank/file")
    lines = b"".join(file.streaming_content).decode().splitlines()
    assert lines[0].startswith("loan,reference,share,principal")
    assert lines[1].split(",")[:4] == [str(loan.pk), loan.reference, "0.700000", "700.01"]
    platform_file = b"".join(
        client.get("/api/v1/backoffice/funders/platform/file").streaming_content
    )
    assert f"{loan.pk},{loan.reference},0.300000,300.00".encode() in platform_file
    assert client.get("/api/v1/backoffice/funders/nobody/file").status_code == 404
    assert client.get("/api/v1/backoffice/funders/bank/settlement?date=x").status_code == 400
    assert staff().get("/api/v1/backoffice/funders/bank/file").status_code == 403


def test_admin_exposure_chart_file_and_settlement(co_lent):
    bank, _loan = co_lent
    client = staff(superuser=True)
    page = client.get("/admin/funding/funder/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b"700.01" in page.content
    download = client.get(f"/admin/funding/funder/{bank.pk}/file/")
    assert download["Content-Type"] == "text/csv"
    assert b"700.01" in b"".join(download.streaming_content)
    assert client.get("/admin/funding/settlementrun/").status_code == 200
    today = business_date_current()
    client.post(f"/admin/funding/funder/{bank.pk}/settle/", {"date": today.isoformat()})
    run = SettlementRun.objects.get(funder=bank)
    assert run.net_amount == D("-700.01")
    assert client.get("/admin/funding/fundingarrangement/add/").status_code == 200
    # bad input refused, changing nothing; settling needs its permission
    assert client.get(f"/admin/funding/funder/{bank.pk}/file/?date=x").status_code == 400
    assert client.get("/admin/funding/funder/999999/file/").status_code == 404
    assert client.get(f"/admin/funding/funder/{bank.pk}/settle/").status_code == 405
    client.post(f"/admin/funding/funder/{bank.pk}/settle/", {"date": "junk"})
    viewer = staff("view_funder", "view_settlementrun")
    assert (
        viewer.post(
            f"/admin/funding/funder/{bank.pk}/settle/", {"date": today.isoformat()}
        ).status_code
        == 403
    )
    assert SettlementRun.objects.filter(funder=bank).count() == 1


def test_reconcile_fails_on_shares_written_around_the_services(co_lent):
    from django.core.management import CommandError, call_command

    from funding.models import LoanFunding

    bank, loan = co_lent
    call_command("reconcile", funder="bank")
    LoanFunding.objects.filter(loan=loan, funder=bank).update(share=D("0.8"))
    with pytest.raises(CommandError, match="mismatches in the books of funder bank"):
        call_command("reconcile", funder="bank")
    with pytest.raises(CommandError, match="No funder"):
        call_command("reconcile", funder="nobody")


def test_a_weekly_partner_is_paid_on_fridays_what_accumulated(co_lent):
    bank, _loan = co_lent
    FundingArrangement.objects.update(settlement_calendar="weekly")
    thursday = business_date_current()
    assert thursday.weekday() == 3
    run = funder_settle(funder=bank, on=thursday, actor="tester")
    assert (run.net_amount, run.transferred, run.settlement_day) == (D("-700.01"), 0, False)
    friday = funder_settle(funder=bank, on=thursday + timedelta(days=1), actor="tester")
    # Nothing moved on Friday itself; Thursday's funding of the disbursement is paid in now.
    assert (friday.net_amount, friday.transferred) == (0, D("-700.01"))


def test_the_loan_360_page_shows_who_funds_a_co_lent_loan(co_lent):
    bank, loan = co_lent
    page = f"/admin/loans/loan/{loan.pk}/change/"
    html = staff(superuser=True).get(page).content.decode()
    assert "Funders" in html
    assert "Bank (bank)" in html and "70.00%" in html and "30.00%" in html
    chinese = staff(superuser=True).get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "出资方" in chinese and "出资比例" in chinese and "Funder's rate" not in chinese
    own = make_active_loan("500.00", 3, business_date_current())  # funded by the platform alone
    # (the sidebar names the Funders model in Chinese on every page: the section is what is absent)
    assert (
        'id="l360-funders"'
        not in staff(superuser=True)
        .get(f"/admin/loans/loan/{own.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    assert 'id="l360-funders"' in chinese
