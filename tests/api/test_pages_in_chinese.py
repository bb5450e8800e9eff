"""The back-office pages read in Chinese for a Chinese-speaking officer (issue 21): rendered in
zh-hans, no text on the reports page or a loan 360 page is one of the English strings the project
translates (its catalogue's msgids and its models' choice labels)."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import polib
import pytest
from django.test import Client
from django.utils.translation import gettext, override

from compliance.reports.runs import report_run_produce
from tests.eod.helpers import close_until
from tests.house.test_translation_catalogue import PO, project_choice_labels

from .conftest import PASSWORD, active_loan_for, client_for, make_user

pytestmark = pytest.mark.django_db


class _VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside script and style, and button captions."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "submit" and attributes.get("value"):
            self.texts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def known_english() -> set[str]:
    """English the project translates into something else: catalogue msgids, choice labels."""
    strings = {
        entry.msgid
        for entry in polib.pofile(str(PO)).translated_entries()
        if entry.msgstr != entry.msgid and "%(" not in entry.msgid
    }
    with override("en"):
        strings |= {str(label) for label in project_choice_labels().values()}
    with override("zh-hans"):
        return {english for english in strings if gettext(english) != english}


def english_left(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    english = known_english()
    return sorted({text for text in parser.texts if text in english})


def _get(user, url: str) -> str:
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert browser.login(username=user.username, password=PASSWORD)
    response = browser.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_reports_page_has_no_english_left(settings, tmp_path, borrower_user, today):
    # given a closed day with a loan on the books and a report produced from it
    settings.REPORTS_ROOT = str(tmp_path)
    active_loan_for(borrower_user[1], on=today, principal="3000.00", term=3)
    close_until(today + timedelta(days=2))
    report_run_produce(name="aging", fmt="csv", actor="test")
    officer = make_user(staff=True, is_superuser=True)
    # when a Chinese-speaking officer opens the reports page
    html = _get(officer, "/admin/compliance/reportrun/reports/")
    # then the form, the tables, the report titles and the charts are in Chinese
    left = english_left(html[html.index('id="content-main"') :])
    assert left == [], ", ".join(left)
    assert "生成并下载" in html and "逾期账龄" in html and "每日" in html
    assert re.search(r"<svg[^>]*aria-label=\"按逾期档位的未偿本金", html)


def test_a_loan_360_page_has_no_english_left(borrower_user, today):
    # given a loan with an overdue installment, a repayment and its collection case
    user, borrower = borrower_user
    loan = active_loan_for(borrower, on=today, principal="3000.00", term=3, frequency="weekly")
    close_until(loan.installments.get(number=1).due_date + timedelta(days=2))
    response = client_for(user).post(
        f"/api/v1/loans/{loan.pk}/repayments",
        {"amount": "100.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="zh-360",
    )
    assert response.status_code == 201
    officer = make_user(staff=True, is_superuser=True)
    # when a Chinese-speaking officer opens its page
    html = _get(officer, f"/admin/loans/loan/{loan.pk}/change/")
    # then the summary card, the schedule, repayments, history, collection case and modifications
    # are in Chinese, statuses and kinds included (the ledger lines' entry kinds and the signed
    # terms' values are the stored codes, and the admin's own field sets below are not covered)
    summary_to_repayments = html[html.index('id="content-main"') : html.index('id="l360-ledger"')]
    history_to_modifications = html[html.index('id="l360-history"') : html.index('id="l360-terms"')]
    left = english_left(summary_to_repayments + history_to_modifications)
    assert left == [], ", ".join(left)
    assert "已入账" in summary_to_repayments  # the repayment's status, Posted
