from .adjustments import AdjustmentRequest
from .borrowers import Borrower, Consent
from .contracts import Installment, Loan, LoanTransition
from .eod import CloseRun, CloseStepRun, PenaltyCap, PortfolioSnapshot
from .products import Product
from .repayments import Allocation, Repayment

__all__ = [
    "AdjustmentRequest",
    "Allocation",
    "Borrower",
    "CloseRun",
    "CloseStepRun",
    "Consent",
    "Installment",
    "Loan",
    "LoanTransition",
    "PenaltyCap",
    "PortfolioSnapshot",
    "Product",
    "Repayment",
]
