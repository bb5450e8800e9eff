from .borrowers import Borrower, Consent, CreditAssessment
from .contracts import Installment, Loan, LoanTransition
from .credit import (
    BlockListEntry,
    Collateral,
    CreditLimitChange,
    CreditLine,
    DecisionRecord,
    DecisionStep,
    Drawdown,
    LoanApplication,
    Merchant,
    PolicyVersion,
)
from .eod import CloseRun, CloseStepRun, PenaltyCap, PortfolioSnapshot
from .idempotency import IdempotencyRecord
from .products import Product
from .repayments import Allocation, Repayment

__all__ = [
    "Allocation",
    "BlockListEntry",
    "Borrower",
    "CloseRun",
    "CloseStepRun",
    "Collateral",
    "Consent",
    "CreditAssessment",
    "CreditLimitChange",
    "CreditLine",
    "DecisionRecord",
    "DecisionStep",
    "Drawdown",
    "IdempotencyRecord",
    "Installment",
    "Loan",
    "LoanApplication",
    "LoanTransition",
    "Merchant",
    "PenaltyCap",
    "PolicyVersion",
    "PortfolioSnapshot",
    "Product",
    "Repayment",
]
