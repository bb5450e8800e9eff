"""The reference borrower app end to end in a real headless Chromium (Debian's ``chromium``,
driven by Playwright) against a live server: quote → apply and sign → the lender's decision →
disbursement by staff in the admin → a prepayment with the page's idempotency key → the loan
shows the new balance. Screenshots go to the test's tmp dir.

Skipped, with the reason, where ``/usr/bin/chromium`` or the ``playwright`` package is missing.
"""

import os
import shutil
from decimal import Decimal

import pytest

from core.models import IdempotencyRecord
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
