"""The borrower 360 page: their loans with where each stands, credit lines and drawdowns,
applications with the decision's reasons, contact history and consents; personal data masked."""

import pytest
from django.test import Client

from tests.origination import factories as origination

from .conftest import PASSWORD, active_loan_for, make_user


@pytest.mark.django_db
def test_the_borrower_page_gathers_loans_lines_applications_and_consents(today):
    # given a borrower with a credit line, a declined application and an active loan
    borrower = origination.make_borrower()
    line = origination.open_line(borrower=borrower)
    declined = origination.submit(borrower, consents=("data_processing",))
    origination.decide(declined)
    loan = active_loan_for(borrower, on=today, principal="3000.00", term=3)
    officer = make_user(staff=True, is_superuser=True)
    # when an officer opens the borrower
    browser = Client()
    assert browser.login(username=officer.username, password=PASSWORD)
    html = browser.get(f"/admin/loans/borrower/{borrower.pk}/change/").content.decode()
    # then the page shows each part, and the national ID only masked
    assert f'data-loan="{loan.reference}"' in html
    assert line.reference in html
    applications = html[html.index('id="b360-applications"') : html.index('id="b360-consents"')]
    assert declined.reference in applications and "C01" in applications
    assert "Contact history" in html
    consents = html[html.index('id="b360-consents"') :]
    assert consents.count("<tr>") >= 3  # the heading and the consents given
    assert borrower.national_id_masked in html
    assert borrower.national_id not in html
