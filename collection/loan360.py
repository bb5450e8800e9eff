"""The collection part of the loan 360 and borrower 360 pages: cases and contact history."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loans.models import Borrower, Loan
from loans.services.borrower360 import register_borrower_section
from loans.services.loan360 import Section, register_loan_section

from .models import CollectionCase, ContactAttempt

CONTACTS_SHOWN = 50


def collection_section(loan: Loan) -> Section:
    cases = list(CollectionCase.objects.filter(loan_id=loan.pk).order_by("-opened_on", "-id"))
    attempts = list(
        ContactAttempt.objects.filter(case__loan_id=loan.pk)
        .select_related("agent")
        .order_by("-attempted_at", "-id")[:CONTACTS_SHOWN]
    )
    rows: list[list[object]] = [
        [
            _("case #%(id)s") % {"id": case.pk},
            case.opened_on,
            f"{case.get_status_display()} · {case.get_queue_display()}",
            _("priority %(priority)s, %(days)s days past due")
            % {"priority": case.priority, "days": case.days_past_due},
            case.next_action or "",
        ]
        for case in cases
    ]
    rows += [
        [
            attempt.get_channel_display(),
            attempt.attempted_at,
            attempt.get_decision_display(),
            attempt.get_outcome_display() or "",
            attempt.reason or attempt.blocked_by,
        ]
        for attempt in attempts
    ]
    return Section(
        key="collection",
        title=_("Collection case and contact history"),
        headings=[_("Case or channel"), _("Date"), _("Status"), _("Outcome"), _("Note")],
        rows=rows,
        empty=_("No collection case."),
    )


register_loan_section(collection_section)


def contact_history_section(borrower: Borrower) -> Section:
    attempts = ContactAttempt.objects.filter(case__borrower=borrower).order_by(
        "-attempted_at", "-id"
    )[:CONTACTS_SHOWN]
    return Section(
        key="contacts",
        title=_("Contact history"),
        headings=[_("Case or channel"), _("Date"), _("Status"), _("Outcome"), _("Note")],
        rows=[
            [
                attempt.get_channel_display(),
                attempt.attempted_at,
                attempt.get_decision_display(),
                attempt.get_outcome_display() or "",
                attempt.reason or attempt.blocked_by,
            ]
            for attempt in attempts
        ],
        empty=_("No contact attempts."),
    )


register_borrower_section(contact_history_section)
