"""What each event type is called where people read it. The type is a code on the wire
(``loan.disbursed``) that consumers match on; the back office shows its name beside it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_TYPE_LABELS = {
    "loan.created": _("Loan signed"),
    "loan.approved": _("Loan approved"),
    "loan.rejected": _("Loan rejected"),
    "loan.cancelled": _("Loan cancelled"),
    "loan.disbursed": _("Loan disbursed"),
    "loan.delinquent": _("Loan became delinquent"),
    "loan.cured": _("Loan cured"),
    "loan.paid_off": _("Loan paid off"),
    "loan.reopened": _("Loan reopened"),
    "loan.charged_off": _("Loan charged off"),
    "loan.closed": _("Loan closed"),
    "loan.non_accrual": _("Loan stopped accruing"),
    "installment.due": _("Installment fell due"),
    "installment.overdue": _("Installment overdue"),
    "repayment.posted": _("Repayment posted"),
    "repayment.reversed": _("Repayment reversed"),
    "loan.modified": _("Loan modified"),
    "collection.contact": _("Collection contact"),
    "promise.made": _("Promise to pay made"),
    "promise.kept": _("Promise to pay kept"),
    "promise.broken": _("Promise to pay broken"),
    "promise.cancelled": _("Promise to pay cancelled"),
    "credit_line.changed": _("Credit line changed"),
    "report.produced": _("Report produced"),
    "close.completed": _("End-of-day close completed"),
    "funding.share_changed": _("Funders' shares changed"),
    "funding.bought_back": _("Guaranteed share bought back"),
    "funding.transferred": _("Funder's share transferred"),
    "funding.settled": _("Funder settled"),
}


def event_type_label(event_type: str) -> str:
    """The type's name, or the code itself for a type nobody named."""
    return str(EVENT_TYPE_LABELS.get(event_type, event_type))
