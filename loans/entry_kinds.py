"""The names of the journal entry kinds loans posts (`ledger.entry_kinds`): the daily close's,
the repayment engine's (a repayment's or a modification's entry carries its kind) and the
back office's adjustments."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import AdjustmentRequest, LoanModification, Repayment


def loans_entry_kinds() -> dict[str, Promise | str]:
    return {
        **dict(Repayment.Kind.choices),
        **dict(LoanModification.Kind.choices),
        "disbursement": _("Disbursement"),
        "accrual": _("Interest accrual"),
        "penalty": _("Penalty interest accrual"),
        "interest_suspense": _("Interest to suspense (non-accrual)"),
        "penalty_suspense": _("Penalty interest to suspense"),
        "yield_release": _("Deferred yield release"),
        "repayment_unwind": _("Repayment unwound for a replay"),
        "modification": _("Loan modification"),
        "modification_unwind": _("Loan modification unwound"),
        "payout_return": _("Payout returned"),
        "merchant_subsidy": _("Merchant interest subsidy"),
        AdjustmentRequest.Kind.WAIVE_FEE: _("Fee waiver"),
        AdjustmentRequest.Kind.WAIVE_PENALTY: _("Penalty interest waiver"),
        AdjustmentRequest.Kind.CORRECT_REPAYMENT: _("Repayment correction"),
        AdjustmentRequest.Kind.WRITE_OFF: _("Write-off"),
    }
