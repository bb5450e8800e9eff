"""One real browser: a loan officer logs into the admin in headless Chromium (Debian's
``chromium``, driven by Playwright), opens a pending loan and approves it.

Skipped, with the reason, where ``/usr/bin/chromium`` or the ``playwright`` package is missing;
Playwright never downloads a browser here.
"""

import os
import shutil

import pytest

from loans.models import Loan
from tests.lifecycle.factories import make_loan

from .conftest import PASSWORD, make_borrower_user, make_user

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
    reason=f"no Chromium at {CHROMIUM}: apt-get install -y chromium",
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_loan_officer_approves_a_loan_in_the_admin(live_server, today, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
    # synchronous test code, not async views.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # given a pending loan and a loan officer
    _, borrower = make_borrower_user()
    loan = make_loan("8000.00", 6, today, borrower=borrower, approve=False)
    officer = make_user(staff=True, groups=("loan officer",))
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            # when the officer logs in
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", officer.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_selector("#portfolio-dashboard")
            # and opens the loan and presses Approve
            page.goto(f"{live_server.url}/admin/loans/loan/{loan.pk}/change/")
            assert loan.reference in page.content()
            page.click("#transition-approve")
            page.wait_for_selector(".messagelist .success")
            message = page.inner_text(".messagelist")
            # then the page says so, and the loan is approved
            assert f"Loan {loan.reference} approved." in message
            assert page.locator("#transition-approve").count() == 0
            assert page.locator("#transition-disburse").count() == 1
        finally:
            browser.close()
    assert Loan.objects.get(pk=loan.pk).status == "approved"
