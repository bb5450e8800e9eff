from .adjustments import AdjustmentRequest
from .borrowers import Borrower, Consent, CreditAssessment
from .collateral import Collateral
from .contracts import Installment, Loan, LoanTransition
from .eod import CloseLease, CloseRun, CloseStepRun, PenaltyCap, PortfolioSnapshot
from .index_fixings import IndexFixing
from .modifications import LoanModification, SettlementLimit
from .products import Product
from .refunds import RefundRequest
from .repayments import Allocation, Repayment

__all__ = [
    "AdjustmentRequest",
    "Allocation",
    "Borrower",
    "CloseLease",
    "CloseRun",
    "CloseStepRun",
    "Collateral",
    "Consent",
    "CreditAssessment",
    "IndexFixing",
    "Installment",
    "Loan",
    "LoanModification",
    "SettlementLimit",
    "LoanTransition",
    "PenaltyCap",
    "PortfolioSnapshot",
    "Product",
    "RefundRequest",
    "Repayment",
]
