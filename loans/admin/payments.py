"""Money received at the bank, recorded from an open loan's page: "Record a repayment",
"Prepay or pay off" and "Quote a payoff".

Each goes through the back-office service (``loans.record_repayment`` to record, ``view_loan``
to quote; audited, one transaction), which calls the lifecycle's payment services. The form's
idempotency key comes with it: submitting the same form twice records the payment once.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calc.schedules import RescheduleMode
from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import Loan
from loans.services.backoffice import (
    backoffice_payoff_quote,
    backoffice_prepayment_record,
    backoffice_repayment_record,
)

from .actions import extend_registered_admin
from .loans import LoanAdmin  # noqa: F401  (registered first: the buttons extend it)

RECORD = "loans.record_repayment"
KINDS = {
    "repayment": gettext_lazy("Record a repayment"),
    "prepayment": gettext_lazy("Prepay or pay off"),
}


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"))
    value_date = forms.DateField(
        required=False, help_text=gettext_lazy("When it was received; default: the business date.")
    )
    external_reference = forms.CharField(max_length=64, required=False)
    token = forms.CharField(widget=forms.HiddenInput)


class PrepaymentForm(PaymentForm):
    payoff = forms.BooleanField(
        required=False, help_text=gettext_lazy("Pay the loan off (at least the payoff amount).")
    )
    mode = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("the loan's own"))]
        + [(mode.value, mode.value.replace("_", " ")) for mode in RescheduleMode],
    )


class QuoteForm(forms.Form):
    on = forms.DateField(
        required=False, help_text=gettext_lazy("Default: the business date."), label="Date"
    )


class LoanPaymentsMixin:
    """Adds the payment and quote views and their buttons to an open loan's page."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/pay/<str:kind>/", view(self.payment_view), name="loans_loan_pay"
            ),
            path("<path:object_id>/payoff-quote/", view(self.quote_view), name="loans_loan_quote"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        loan = Loan.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if loan is not None and loan.is_open:
            name = self.admin_site.name
            extra_context["quote_url"] = reverse(
                "admin:loans_loan_quote", args=[loan.pk], current_app=name
            )
            if request.user.has_perm(RECORD):
                extra_context["payment_buttons"] = [
                    (
                        kind,
                        label,
                        reverse("admin:loans_loan_pay", args=[loan.pk, kind], current_app=name),
                    )
                    for kind, label in KINDS.items()
                ]
        return super().change_view(request, object_id, form_url, extra_context)

    def _page(self, request, loan: Loan, title, form, quote=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": loan,
            "title": title,
            "form": form,
            "quote": quote,
        }
        return TemplateResponse(request, "admin/loans/loan/payment_form.html", context)

    def quote_view(self, request: HttpRequest, object_id: str):
        loan = get_object_or_404(Loan, pk=object_id)
        form = QuoteForm(request.GET or None)
        quote = None
        if form.is_valid() or not request.GET:
            on = (form.cleaned_data.get("on") if request.GET else None) or business_date_current()
            try:
                quote = backoffice_payoff_quote(loan=loan, on=on, actor=request.user)
            except DomainError as exc:
                if exc.status_code == 403:
                    raise PermissionDenied(exc.detail) from exc
                messages.error(request, f"{_(str(exc.title))} {exc.detail}")
        form.method = "get"
        return self._page(request, loan, _("Quote a payoff"), form, quote)

    def payment_view(self, request: HttpRequest, object_id: str, kind: str):
        if kind not in KINDS or not request.user.has_perm(RECORD):
            raise PermissionDenied
        loan = get_object_or_404(Loan, pk=object_id)
        form_class = PrepaymentForm if kind == "prepayment" else PaymentForm
        form = form_class(request.POST or None, initial={"token": secrets.token_hex(16)})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            today = business_date_current()
            common = {
                "loan": loan,
                "amount": data["amount"],
                "value_date": data["value_date"] or today,
                "idempotency_key": f"admin:{request.user.pk}:{loan.pk}:{kind}:{data['token']}",
                "actor": request.user,
                "business_date": today,
                "external_reference": data["external_reference"],
                "source": "admin",
            }
            try:
                if kind == "prepayment":
                    payment = backoffice_prepayment_record(
                        **common, payoff=data["payoff"], mode=data["mode"] or None
                    )
                else:
                    payment = backoffice_repayment_record(**common)
            except DomainError as exc:
                messages.error(request, f"{_(str(exc.title))} {exc.detail}")
            else:
                messages.success(
                    request,
                    _("%(kind)s of %(amount)s %(currency)s recorded on loan %(loan)s.")
                    % {
                        "kind": payment.get_kind_display(),
                        "amount": payment.amount,
                        "currency": loan.currency,
                        "loan": loan.reference,
                    },
                )
                return HttpResponseRedirect(
                    reverse(
                        "admin:loans_loan_change", args=[loan.pk], current_app=self.admin_site.name
                    )
                )
        return self._page(request, loan, KINDS[kind], form)


extend_registered_admin(Loan, LoanPaymentsMixin, ModelAdmin)
