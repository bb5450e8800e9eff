"""The funding part of the loan 360 page: who funds the loan, in what shares, since when."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loans.models import Loan
from loans.services.loan360 import Section, register_loan_section

from .models import LoanFunding


def funders_section(loan: Loan) -> Section | None:
    """None for a loan the platform funds alone (no shares recorded): nothing to show."""
    shares = list(
        LoanFunding.objects.filter(loan_id=loan.pk)
        .select_related("funder")
        .order_by("valid_from", "funder_id")
    )
    if not shares:
        return None
    return Section(
        key="funders",
        title=_("Funders"),
        headings=[_("Funder"), _("Share"), _("Funder's rate"), _("From"), _("Until"), _("Source")],
        rows=[
            [
                f"{row.funder.name_shown} ({row.funder.code})",
                f"{row.share * 100:.2f}%",
                f"{row.funder_rate * 100:.2f}%" if row.funder_rate is not None else "",
                row.valid_from,
                row.valid_until or "",
                row.get_source_display(),
            ]
            for row in shares
        ],
        empty="",
    )


register_loan_section(funders_section)
