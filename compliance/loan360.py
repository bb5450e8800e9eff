"""The IFRS 9 stage on the loan 360 page's summary card."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loans.models import Loan
from loans.services.loan360 import register_loan_fact

from .models import LoanStage


def stage_fact(loan: Loan):
    stage = LoanStage.objects.filter(loan_id=loan.pk).first()
    shown = (
        "—"
        if stage is None
        else _("stage %(stage)s since %(since)s")
        % {
            "stage": stage.stage,
            "since": stage.since,
        }
    )
    return [(_("IFRS 9 stage"), shown)]


register_loan_fact(stage_fact)
