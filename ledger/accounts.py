"""Account code → id, cached per process: the chart changes rarely and posting is hot."""

from django.db.models.signals import post_delete, post_save

from .errors import PostingRejected
from .models import Account

_cache: dict[tuple[str, str], tuple[int, bool]] = {}
_stored: set[int] = set()


def load_accounts() -> None:
    """Refresh the cache now (before a COPY, when the connection cannot run other queries)."""
    _load()


def _load() -> None:
    # Built aside and swapped in whole: another thread reading meanwhile sees the old chart or
    # the new one, never a half-filled (or just cleared) one.
    global _cache, _stored
    cache: dict[tuple[str, str], tuple[int, bool]] = {}
    stored: set[int] = set()
    for pk, code, currency, active, kind in Account.objects.values_list(
        "id", "code", "currency", "is_active", "type"
    ):
        cache[(code, currency)] = (pk, active)
        if kind in Account.STORED_BALANCE_TYPES:
            stored.add(pk)
    _cache, _stored = cache, stored


def account_ids(codes: list[str], currency: str, *, reload: bool = True) -> list[int]:
    ids = []
    for code in codes:
        cache_get = _cache.get
        found = cache_get((code, currency))
        if found is None and reload:
            _load()
            found = _cache.get((code, currency))
        if found is None:
            raise PostingRejected(f"There is no {currency} account with code {code}.")
        if not found[1]:
            raise PostingRejected(f"Account {code} ({currency}) is closed to postings.")
        ids.append(found[0])
    return ids


def keeps_loan_balances(account_id: int) -> bool:
    """Whether the account's per-loan lines keep a stored running total (balance-sheet
    accounts; see `LoanAccountBalance`)."""
    if account_id not in _stored and not _cache:
        _load()
    return account_id in _stored


def clear_account_cache(**_kwargs) -> None:
    global _cache, _stored
    _cache, _stored = {}, set()


post_save.connect(clear_account_cache, sender=Account)
post_delete.connect(clear_account_cache, sender=Account)
