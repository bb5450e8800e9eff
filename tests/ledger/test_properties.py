"""Random sequences of postings and reversals keep every ledger invariant."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ledger.models import Account, JournalEntry, JournalLine
from ledger.selectors import loan_balances, stored_balances_match_lines, trial_balance
from ledger.services import EntrySpec, LineSpec, entry_post, entry_reverse

CODES = ["1002", "1132", "1303", "2241", "6011", "6701"]
START = date(2026, 1, 1)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
line_st = st.tuples(st.sampled_from(CODES), st.sampled_from([None, 1, 2, 3]), amounts)
posting_st = st.tuples(
    st.lists(line_st, min_size=1, max_size=4),  # debit lines
    st.sampled_from(CODES),  # the balancing credit account
    st.sampled_from([None, 1, 2, 3]),
    st.integers(min_value=0, max_value=5),  # business day offset
)
action_st = st.one_of(
    st.tuples(st.just("post"), posting_st),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30)),
    st.tuples(st.just("replay"), st.integers(min_value=0, max_value=30)),
)


class LedgerPropertyTests(TestCase):
    @given(st.lists(action_st, min_size=1, max_size=25))
    def test_invariants_hold_after_any_sequence(self, actions):
        posted: list[EntrySpec] = []
        entry_ids: list[int] = []
        reversed_ids: set[int] = set()
        for action, arg in actions:
            if action == "post":
                debit_lines, credit_code, credit_loan, offset = arg
                total = sum(amount for _, _, amount in debit_lines)
                spec = EntrySpec(
                    kind="test",
                    business_date=START + timedelta(days=offset),
                    idempotency_key=f"p{len(posted)}",
                    lines=tuple(
                        LineSpec(account=code, debit=amount, loan_id=loan)
                        for code, loan, amount in debit_lines
                    )
                    + (LineSpec(account=credit_code, credit=total, loan_id=credit_loan),),
                )
                entry_ids.append(entry_post(spec=spec).entry_id)
                posted.append(spec)
            elif action == "reverse" and entry_ids:
                target = entry_ids[arg % len(entry_ids)]
                if target not in reversed_ids:
                    entry_reverse(entry_id=target, business_date=START + timedelta(days=6))
                    reversed_ids.add(target)
            elif action == "replay" and posted:
                before = JournalLine.objects.count()
                spec = posted[arg % len(posted)]
                result = entry_post(spec=spec)
                assert not result.created
                assert JournalLine.objects.count() == before

        # every entry balances
        for entry in JournalEntry.objects.prefetch_related("lines"):
            lines = list(entry.lines.all())
            assert sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines)
        # the trial balance nets to zero at every date
        for offset in range(8):
            assert trial_balance(as_of=START + timedelta(days=offset)).balanced
        # stored balances equal the sum of lines, and balances at each date equal the lines
        assert stored_balances_match_lines() == []
        accounts = {a.id: a for a in Account.objects.all()}
        for loan in (1, 2, 3):
            for offset in range(8):
                as_of = START + timedelta(days=offset)
                expected: dict[str, Decimal] = defaultdict(Decimal)
                for line in JournalLine.objects.filter(loan_id=loan, business_date__lte=as_of):
                    account = accounts[line.account_id]
                    expected[account.code] += account.signed(line.debit, line.credit)
                assert loan_balances(loan_id=loan, as_of=as_of) == dict(expected)
