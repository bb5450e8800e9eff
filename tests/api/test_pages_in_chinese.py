"""The back-office pages read in Chinese for a Chinese-speaking officer (issue 21): rendered in
zh-hans, no text on the reports page, a loan 360 page, the admin's index or the lists and pages
of the main models is one of the English strings the project translates (its catalogue's msgids,
its models' choice labels and its app, model and field names, as the admin capitalizes them)."""

from __future__ import annotations

import json
import re
import zoneinfo
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import polib
import pytest
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.utils.text import capfirst
from django.utils.translation import gettext, override

from collection.models import CollectionCase
from collection.services import cases_assign
from compliance.models import LoanMonthEnd, MonthEndCapture, ReportRun
from compliance.reports.runs import report_run_produce
from core.models import AuditEvent
from funding.models import Funder
from ledger.entry_kinds import entry_kind_labels
from ledger.models import Account, JournalEntry
from ledger.services import business_date_current
from loans.models import CloseRun, LoanTransition, Repayment
from payments.models import PaymentOrder
from payments.services.orders import order_create
from tests.collection.clock import at
from tests.eod.helpers import close_until
from tests.house.test_translation_catalogue import PO, project_choice_labels, project_names

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
        names = {str(name) for name in project_names().values()}
    with override("zh-hans"):
        strings = {english for english in strings if gettext(english) != english}
    # the admin shows a lowercase name capitalized ("days past due" heads a column as "Days
    # past due"); "ID" reads the same in Chinese
    strings |= {capfirst(name) for name in (strings | names) if name != "ID"} | names - {"ID"}
    return strings


