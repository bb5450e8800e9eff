from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.errors import AlreadyReversed, IdempotencyConflict, PostingRejected
from ledger.models import JournalEntry, JournalLine
from ledger.selectors import account_balance, loan_balances, trial_balance
from ledger.services import (
    EntrySpec,
    LineSpec,
    entries_post_bulk,
    entry_post,
    entry_reverse,
)

from .helpers import transfer

pytestmark = pytest.mark.django_db

BACKENDS = ["postgresql", "orm"]


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    settings.LEDGER_POSTING_BACKEND = request.param
    return request.param


def test_default_chart_is_loaded():
    codes = set(
        JournalLine._meta.get_field("account").related_model.objects.values_list("code", flat=True)
    )
    assert {
        "1002",
        "1132",
        "1133",
        "1134",
        "1303",
        "1304",
        "2241",
        "2261",
        "6011",
        "6021",
        "6031",
        "6111",
        "6701",
        "6711",
    } <= codes


def test_posting_writes_lines_and_loan_balances(backend):
    # given a disbursement of 1,000 on loan 7 with a 20 upfront fee
    spec = EntrySpec(
        kind="disbursement",
        business_date=date(2026, 1, 1),
        idempotency_key="disb-7",
        lines=(
            LineSpec(account="1303", debit=Decimal("1000.00"), loan_id=7),
            LineSpec(account="1002", credit=Decimal("980.00")),
            LineSpec(account="6021", credit=Decimal("20.00"), loan_id=7),
        ),
    )
    # when it is posted
    result = entry_post(spec=spec, actor="tester")
    # then the entry, its lines and the loan's balances are there
    assert result.created
    entry = JournalEntry.objects.get(pk=result.entry_id)
    assert entry.created_by == "tester" and entry.lines.count() == 3
    assert loan_balances(loan_id=7) == {"1303": Decimal("1000.00"), "6021": Decimal("20.00")}
    assert account_balance(code="1002") == Decimal("-980.00")
    assert trial_balance().balanced


def test_same_key_same_content_returns_first_entry(backend):
    first = entry_post(spec=transfer("k", "10.00", debit_loan=1))
    again = entry_post(spec=transfer("k", "10.00", debit_loan=1))
    assert again.entry_id == first.entry_id and not again.created
    assert JournalEntry.objects.count() == 1
    assert loan_balances(loan_id=1) == {"1303": Decimal("10.00")}


def test_same_key_other_content_is_refused(backend):
    entry_post(spec=transfer("k", "10.00"))
    with pytest.raises(IdempotencyConflict):
        entry_post(spec=transfer("k", "11.00"))


@pytest.mark.parametrize(
    "lines, message",
    [
        ((LineSpec("1303", debit=Decimal("1.00")),), "at least two lines"),
        (
            (LineSpec("1303", debit=Decimal("1.00")), LineSpec("1002", credit=Decimal("2.00"))),
            "differ",
        ),
        (
            (LineSpec("1303", debit=Decimal("1.001")), LineSpec("1002", credit=Decimal("1.001"))),
            "minor unit",
        ),
        (
            (LineSpec("1303", debit=Decimal("-1.00")), LineSpec("1002", credit=Decimal("-1.00"))),
            "negative",
        ),
        ((LineSpec("1303"), LineSpec("1002")), "either a debit or a credit"),
        (
            (
                LineSpec("1303", debit=Decimal("1"), credit=Decimal("1")),
                LineSpec("1002", credit=Decimal("0")),
            ),
            "either",
        ),
        (
            (LineSpec("9999", debit=Decimal("1.00")), LineSpec("1002", credit=Decimal("1.00"))),
            "no CNY account",
        ),
        ((LineSpec("1303", debit=1), LineSpec("1002", credit=Decimal("1.00"))), "Decimal"),
    ],
)
def test_invalid_entries_are_refused_and_write_nothing(backend, lines, message):
    spec = EntrySpec(kind="t", business_date=date(2026, 1, 1), idempotency_key="bad", lines=lines)
    with pytest.raises(PostingRejected, match=message):
        entry_post(spec=spec)
    assert not JournalEntry.objects.exists()


def test_missing_idempotency_key_is_refused(backend):
    with pytest.raises(PostingRejected, match="idempotency key"):
        entry_post(spec=transfer("", "1.00"))


def test_reversal_mirrors_links_and_refuses_twice(backend):
    original = entry_post(spec=transfer("k", "25.00", debit_loan=3))
    reversal = entry_reverse(entry_id=original.entry_id, business_date=date(2026, 1, 2))
    entry = JournalEntry.objects.get(pk=reversal.entry_id)
    assert entry.reverses_id == original.entry_id and entry.kind == "reversal"
    assert sorted(entry.lines.values_list("account__code", "debit", "credit")) == [
        ("1002", Decimal("25.00"), Decimal("0.00")),
        ("1303", Decimal("0.00"), Decimal("25.00")),
    ]
    assert loan_balances(loan_id=3) == {"1303": Decimal("0.00")}
    # the same reversal request again is idempotent; another one is refused
    assert entry_reverse(entry_id=original.entry_id, business_date=date(2026, 1, 2)) == (
        type(reversal)(entry_id=reversal.entry_id, created=False)
    )
    with pytest.raises(AlreadyReversed):
        entry_reverse(
            entry_id=original.entry_id, business_date=date(2026, 1, 2), idempotency_key="other"
        )


