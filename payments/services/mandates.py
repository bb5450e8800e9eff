"""Debit mandates: a borrower's recorded consent to auto-debit a loan's installments, and its
revocation (no attempt is planned after it; one already sent runs its course)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from ledger.services import business_date_current
from loans.models import Loan
from payments.errors import MandateError
from payments.models import Mandate


def mandate_grant(
    *,
    loan: Loan,
    account_reference: str,
    consent_text: str,
    allow_partial: bool = True,
    channel: str = "app",
) -> Mandate:
    """Record the consent. Refused when the loan has an active mandate already."""
    if not consent_text.strip():
        raise MandateError("A mandate needs the consent text the borrower agreed to.")
    try:
        with transaction.atomic():
            mandate = Mandate.objects.create(
                borrower_id=loan.borrower_id,
                loan_id=loan.pk,
                account_reference=account_reference,
                consent_text=consent_text,
                consent_at=timezone.now(),
                consent_channel=channel,
                allow_partial=allow_partial,
            )
            audit_record(
                actor=channel,
                action="mandate.grant",
                target=mandate,
                before={},
                after={"status": mandate.status, "account": account_reference},
                reason="",
                source=channel,
                business_date=business_date_current(),
            )
    except IntegrityError as exc:
        raise MandateError(f"Loan {loan.pk} has an active mandate already.") from exc
    return mandate


def mandate_revoke(*, mandate: Mandate) -> Mandate:
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if mandate.status == Mandate.Status.REVOKED:
            return mandate
        mandate.status, mandate.revoked_at = Mandate.Status.REVOKED, timezone.now()
        mandate.save(update_fields=["status", "revoked_at"])
        audit_record(
            actor="borrower",
            action="mandate.revoke",
            target=mandate,
            before={"status": Mandate.Status.ACTIVE},
            after={"status": mandate.status},
            reason="",
            source="api",
            business_date=business_date_current(),
        )
    return mandate
