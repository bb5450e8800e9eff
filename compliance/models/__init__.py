from .classification import ClassificationRule
from .reports import LoanMonthEnd, MonthEndCapture, ReportRun, ReportsStorage

__all__ = ["ClassificationRule", "LoanMonthEnd", "MonthEndCapture", "ReportRun", "ReportsStorage"]
