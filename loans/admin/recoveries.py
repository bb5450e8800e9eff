"""Recording a recovery on a charged-off loan from its admin page ("Record a recovery").

The form posts to the back-office service (``loans.record_repayment``, audited, one
transaction). Its idempotency key comes with the form: submitting the same form twice records
the recovery once. A bounced recovery is reversed as any repayment is: an adjustment request
("Correct a repayment", to 0), approved by another user.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import Loan, Repayment
from loans.services.backoffice import backoffice_repayment_record
from loans.services.recovery_entry import RECOVERING

# The lifecycle's loan admin (and the transition buttons) register first; this extends them.
from .actions import extend_registered_admin
from .loans import LoanAdmin  # noqa: F401

PERMISSION = "loans.record_repayment"


class RecoveryForm(forms.Form):
    amount = forms.DecimalField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"))
    source = forms.ChoiceField(choices=Repayment.Source.choices, label=gettext_lazy("Source"))
    value_date = forms.DateField(
        required=False, help_text=gettext_lazy("When it was received; default: the business date.")
    )
    external_reference = forms.CharField(max_length=64, required=False)
    token = forms.CharField(widget=forms.HiddenInput)


class LoanRecoveryMixin:
    """Adds "Record a recovery" to a charged-off loan's page."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/recovery/",
                self.admin_site.admin_view(self.recovery_view),
                name="loans_loan_recovery",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        loan = Loan.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if loan is not None and loan.status in RECOVERING and request.user.has_perm(PERMISSION):
            extra_context["recovery_url"] = reverse(
                "admin:loans_loan_recovery", args=[loan.pk], current_app=self.admin_site.name
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def recovery_view(self, request: HttpRequest, object_id: str):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        loan = get_object_or_404(Loan, pk=object_id)
        form = RecoveryForm(request.POST or None, initial={"token": secrets.token_hex(16)})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            today = business_date_current()
            try:
                recovery = backoffice_repayment_record(
                    loan=loan,
                    amount=data["amount"],
                    value_date=data["value_date"] or today,
                    idempotency_key=f"admin:{request.user.pk}:{loan.pk}:recovery:{data['token']}",
                    actor=request.user,
                    business_date=today,
                    external_reference=data["external_reference"],
                    recovery_source=data["source"],
                    source="admin",
                )
            except DomainError as exc:
                messages.error(request, f"{_(str(exc.title))} {exc.detail}")
            else:
                messages.success(
                    request,
                    _("Recovery of %(amount)s %(currency)s recorded on loan %(loan)s.")
                    % {
                        "amount": recovery.amount,
                        "currency": loan.currency,
                        "loan": loan.reference,
                    },
                )
                return HttpResponseRedirect(
                    reverse(
                        "admin:loans_loan_change", args=[loan.pk], current_app=self.admin_site.name
                    )
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": loan,
            "title": _("Record a recovery"),
            "form": form,
        }
        return TemplateResponse(request, "admin/loans/loan/recovery_form.html", context)


extend_registered_admin(Loan, LoanRecoveryMixin, admin.ModelAdmin)
