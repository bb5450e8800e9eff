"""The default chart of accounts for a consumer lender (codes styled on the Chinese
financial-enterprise chart, so that reports and tools can rely on them)."""

from typing import NamedTuple


class AccountDef(NamedTuple):
    code: str
    name: str
    type: str
    normal_side: str


CASH = "1002"
INTEREST_RECEIVABLE = "1132"
FEES_RECEIVABLE = "1133"
PENALTY_RECEIVABLE = "1134"
LOANS_PRINCIPAL = "1303"
ALLOWANCE = "1304"
MERCHANT_PAYABLE = "2202"
CUSTOMER_OVERPAYMENTS = "2241"
INTEREST_SUSPENSE = "2261"
INTEREST_INCOME = "6011"
FEE_INCOME = "6021"
PENALTY_INCOME = "6031"
RECOVERIES = "6111"
CREDIT_IMPAIRMENT = "6701"
WRITE_OFF_EXPENSE = "6711"
EQUITY = "4001"

DEFAULT_CHART: tuple[AccountDef, ...] = (
    AccountDef(CASH, "Bank — disbursement and collection clearing", "asset", "debit"),
    AccountDef(INTEREST_RECEIVABLE, "Interest receivable", "asset", "debit"),
    AccountDef(FEES_RECEIVABLE, "Fees receivable", "asset", "debit"),
    AccountDef(PENALTY_RECEIVABLE, "Penalty interest receivable", "asset", "debit"),
    AccountDef(LOANS_PRINCIPAL, "Loans receivable — principal", "asset", "debit"),
    AccountDef(ALLOWANCE, "Allowance for loan losses", "asset", "credit"),
    AccountDef(MERCHANT_PAYABLE, "Payable to merchants", "liability", "credit"),
    AccountDef(CUSTOMER_OVERPAYMENTS, "Customer overpayments", "liability", "credit"),
    AccountDef(INTEREST_SUSPENSE, "Interest in suspense (non-accrual)", "liability", "credit"),
    AccountDef(EQUITY, "Paid-in capital", "equity", "credit"),
    AccountDef(INTEREST_INCOME, "Interest income", "income", "credit"),
    AccountDef(FEE_INCOME, "Fee income", "income", "credit"),
    AccountDef(PENALTY_INCOME, "Penalty interest income", "income", "credit"),
    AccountDef(RECOVERIES, "Recoveries of written-off loans", "income", "credit"),
    AccountDef(CREDIT_IMPAIRMENT, "Credit impairment loss (provisions)", "expense", "debit"),
    AccountDef(WRITE_OFF_EXPENSE, "Write-off expense", "expense", "debit"),
)
