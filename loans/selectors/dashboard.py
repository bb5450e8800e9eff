"""What the back-office dashboard shows: portfolio totals from the ledger, loans by status,
delinquency buckets with their principal outstanding, and the last end-of-day closes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from calc.delinquency import BUCKETS
from core.money import ZERO
from ledger import chart
from ledger.models import Account, LoanAccountBalance
from loans.models import CloseRun, Loan

TOTALS = (
    (_("principal outstanding"), chart.LOANS_PRINCIPAL),
    (_("interest receivable"), chart.INTEREST_RECEIVABLE),
    (_("fees receivable"), chart.FEES_RECEIVABLE),
    (_("penalty receivable"), chart.PENALTY_RECEIVABLE),
    (_("allowance for losses"), chart.ALLOWANCE),
    (_("interest in suspense"), chart.INTEREST_SUSPENSE),
    (_("customer overpayments"), chart.CUSTOMER_OVERPAYMENTS),
)
RECENT_CLOSES = 7


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Dashboard:
    totals: list[tuple[str, Decimal]]
    by_status: list[Bar]
    by_bucket: list[Bar]
    closes: list[CloseRun]
    open_loans: int


def portfolio_totals() -> list[tuple[str, Decimal]]:
    """Every loan's balance per account, on its normal side, from the stored (account, loan)
    totals: one aggregate, no scan of journal lines."""
    sums = {
        row["account_id"]: (row["debit"], row["credit"])
        for row in LoanAccountBalance.objects.values("account_id").annotate(
            debit=Sum("debit_total"), credit=Sum("credit_total")
        )
    }
    accounts = {account.code: account for account in Account.objects.filter(currency="CNY")}
    totals = []
    for label, code in TOTALS:
        account = accounts.get(code)
        debit, credit = sums.get(account.pk, (ZERO, ZERO)) if account else (ZERO, ZERO)
        totals.append((label, account.signed(debit, credit) if account else ZERO))
    return totals


def loans_by_status() -> list[Bar]:
    rows = Loan.objects.values("status").annotate(count=Count("id"), amount=Sum("principal"))
    found = {row["status"]: row for row in rows}
    return [
        Bar(str(label), found[value]["count"], found[value]["amount"] or ZERO)
        for value, label in Loan.Status.choices
        if value in found
    ]


def delinquency_buckets() -> list[Bar]:
    """Open loans per bucket, with their principal outstanding (one grouped query)."""
    principal = LoanAccountBalance.objects.filter(
        loan_id=OuterRef("pk"), account__code=chart.LOANS_PRINCIPAL
    ).values(balance=F("debit_total") - F("credit_total"))[:1]
    rows = (
        Loan.objects.filter(status__in=Loan.OPEN_STATUSES)
        .annotate(principal_outstanding=Subquery(principal))
        .values("delinquency_bucket")
        .annotate(count=Count("id"), amount=Sum("principal_outstanding"))
    )
    found = {row["delinquency_bucket"]: (row["count"], row["amount"] or ZERO) for row in rows}
    return [Bar(name, *found.get(name, (0, ZERO))) for _, name in BUCKETS]


def dashboard() -> Dashboard:
    buckets = delinquency_buckets()
    return Dashboard(
        totals=portfolio_totals(),
        by_status=loans_by_status(),
        by_bucket=buckets,
        closes=list(CloseRun.objects.order_by("-business_date")[:RECENT_CLOSES]),
        open_loans=sum(bar.count for bar in buckets),
    )
