"""The loan 360 page in the admin: the summary card, the schedule's rows by standing, ledger lines
with running balances, the history, the collection section and the signed terms as a table."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from ledger import chart
from ledger.selectors import loan_balances
from loans.models import Loan
from tests.eod.helpers import close_until

from .conftest import PASSWORD, active_loan_for, client_for, make_user


def _page(user, loan: Loan, language: str = "en") -> str:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert browser.login(username=user.username, password=PASSWORD)
    response = browser.get(f"/admin/loans/loan/{loan.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def _standings(html: str) -> list[str]:
    return re.findall(r'data-standing="(\w+)"', html)


@pytest.mark.django_db
def test_the_loan_360_page_shows_where_the_loan_stands(borrower_user, today):
    # given a 3-week loan whose first installment is two days overdue
    user, borrower = borrower_user
    loan = active_loan_for(borrower, on=today, principal="3000.00", term=3, frequency="weekly")
    close_until(loan.installments.get(number=1).due_date + timedelta(days=2))
    officer = make_user(staff=True, is_superuser=True)
    # when an officer opens its page
    html = _page(officer, loan)
    # then the summary card tells the borrower (masked), overdue, DPD and the disclosed APR
    loan = Loan.objects.get(pk=loan.pk)
    assert borrower.national_id_masked in html
    assert borrower.name in html
    overdue = loan.installments.get(number=1).outstanding
    assert re.search(rf'id="summary-overdue">{overdue} CNY<', html)
    assert loan.days_past_due > 0
    assert f'id="summary-dpd">{loan.days_past_due} · {loan.delinquency_bucket}<' in html
    percent = (loan.apr_nominal * 100).quantize(Decimal("0.01"))
    assert f'id="summary-apr">{percent}%<' in html
    assert 'id="transition-write_off"' in html
    assert "IFRS 9 stage" in html and "Collection case and contact history" in html
    assert _standings(html) == ["overdue", "upcoming", "upcoming"]
    # and the signed terms are a table of rows, not JSON
    terms = html[html.index('id="l360-terms"') :]
    assert '<th scope="row">disclosure › APR nominal</th>' in terms
    assert '{"' not in terms[: terms.index("</table>")]
    # when the borrower pays the overdue installment
    response = client_for(user).post(
        f"/api/v1/loans/{loan.pk}/repayments",
        {"amount": str(overdue)},
        format="json",
        HTTP_IDEMPOTENCY_KEY="l360",
    )
    assert response.status_code == 201
    html = _page(officer, loan)
    # then the row is paid, nothing is overdue, and the principal account's running balance on
    # its newest line is the loan's principal outstanding
    assert _standings(html) == ["paid", "upcoming", "upcoming"]
    assert re.findall(r'summary-overdue">[^<]*', html) == ['summary-overdue">0.00 CNY']
    principal = loan_balances(loan_id=loan.pk)[chart.LOANS_PRINCIPAL]
    ledger = html[html.index('id="l360-ledger"') : html.index('id="l360-history"')]
    newest = re.search(
        rf"{re.escape(chart.LOANS_PRINCIPAL)} [^<]*</td>.*?running-balance\">([\d.-]+)<",
        ledger,
        re.S,
    )
    assert Decimal(newest.group(1)) == principal
    assert f'id="summary-principal">{principal} CNY<' in html


@pytest.mark.django_db
def test_the_loan_360_page_is_in_chinese_for_a_chinese_speaking_officer(borrower_user, today):
    loan = active_loan_for(borrower_user[1], on=today, principal="3000.00", term=3)
    officer = make_user(staff=True, is_superuser=True)
    html = _page(officer, loan, language="zh-hans")
    for english in ("Principal outstanding", "Amount overdue", "Signed terms", "Ledger lines"):
        assert english not in html
    assert "逾期金额" in html