def test_reversing_unknown_entry_is_refused():
    with pytest.raises(PostingRejected):
        entry_reverse(entry_id=123456, business_date=date(2026, 1, 2))


def test_bulk_posting_is_idempotent_and_checks_conflicts(backend):
    specs = [transfer(f"b{i}", "1.50", debit_loan=i % 10) for i in range(100)]
    first = entries_post_bulk(specs=specs)
    assert (first.created, first.existing) == (100, 0)
    again = entries_post_bulk(specs=specs + [transfer("b100", "2.00", debit_loan=1)])
    assert (again.created, again.existing) == (1, 100)
    assert loan_balances(loan_id=1)["1303"] == Decimal("17.00")
    with pytest.raises(IdempotencyConflict):
        entries_post_bulk(specs=[transfer("b5", "9.99")])
    with pytest.raises(IdempotencyConflict):
        entries_post_bulk(specs=[transfer("n1", "1.00"), transfer("n1", "2.00")])
    assert JournalEntry.objects.count() == 101


def test_bulk_refuses_whole_batch_on_one_bad_entry(backend):
    specs = [transfer("ok", "1.00"), transfer("bad", "1.005")]
    with pytest.raises(PostingRejected):
        entries_post_bulk(specs=specs)
    assert not JournalEntry.objects.exists()


def test_balances_at_a_business_date(backend):
    entry_post(spec=transfer("a", "10.00", debit_loan=5, on=date(2026, 1, 1)))
    entry_post(spec=transfer("b", "5.00", debit_loan=5, on=date(2026, 1, 3)))
    assert loan_balances(loan_id=5, as_of=date(2026, 1, 2)) == {"1303": Decimal("10.00")}
    assert loan_balances(loan_id=5, as_of=date(2026, 1, 3)) == {"1303": Decimal("15.00")}
    assert account_balance(code="1303", as_of=date(2025, 12, 31)) == Decimal("0")
    assert account_balance(code="1002", as_of=date(2026, 1, 2)) == Decimal("-10.00")
    assert trial_balance(as_of=date(2026, 1, 2)).balanced


def test_trial_balance_command_passes_and_fails(capsys, monkeypatch):
    entry_post(spec=transfer("a", "10.00", debit_loan=5))
    call_command("trial_balance", "--date", "2026-01-01")
    assert "Balanced." in capsys.readouterr().out
    # a ledger that does not net to zero (only possible if the database rules were bypassed)
    from ledger.management.commands import trial_balance as command
    from ledger.selectors import TrialBalance, TrialBalanceRow

    broken = TrialBalance(
        as_of=None,
        rows=[TrialBalanceRow("1303", "Loans", "CNY", Decimal("10.00"), Decimal("0"))],
    )
    monkeypatch.setattr(command, "trial_balance", lambda as_of: broken)
    with pytest.raises(CommandError, match="does not net to zero"):
        call_command("trial_balance")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("trial_balance", "--date", "yesterday")


def test_bulk_keeps_awkward_text_exactly(backend):
    memo = "tab\there\nnew line \\ back\\slash \\N 中文"
    spec = EntrySpec(
        kind="memo-test",
        business_date=date(2026, 1, 1),
        idempotency_key="key\twith\\odd\nchars",
        memo=memo,
        lines=(
            LineSpec(account="1303", debit=Decimal("1.00"), loan_id=1),
            LineSpec(account="1002", credit=Decimal("1.00")),
        ),
    )
    entries_post_bulk(specs=[spec])
    entry = JournalEntry.objects.get()
    assert entry.memo == memo and entry.idempotency_key == spec.idempotency_key
    assert entries_post_bulk(specs=[spec]).existing == 1
    assert entry_post(spec=spec).entry_id == entry.id


def test_bulk_with_an_unknown_account_is_refused(backend):
    specs = [transfer("ok", "1.00"), transfer("bad", "1.00", credit="9999")]
    with pytest.raises(PostingRejected, match="no CNY account with code 9999"):
        entries_post_bulk(specs=specs)
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["only\\backslash", "carriage\rreturn", "\\N", "vertical\x0btab", "plain words 中文", ""],
)
def test_bulk_keeps_each_kind_of_awkward_memo(backend, text):
    spec = EntrySpec(
        kind="memo-test",
        business_date=date(2026, 1, 1),
        idempotency_key=f"memo:{text!r}",
        memo=text,
        lines=(
            LineSpec(account="1303", debit=Decimal("1.00"), loan_id=1),
            LineSpec(account="1002", credit=Decimal("1.00")),
        ),
    )
    entries_post_bulk(specs=[spec])
    entry = JournalEntry.objects.get()
    assert (entry.memo, entry.idempotency_key) == (text, spec.idempotency_key)


def test_a_journal_line_names_its_side_in_the_readers_language():
    from django.utils import translation

    from ledger.models import Account, JournalLine

    debit = JournalLine(account=Account(code="1303"), debit=Decimal("12.50"), credit=Decimal("0"))
    credit = JournalLine(account=Account(code="1002"), debit=Decimal("0"), credit=Decimal("12.50"))
    with translation.override("en"):
        assert (str(debit), str(credit)) == ("1303 Dr 12.50", "1002 Cr 12.50")
    with translation.override("zh-hans"):
        assert (str(debit), str(credit)) == ("1303 借 12.50", "1002 贷 12.50")
