from .classification import ClassificationRule
from .ecl import LoanStage, RollCount, StageChange
from .reports import LoanMonthEnd, MonthEndCapture, ReportRun, ReportsStorage

__all__ = [
    "ClassificationRule",
    "LoanMonthEnd",
    "LoanStage",
    "MonthEndCapture",
    "ReportRun",
    "ReportsStorage",
    "RollCount",
    "StageChange",
]
