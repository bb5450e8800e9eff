"""The reference borrower app end to end in a real headless Chromium (Debian's ``chromium``,
driven by Playwright) against a live server: quote → apply and sign → the lender's decision →
disbursement by staff in the admin → a prepayment with the page's idempotency key → the loan
shows the new balance. Screenshots go to the test's tmp dir.

Skipped, with the reason, where ``/usr/bin/chromium`` or the ``playwright`` package is missing.
"""

import os
import shutil
from datetime import date
from decimal import Decimal

import pytest

from core.models import IdempotencyRecord
from ledger.services import business_date_open
from loans.models import Loan, Repayment
from tests.lifecycle.factories import make_product

from .conftest import PASSWORD, make_borrower_user, make_user

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
    reason=f"no Chromium at {CHROMIUM}: apt-get install -y chromium",
)


def _amount(text: str) -> Decimal:
    return Decimal(text.split()[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_borrower_quotes_signs_is_paid_out_and_prepays_in_the_app(
    live_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # given a product, a borrower with a password and a staff user
    product = make_product(code="app-cash", allowed_terms=[3, 6])
    user, _borrower = make_borrower_user()
    officer = make_user(staff=True, is_superuser=True)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            phone = browser.new_context(viewport=PHONE, locale="en-US")
            page = phone.new_page()
            # when the borrower quotes 3000.00 over 3 months
            page.goto(f"{live_server.url}/app/quote/")
            page.select_option("#product", product.code)
            page.fill("#principal", "3000.00")
            page.select_option("#term", "3")
            page.keyboard.press("Tab")
            page.click("#quote-submit")
            page.wait_for_selector("#quote-result:not([hidden])")
            # then the APR (IRR) is shown like every other figure, with the schedule and cap
            apr_text = page.inner_text("#quote-apr")
            assert apr_text.endswith("%")
            assert page.locator("#quote-schedule tbody tr").count() == 3
            assert page.inner_text("#quote-cap").startswith("Within the legal cap")
            page.screenshot(path=shots / "1-quote.png", full_page=True)
            # when they accept and sign (signing in on the way)
            page.check("#accept")
            page.click("#sign-submit")
            page.fill("#username", user.username)
            page.fill("#password", PASSWORD)
            page.click("#signin-submit")
            page.wait_for_url("**/app/loans/*/")
            page.wait_for_selector("#loan:not([hidden])")
            # then the loan is pending the lender's decision, with the APR they were shown
            assert page.inner_text("#loan-status") == "pending"
            assert page.inner_text("#loan-decision").startswith("Pending")
            assert page.inner_text("#loan-apr").startswith(apr_text)
            page.screenshot(path=shots / "2-signed.png", full_page=True)
            loan = Loan.objects.get(borrower__user=user)
            # when staff approve and disburse it in the admin
            staff = browser.new_page()
            staff.goto(f"{live_server.url}/admin/login/")
            staff.fill("#id_username", officer.username)
            staff.fill("#id_password", PASSWORD)
            staff.click("input[type=submit]")
            staff.goto(f"{live_server.url}/admin/loans/loan/{loan.pk}/change/")
            staff.click("#transition-approve")
            staff.wait_for_selector(".messagelist .success")
            staff.click("#transition-disburse")
            staff.wait_for_selector("#transition-write_off")
            staff.screenshot(path=shots / "3-admin-loan-360.png", full_page=True)
            # then the borrower sees it active and what they owe
            page.reload()
            page.wait_for_selector("#pay:not([hidden])")
            assert page.inner_text("#loan-status") == "active"
            before = _amount(page.inner_text("#loan-balance"))
            assert before == Decimal("3000.00")
            key = page.input_value("#pay-key")
            assert len(key) >= 16
            # when they prepay 500.00
            page.fill("#pay-amount", "500.00")
            page.check("#kind-prepayment")
            page.click("#pay-submit")
            page.wait_for_function(
                "document.querySelector('#status').textContent.startsWith('Payment received')"
            )
            page.wait_for_function(
                f"!document.querySelector('#loan-balance').textContent.startsWith('{before}')"
            )
            # then the loan shows the new balance, and the payment carries the page's key
            assert _amount(page.inner_text("#loan-balance")) == before - Decimal("500.00")
            assert page.input_value("#pay-key") != key
            page.screenshot(path=shots / "4-repaid.png", full_page=True)
        finally:
            browser.close()
    repayment = Repayment.objects.get(loan=loan)
    assert repayment.amount == Decimal("500.00") and repayment.kind == "prepayment"
    record = IdempotencyRecord.objects.get(key=key)
    assert record.status_code == 201 and record.response_body["id"] == repayment.pk
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-quote.png",
        "2-signed.png",
        "3-admin-loan-360.png",
        "4-repaid.png",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_borrower_sees_a_decision_with_its_reasons_and_draws_down_in_the_app(
    live_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from origination.models import CreditLine, Drawdown
    from tests.origination.factories import make_borrower as make_applicant
    from tests.origination.factories import make_product as make_typed_product

    # given a cash-loan product and a borrower with a password, on the books' first day
    business_date_open(on=date(2026, 1, 15))
    product = make_typed_product("cash_loan", code="app-line-cash", name="Cash from my line")
    borrower = make_applicant(name="Li Na")
    user = make_user()
    borrower.user = user
    borrower.save(update_fields=["user"])
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_context(viewport=PHONE, locale="en-US").new_page()
            page.goto(f"{live_server.url}/app/credit/")
            page.fill("#username", user.username)
            page.fill("#password", PASSWORD)
            page.click("#signin-submit")
            page.wait_for_selector("#credit:not([hidden])")
            page.wait_for_selector("#no-applications:not([hidden])")
            assert page.locator("#draw-form").is_hidden()

            def apply(*consents: str) -> None:
                page.select_option("#apply-product", product.code)
                page.fill("#apply-amount", "20000.00")
                page.select_option("#apply-term", "12")
                page.fill("#apply-purpose", "furniture")
                page.fill("#apply-income", "12000.00")
                page.fill("#apply-name", borrower.name)
                page.fill("#apply-national-id", borrower.national_id)
                page.fill("#apply-mobile", borrower.mobile)
                for box in page.locator("input[name=consents]").all():
                    box.set_checked(box.get_attribute("value") in consents)
                page.click("#apply-submit")

            # when they apply without the credit-bureau consent
            apply("data_processing")
            page.wait_for_selector("#application-list li.application")
            # then the decline is shown with its reason, in words and code
            decision = page.inner_text("#application-list li.application")
            assert "Declined" in decision
            assert "A consent the application needs was not given. (C01)" in decision
            page.screenshot(path=shots / "5-declined-with-reasons.png", full_page=True)
            # when they apply again with both consents
            apply("credit_bureau", "data_processing")
            page.wait_for_function(
                "document.querySelectorAll('#application-list li.application').length === 2"
            )
            # then the newest decision is an approval with its offer, APR first
            newest = page.inner_text("#application-list li.application >> nth=0")
            assert "Approved" in newest and "Annualized rate (APR, IRR method)" in newest
            page.wait_for_selector("#draw-form:not([hidden])")
            line = CreditLine.objects.get(borrower=borrower)
            assert line.reference in page.inner_text("#line-list")
            # when they draw 5,000.00 over 6 months to their own account
            key = page.input_value("#draw-key")
            assert len(key) >= 16
            page.select_option("#draw-line", line.reference)
            page.select_option("#draw-product", product.code)
            page.fill("#draw-amount", "5000.00")
            page.select_option("#draw-term", "6")
            page.fill("#draw-payee-name", borrower.name)
            page.fill("#draw-payee-account", "6217****1234")
            page.click("#draw-submit")
            page.wait_for_selector("#drawn:not([hidden])")
            # then the line shows what is left and the page offers a fresh key
            page.wait_for_function(
                "document.querySelector('#line-list').textContent.includes('Available 55000.00')"
            )
            assert page.input_value("#draw-key") != key
            page.screenshot(path=shots / "6-drawn.png", full_page=True)
            # and the new loan opens, active, owing the amount drawn
            page.click("#drawn-link")
            page.wait_for_selector("#pay:not([hidden])")
            assert page.inner_text("#loan-status") == "active"
            assert _amount(page.inner_text("#loan-balance")) == Decimal("5000.00")
            page.screenshot(path=shots / "7-drawn-loan.png", full_page=True)
        finally:
            browser.close()
    drawdown = Drawdown.objects.get(line=line)
    assert drawdown.amount == Decimal("5000.00")
    assert IdempotencyRecord.objects.get(key=key).status_code == 201
    assert sorted(p.name for p in shots.iterdir()) == [
        "5-declined-with-reasons.png",
        "6-drawn.png",
        "7-drawn-loan.png",
    ]
