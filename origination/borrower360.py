"""Origination's part of the borrower 360 page: credit lines with their drawdowns, and the
applications with their latest decision and its reasons."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loans.models import Borrower
from loans.services.borrower360 import register_borrower_section
from loans.services.loan360 import Section

from .models import CreditLine, LoanApplication
from .services.decisions import decision_reasons


def credit_lines_section(borrower: Borrower) -> Section:
    rows: list[list[object]] = []
    for line in CreditLine.objects.filter(borrower=borrower).prefetch_related("drawdowns__loan"):
        rows.append(
            [
                line.reference,
                line.get_status_display(),
                f"{line.limit} {line.currency}",
                f"{line.available_amount} {line.currency}",
                ", ".join(drawdown.loan.reference for drawdown in line.drawdowns.all()) or "—",
            ]
        )
    return Section(
        key="credit-lines",
        title=_("Credit lines and drawdowns"),
        headings=[_("Line"), _("Status"), _("Limit"), _("Available"), _("Drawdowns")],
        rows=rows,
        empty=_("No credit line."),
    )


def applications_section(borrower: Borrower) -> Section:
    rows: list[list[object]] = []
    applications = (
        LoanApplication.objects.filter(borrower=borrower)
        .select_related("product")
        .prefetch_related("decisions__policy_version")
        .order_by("-business_date", "-id")
    )
    for application in applications:
        decision = max(application.decisions.all(), key=lambda d: d.pk, default=None)
        reasons = (
            "; ".join(f"{r['code']} {r['text']}" for r in decision_reasons(decision=decision))
            if decision
            else ""
        )
        rows.append(
            [
                application.reference,
                application.business_date,
                f"{application.requested_amount} · {application.requested_term}",
                decision.outcome if decision else application.get_status_display(),
                reasons or "—",
            ]
        )
    return Section(
        key="applications",
        title=_("Applications and decisions"),
        headings=[_("Application"), _("Date"), _("Amount · term"), _("Decision"), _("Reasons")],
        rows=rows,
        empty=_("No application."),
    )


register_borrower_section(credit_lines_section)
register_borrower_section(applications_section)
