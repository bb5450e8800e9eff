from .borrowers import Borrower, Consent
from .contracts import Installment, Loan, LoanTransition
from .products import Product

__all__ = ["Borrower", "Consent", "Installment", "Loan", "LoanTransition", "Product"]
