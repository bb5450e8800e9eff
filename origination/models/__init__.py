from .applications import DecisionRecord, DecisionStep, LoanApplication
from .credit_lines import CreditLimitChange, CreditLine, Drawdown
from .merchants import Merchant
from .policy import BlockListEntry, PolicyVersion

__all__ = [
    "BlockListEntry",
    "CreditLimitChange",
    "CreditLine",
    "DecisionRecord",
    "DecisionStep",
    "Drawdown",
    "LoanApplication",
    "Merchant",
    "PolicyVersion",
]
