# Importing registers the admin classes; `actions`, `recoveries` and `borrowers` extend the loan
# and borrower admins registered by `loans`, whatever the import order.
from . import (  # noqa: F401
    actions,
    adjustments,
    borrowers,
    dashboard,
    eod,
    loans,
    modifications,
    payments,
    products,
    recoveries,
    refunds,
)
