"""A comparable picture of the books and the loans' state, without ids or timestamps: two runs
that booked the same things compare equal."""

from __future__ import annotations

from ledger.models import BusinessDate, JournalEntry, LoanAccountBalance
from loans.models import Installment, Loan, LoanTransition, PenaltyCap, PortfolioSnapshot


def books_picture() -> dict[str, object]:
    entries = []
    for entry in JournalEntry.objects.prefetch_related("lines__account").order_by(
        "idempotency_key"
    ):
        lines = sorted(
            (line.account.code, line.loan_id, line.debit, line.credit) for line in entry.lines.all()
        )
        entries.append(
            (entry.idempotency_key, entry.kind, entry.business_date, entry.memo, tuple(lines))
        )
    return {
        "entries": entries,
        "balances": sorted(
            LoanAccountBalance.objects.values_list(
                "loan_id", "account__code", "debit_total", "credit_total"
            )
        ),
        "installments": sorted(
            Installment.objects.values_list(
                "loan_id",
                "number",
                "status",
                "interest_accrued",
                "fee_charged",
                "penalty_due",
                "principal_paid",
                "interest_paid",
            )
        ),
        "loans": sorted(
            Loan.objects.values_list(
                "id",
                "status",
                "days_past_due",
                "delinquency_bucket",
                "risk_category",
                "non_accrual",
            )
        ),
        "transitions": sorted(
            LoanTransition.objects.values_list(
                "loan_id", "from_status", "to_status", "business_date", "reason"
            )
        ),
        "caps": sorted(
            PenaltyCap.objects.values_list("loan_id", "business_date", "penalty_booked")
        ),
        "snapshots": sorted(
            PortfolioSnapshot.objects.values_list(
                "business_date",
                "product_id",
                "status",
                "delinquency_bucket",
                "risk_category",
                "loan_count",
                "principal_outstanding",
                "interest_receivable",
                "penalty_receivable",
                "interest_suspense",
                "allowance",
            )
        ),
        "business_date": list(BusinessDate.objects.values_list("lender", "current")),
    }