def english_left(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    english = known_english()
    # a form's labels end in a colon ("Status:")
    return sorted({text for text in parser.texts if text.rstrip(":") in english})


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


def _back_office_book(borrower_user, today):
    """A loan in arrears with its collection case, a payment order on it and a funder."""
    user, borrower = borrower_user
    loan = active_loan_for(borrower, on=today, principal="3000.00", term=3, frequency="weekly")
    close_until(loan.installments.get(number=1).due_date + timedelta(days=2))
    order = order_create(
        loan=loan,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.REPAYMENT,
        amount=loan.installments.get(number=1).outstanding,
        idempotency_key="zh-order",
        business_date=loan.installments.get(number=1).due_date + timedelta(days=2),
        gateway="local",
    )
    funder = Funder.objects.create(code="zh-bank", name="Bank", kind="bank")
    return loan, order, funder


def test_the_admin_index_lists_and_pages_of_the_main_models_have_no_english_left(
    borrower_user, today
):
    # given a loan in arrears (its entries, its collection case), a payment order and a funder
    loan, order, funder = _back_office_book(borrower_user, today)
    case = CollectionCase.objects.get(loan=loan)
    entry = JournalEntry.objects.filter(lines__loan_id=loan.pk).order_by("id").first()
    officer = make_user(staff=True, is_superuser=True)
    # when a Chinese-speaking officer opens the index, the lists and a page of each
    pages = ["/admin/"]
    for path, pk in (
        ("loans/loan", loan.pk),
        ("ledger/journalentry", entry.pk),
        ("collection/collectioncase", case.pk),
        ("payments/paymentorder", order.pk),
        ("funding/funder", funder.pk),
    ):
        pages += [f"/admin/{path}/", f"/admin/{path}/{pk}/change/"]
    left = {}
    for url in pages:
        html = _get(officer, url)
        # the whole page below the header: the sidebar's app and model names, the titles, the
        # lists' column headers and filters, the forms' labels and inline tables
        if english := english_left(html[html.index('id="main"') :]):
            left[url] = english
    # then none of the project's English is left on any of them
    assert left == {}, left
    # and the sidebar and titles name the apps and models in Chinese
    index = _get(officer, "/admin/")
    assert all(name in index for name in ("总账", "贷款", "催收", "会计分录", "支付单", "出资方"))


def test_journal_entry_kinds_and_signed_terms_read_in_words(borrower_user, today):
    # given a loan whose close posted accruals, penalty interest and provisions
    loan, _, _ = _back_office_book(borrower_user, today)
    officer = make_user(staff=True, is_superuser=True)
    # every kind posted has a name (the stored codes stay as they are)
    kinds = set(JournalEntry.objects.values_list("kind", flat=True))
    assert {"disbursement", "accrual", "penalty", "provision"} <= kinds
    assert kinds <= set(entry_kind_labels())
    # when the officer opens the loan 360 page and the journal in Chinese
    html = _get(officer, f"/admin/loans/loan/{loan.pk}/change/")
    ledger = html[html.index('id="l360-ledger"') : html.index('id="l360-history"')]
    terms = html[html.index('id="l360-terms"') :]
    terms = terms[: terms.index("</table>")]
    journal = _get(officer, "/admin/ledger/journalentry/")
    # then the ledger lines' kinds are named, not coded, on both
    for page in (ledger, journal):
        assert "利息计提" in page and "放款" in page
        assert not re.search(r">(accrual|disbursement|penalty|provision)<", page)
    assert "?kind=accrual" in journal  # the filter still selects by the stored code
    # and the chart's accounts by their Chinese names (stored in English by the migrations)
    assert "1303 贷款——本金" in ledger
    with override("zh-hans"):
        assert [a.name for a in Account.objects.all() if a.name_shown == a.name] == []
    # and the signed terms name each term and code: no snake_case name or code left
    names = re.findall(r'<th scope="row">([^<]+)</th>', terms)
    values = re.findall(r"<td>([^<]+)</td>", terms)
    assert "信息披露 › 名义年化利率" in names and "产品 › 还款方式" in names
    assert "等额本息" in values and "每周" in values
    assert not [text for text in names + values if re.fullmatch(r"[a-z]+(_[a-z]+)+", text)]
    # and the transitions read as statuses, the audit trail's actions by their names
    history = html[html.index('id="l360-history"') : html.index('id="l360-terms"')]
    assert "逾期" in history and "delinquent" not in history
    assert "贷款已放款" in history and "loan.disburse" not in history


# Letters that may stay as they are on a Chinese page: codes and proper nouns, not words.
ALLOWED_LATIN = {
    # rates and methods named by their codes in Chinese regulation and practice
    "APR",
    "LPR",
    "IRR",
    "EIR",
    "ECL",
    "PBOC",
    "IFRS",
    # identifiers, file formats and units
    "ID",
    "CSV",
    "JSON",
    "GL",
    "SMS",
    "URL",
    "API",
    "TXT",
    "null",  # the JSON literal, in help texts on what to type into a JSON field
    # ISO country and currency codes
    "CN",
    "US",
    "CNY",
    "USD",
    # the software a help text names (Django's and django-celery-beat's own)
    "LDAP",
    "AMQP",
    "RabbitMQ",
    "Redis",
    "PostgreSQL",
    "CloudEvents",
    # the time standard a time zone field defaults to; the keys a multiple choice is made with
    "UTC",
    "Control",
    "Command",
    "Mac",
    # the language switcher names each language in itself; the product's own name
    "English",
    "installment",
    "ledger",
    # a value typed into the product's rounding field, named in its help text
    "cent",
}
_LATIN = re.compile(r"[A-Za-z]{2,}")
_DOTTED_CODE = re.compile(r"[a-z_]+(\.[a-z_]+)+")
_TIME_ZONES = zoneinfo.available_timezones()
_SPACE_OR_CJK = re.compile(r"[\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


class _ReadText(_VisibleText):
    """What a reader and a screen reader get: visible text, button captions, and the labels that
    only assistive technology reads (aria-label, title, alt, placeholder). Text marked as code
    (``<code>``: a report's name as the API and the command take it) is left out."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if tag == "code":
            self._hidden += 1
        attributes = dict(attrs)
        for name in ("aria-label", "title", "alt", "placeholder"):
            if attributes.get(name) and not _django_search_icon(tag, attributes, name):
                self.texts.append(attributes[name])

    def handle_endtag(self, tag):
        super().handle_endtag(tag)
        if tag == "code":
            self._hidden -= 1


def _django_search_icon(tag: str, attributes: dict, name: str) -> bool:
    """The search icon's alt on Django's admin lists: Django's template writes "Search" as a
    literal, outside its catalogue, and has no block to override it by; we leave Django's
    template alone rather than keep a copy of it (the button beside it is translated)."""
    return tag == "img" and name == "alt" and attributes.get("src", "").endswith("search.svg")


def latin_words(text: str) -> set[str]:
    """English words in `text`: letter runs of two or more, outside pieces that carry a digit
    (amounts, dates, references, codes such as ``CN-licensed-24``) and outside the allow-list."""
    if text.lstrip("(").startswith(("{", "[", "null")):
        return set()  # a stored JSON value (parameters, the snapshot), shown as stored
    if text.replace(" ", "_") in _TIME_ZONES:
        return set()  # an IANA time zone's name, as a time zone field offers it
    words = set()
    for piece in _SPACE_OR_CJK.split(text):
        # a digit marks an amount, date, reference or code; a slash an IANA time zone; an
        # underscore or a colon a value to type in a field (whole_unit, multiple:N, :half_up);
        # braces a template's placeholder ({due_date}) or a JSON example; an asterisk a masked
        # value or a cron field
        if any(character.isdigit() or character in "/_:{}*" for character in piece):
            continue
        if _DOTTED_CODE.fullmatch(piece.strip("()（）,，.。")):
            continue  # an event type, an audit action or a model's label (loan.disburse)
        words |= {word for word in _LATIN.findall(piece) if word not in ALLOWED_LATIN}
    return words


def english_words_left(html: str, stored: frozenset[str] = frozenset()) -> list[str]:
    """Each text on the page that still has an English word in it, but for `stored` texts
    (shown whole, or a stored code such as a funder's within a text)."""
    parser = _ReadText()
    parser.feed(html)
    worded = sorted((text for text in stored if _LATIN.search(text)), key=len, reverse=True)
    return sorted(
        {
            text
            for text in parser.texts
            if text not in stored and latin_words(_without(text, worded)) - stored
        }
    )


def _without(text: str, worded: list[str]) -> str:
    """`text` with the stored texts it quotes taken out, the longest first
    ("选择此对象执行操作 - loan officer" quotes a role's name)."""
    for quoted in worded:
        if quoted in text:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(quoted)}(?![A-Za-z0-9])", " ", text)
    return text


def stored_texts() -> frozenset[str]:
    """Texts the book stores as they were written, which a page shows as they are: who acted
    (user names, the system's actors), the reasons given, the audit trail's record of the object
    at the time, the payment gateway's configured name, the channel a repayment came by, a
    funder's code (the platform's, ``platform``, made by a migration). They are data, not the project's words;
    the system's own reasons ("disbursed", "12 days past due") are among them, and are left."""
    texts = set()
    for model, fields in (
        (AuditEvent, ("actor_username", "object_repr", "reason")),
        (LoanTransition, ("actor", "reason")),
        (ReportRun, ("produced_by",)),
        (PaymentOrder, ("gateway",)),
        (Repayment, ("channel",)),
        (Funder, ("code",)),
    ):
        for row in model.objects.values_list(*fields).distinct():
            texts |= {str(value) for value in row if value}
    return frozenset(texts)


def _labels(html: str) -> list[str]:
    """The borrower app's labels, which its script shows (a JSON block in the page)."""
    found = re.search(r'<script type="application/json" id="labels">(.*?)</script>', html, re.S)
    return [str(value) for value in json.loads(found.group(1)).values()] if found else []


@pytest.fixture
def chinese_book(borrower_user, today, settings, tmp_path):
    """A book whose own data reads in Chinese or as codes: a product, a loan in arrears with its
    collection case (assigned to the officer), a repayment, a payment order, a funder, a closed
    run, a report, so that every English word left on a page is the project's own."""
    settings.REPORTS_ROOT = str(tmp_path)
    user, borrower = borrower_user
    borrower.name = "李娜"
    borrower.save(update_fields=["name"])
    loan = active_loan_for(
        borrower,
        on=today,
        principal="3000.00",
        term=3,
        frequency="weekly",
        code="cash-01",
        name="现金贷",
        fee_rate=Decimal("0.001"),
    )
    due = loan.installments.get(number=1).due_date
    close_until(due + timedelta(days=2))
    response = client_for(user).post(
        f"/api/v1/loans/{loan.pk}/repayments",
        {"amount": "100.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="zh-pages-1",
    )
    assert response.status_code == 201
    order_create(
        loan=loan,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.REPAYMENT,
        amount=Decimal("50.00"),
        idempotency_key="zh-pages-2",
        business_date=due + timedelta(days=2),
        gateway="local",
    )
    Funder.objects.create(code="bank-01", name="合作银行", kind="bank")
    report_run_produce(name="aging", fmt="csv", actor="test")
    officer = make_user(staff=True, is_superuser=True)
    case = CollectionCase.objects.get(loan=loan)
    cases_assign(case_ids=[case.id], agent=officer)
    return {"loan": loan, "case": case, "officer": officer, "borrower": borrower}


def test_every_back_office_page_and_the_borrower_app_read_in_chinese(chinese_book, monkeypatch):
    # given a book whose own data is Chinese or codes, at 06:30 in Shanghai (the workspace then
    # says why no call is allowed yet)
    moment = at("2026-01-11", "06:30", "Asia/Shanghai")
    monkeypatch.setattr("collection.workspace.timezone.now", lambda: moment)
    loan, case, officer = chinese_book["loan"], chinese_book["case"], chinese_book["officer"]
    product, borrower = loan.product, chinese_book["borrower"]
    run = CloseRun.objects.order_by("-business_date").first()
    # when a Chinese-speaking officer opens each back-office page, and a borrower the app's pages
    pages = [
        "/admin/",  # the dashboard
        f"/admin/loans/loan/{loan.pk}/change/",  # loan 360, whole page
        f"/admin/loans/borrower/{borrower.pk}/change/",  # borrower 360
        f"/admin/loans/closerun/{run.pk}/change/",  # the close run's timeline
        "/admin/loans/closerun/",
        "/admin/loans/closesteprun/",
        "/admin/loans/portfoliosnapshot/",
        "/admin/funding/settlementrun/",
        "/admin/loans/loan/",
        "/admin/loans/repayment/",
        "/admin/collection/contactattempt/",
        "/admin/collection/scheduledaction/",
        "/admin/collection/promisetopay/",
        "/admin/compliance/reportrun/reports/",
        "/admin/compliance/reportrun/",
        "/admin/collection/collectorqueuecase/workspace/",
        "/admin/collection/collectorqueuecase/",
        f"/admin/collection/collectioncase/{case.pk}/change/",
        f"/admin/collection/collectioncase/{case.pk}/log-attempt/",
        f"/admin/collection/collectioncase/{case.pk}/record-outcome/",
        f"/admin/collection/collectioncase/{case.pk}/record-promise/",
        f"/admin/loans/loanmodification/add/?loan={loan.pk}",
        "/admin/loans/loanmodification/",
        f"/admin/loans/product/{product.pk}/change/",
        "/admin/loans/product/add/",
        "/admin/loans/product/",
        "/admin/ledger/accountingperiod/books/",
        "/admin/ledger/accountingperiod/",
        "/admin/core/auditevent/",
        "/admin/payments/paymentorder/",
        "/admin/payments/bankstatement/",
        "/admin/payments/statementline/",
        "/admin/payments/reconciliationrequest/",
        "/admin/funding/funder/",
        "/admin/compliance/loanstage/",
        "/admin/compliance/stagechange/",
        "/admin/ledger/journalline/",
    ]
    left = {}
    stored = stored_texts()
    for url in pages:
        html = _get(officer, url)
        main = html[html.rindex("<", 0, html.index('id="main"')) :]
        if english := english_words_left(main, stored):
            left[url] = english
    borrower_pages = ["/app/", "/app/quote/", f"/app/loans/{loan.pk}/", "/app/credit/"]
    for url in borrower_pages:
        html = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(url).content.decode()
        texts = [text for text in _labels(html) if latin_words(text)]
        if english := sorted(set(english_words_left(html)) | set(texts)):
            left[url] = english
    # then no English word is left on any of them
    assert left == {}, "\n".join(f"{url}: {texts}" for url, texts in left.items())
    # and the pages said what the walk expects to read (the workspace its quiet-hours reason)
    workspace = _get(officer, "/admin/collection/collectorqueuecase/workspace/")
    assert "不在 08:00-22:00 之间" in workspace


def _admin_pages(officer) -> list[str]:
    """Every page of every model the admin serves: its list, its add form where the officer may
    add, and the page of its first object where there is one."""
    from django.contrib import admin

    request = RequestFactory().get("/admin/")
    request.user = officer
    pages = []
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages.append(base)
        if model_admin.has_add_permission(request):
            pages.append(f"{base}add/")
        if first := model._default_manager.order_by("pk").first():
            pages.append(f"{base}{first.pk}/change/")
    return pages


def shipped_texts() -> frozenset[str]:
    """Data the project ships through its migrations and a lender renames or rewrites as its own:
    the staff roles (auth groups), the beat schedule's task names, descriptions and task paths,
    the collection strategies, and the codes of the calendar and the funding policy."""
    from django_celery_beat.models import PeriodicTask

    from collection.models import Strategy, StrategyStep
    from funding.models import FundingPolicy
    from ledger.models import BusinessDate, JournalEntry

    texts = set(Group.objects.values_list("name", flat=True))
    for row in PeriodicTask.objects.values_list("name", "description", "task"):
        texts |= {value for value in row if value}
    for row in Strategy.objects.values_list("name", "description"):
        texts |= {value for value in row if value}
    for row in StrategyStep.objects.values_list("name", "template"):
        texts |= {value for value in row if value}
    texts |= set(BusinessDate.objects.values_list("lender", flat=True))
    texts |= set(FundingPolicy.objects.values_list("name", flat=True))
    texts |= set(JournalEntry.objects.values_list("memo", flat=True))
    return frozenset(texts)


def _month_end_of(loan) -> None:
    """The loan's row of a month-end capture, as the capture stores it (codes)."""
    month_end = date(2025, 12, 31)
    MonthEndCapture.objects.create(
        month_end=month_end, loans=1, source="live", business_date=month_end
    )
    LoanMonthEnd.objects.create(
        month_end=month_end,
        loan=loan,
        product=loan.product,
        currency=loan.currency,
        status="delinquent",
        days_past_due=3,
        delinquency_bucket="current",
        risk_category="special_mention",
        bureau_status="1",
    )


def test_every_page_of_every_model_in_the_admin_reads_in_chinese(chinese_book):
    # given the Chinese book with a month-end capture: every model's list, add form and first
    # object, Django's and django-celery-beat's pages among them
    officer = chinese_book["officer"]
    _month_end_of(chinese_book["loan"])
    stored = stored_texts() | shipped_texts()
    pages = _admin_pages(officer)
    assert len(pages) > 120
    # when a Chinese-speaking officer opens each of them
    left = {}
    for url in pages:
        html = _get(officer, url)
        main = html[html.rindex("<", 0, html.index('id="main"')) :]
        if english := english_words_left(main, stored):
            left[url] = english
    # then no English word is left on any of them, but data as it was stored
    assert left == {}, "\n".join(f"{url}: {texts}" for url, texts in left.items())


@pytest.mark.parametrize(
    "kind, parameters",
    [("reschedule", {"term": 6}), ("settlement", {"amount": "2000.00", "deadline": None})],
)
def test_a_modification_preview_reads_in_chinese(chinese_book, kind, parameters):
    # given a loan in arrears, and a reschedule's or a settlement's terms typed into the form
    loan, officer = chinese_book["loan"], chinese_book["officer"]
    today = business_date_current()
    if kind == "settlement":
        parameters = {**parameters, "deadline": str(today + timedelta(days=10))}
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert browser.login(username=officer.username, password=PASSWORD)
    # when the officer asks for a preview
    response = browser.post(
        f"/admin/loans/loanmodification/add/?loan={loan.pk}",
        {
            "loan": loan.pk,
            "kind": kind,
            "effective_date": str(today),
            "parameters": json.dumps(parameters),
            "reason": "协商",
            "_preview": "1",
        },
    )
    html = response.content.decode()
    # then the schedules before and after, or the payoff's components, are headed in Chinese
    preview = html[
        html.index('class="' + ("modification" if kind == "reschedule" else "settlement")) :
    ]
    preview = preview[: preview.index("</table>")]
    assert english_words_left("<table " + preview) == []
    assert (
        ("到期日" in preview and "本金" in preview) if kind == "reschedule" else "本金" in preview
    )
