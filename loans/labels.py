"""What loans' stored codes are called on the pages: the journal entry kinds it posts
(`ledger.entry_kinds`: the daily close's, the repayment engine's, where a repayment's or a
modification's entry carries its kind, and the back office's adjustments) and the actions it
records in the audit trail (`core.audit_actions`)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import AdjustmentRequest, LoanModification, Repayment


def loans_audit_actions() -> dict[str, Promise | str]:
    """The names of the actions loans records in the audit trail (a loan 360 page's history)."""
    return {
        "loan.approve": _("Loan approved"),
        "loan.reject": _("Loan rejected"),
        "loan.disburse": _("Loan disbursed"),
        "loan.cancel_cooling_off": _("Cancelled in the cooling-off period"),
        "loan.payout_returned": _("Payout returned"),
        "adjustment.request": _("Adjustment requested"),
        "adjustment.approve": _("Adjustment approved"),
        "adjustment.reject": _("Adjustment rejected"),
        "recovery.record": _("Recovery recorded"),
        "refund.record": _("Overpayment refund recorded"),
        "refund_request.create": _("Refund requested"),
        "refund_request.approve": _("Refund request approved"),
        "refund_request.reject": _("Refund request rejected"),
        "repayment.reverse": _("Repayment reversed"),
        "modification.request": _("Modification requested"),
        "modification.approve": _("Modification approved"),
        "modification.reject": _("Modification rejected"),
        "borrower.credit_assess": _("Credit assessed"),
        "borrower.unmask": _("Personal data unmasked"),
        "close.step": _("End-of-day close step"),
        # a repayment of each kind is recorded as "<kind>.record"
        **{f"{kind}.record": label for kind, label in Repayment.Kind.choices},
    }


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
