"""Regulatory and management reports: one module per report, `registry.REPORTS` names them.

Every report is a read: a service that returns a `base.Report` (columns, rows, totals) for an
as-of business date (or the period that ends on it), by product. Big reports stream their rows
from server-side cursors, so memory stays flat however many loans there are. Balances come from
the ledger; a loan's state on a past date from what was stored then (`LoanMonthEnd`, the close's
`PortfolioSnapshot`) or, failing that, rebuilt from history (`state.py` says which and how).
The reports' stored state and files are models of the app (`compliance.models.reports`).
"""
