from .funders import (
    ArrangementShare,
    EntryFunder,
    Funder,
    FundingArrangement,
    FundingPolicy,
    LoanFunding,
)
from .settlement import AssetTransfer, SettlementRun

__all__ = [
    "ArrangementShare",
    "AssetTransfer",
    "EntryFunder",
    "Funder",
    "FundingArrangement",
    "FundingPolicy",
    "LoanFunding",
    "SettlementRun",
]
