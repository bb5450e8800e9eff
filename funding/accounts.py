"""The accounts joint lending adds to the chart (migration `ledger/0009`), and how a partner's
books read the platform's collection account."""

from ledger import chart

CASH = chart.CASH
FUNDERS_BANKS = "1003"
"""Money that left the platform's collection account for a funder's own bank (or came in)."""
DUE_FROM_PLATFORM = "1221"
"""In a partner's books: what the platform holds for it (its part of the collection account)."""
PAYABLE_TO_PARTNERS = "2203"
"""In the platform's books: the partners' collections received and not yet settled."""
PURCHASE_PREMIUM = "1306"
"""A buyer's difference between the price paid and the carrying amount taken over."""
SERVICE_FEE_INCOME = "6051"
SERVICE_FEE_EXPENSE = "6421"
TRANSFER_GAIN_LOSS = "6115"

# A loan's balance-sheet accounts that move with a share when it is sold or bought back.
MOVED = (
    chart.LOANS_PRINCIPAL,
    chart.INTEREST_RECEIVABLE,
    chart.FEES_RECEIVABLE,
    chart.PENALTY_RECEIVABLE,
    chart.INTEREST_SUSPENSE,
    chart.ALLOWANCE,
)
RECEIVABLES = MOVED[:4]

# The accounts a credit loss is booked on (provisions, the write-off, later recoveries): on a
# loan with a funder that bears no losses they are split among those that do.
LOSS = (
    chart.ALLOWANCE,
    chart.CREDIT_IMPAIRMENT,
    chart.WRITE_OFF_EXPENSE,
    chart.RECOVERIES,
)
