from .applications import DecisionRecord, DecisionStep, LoanApplication
from .credit_lines import Collateral, CreditLimitChange, CreditLine, Drawdown
from .merchants import Merchant
from .policy import BlockListEntry, PolicyVersion

__all__ = [
    "BlockListEntry",
    "Collateral",
    "CreditLimitChange",
    "CreditLine",
    "DecisionRecord",
    "DecisionStep",
    "Drawdown",
    "LoanApplication",
    "Merchant",
    "PolicyVersion",
]
