"""State-transition buttons on the loan's change page: approve, reject, disburse, write off.

Each button posts to a view that calls the back-office service (permission check, the lifecycle
service, the audit event, one transaction); a domain error comes back as an error message on
the page. A write-off is maker-checker: the button asks for it, another user approves it in
"Adjustment requests".

The loan admin itself is the lifecycle's (``loans/admin/loans.py``); this module extends whatever
admin class is registered for ``Loan`` with the buttons (see ``extend_registered_admin``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import AdjustmentRequest, Loan
from loans.services.adjustments import adjustment_request
from loans.services.backoffice import (
    backoffice_loan_approve,
    backoffice_loan_disburse,
    backoffice_loan_reject,
)

# The lifecycle's admin classes register first; this module extends what they registered.
from .loans import LoanAdmin  # noqa: F401  (registered first: the buttons extend it)


def _write_off(*, loan: Loan, actor, business_date, reason: str, source: str):
    return adjustment_request(
        loan=loan,
        kind=AdjustmentRequest.Kind.WRITE_OFF,
        reason=reason,
        actor=actor,
        business_date=business_date,
        source=source,
    )


class Transition:
    def __init__(
        self,
        action: str,
        label,
        permission: str,
        sources: tuple[str, ...],
        service: Callable,
        reason_required: bool = False,
        done=None,
    ):
        self.action = action
        self.label = label
        self.permission = permission
        self.sources = sources
        self.service = service
        self.reason_required = reason_required
        self.done = done


OPEN = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)
TRANSITIONS = {
    t.action: t
    for t in (
        Transition(
            "approve",
            gettext_lazy("Approve"),
            "loans.approve_loan",
            (Loan.Status.PENDING,),
            backoffice_loan_approve,
            done=gettext_lazy("Loan %(loan)s approved."),
        ),
        Transition(
            "reject",
            gettext_lazy("Reject"),
            "loans.approve_loan",
            (Loan.Status.PENDING, Loan.Status.APPROVED),
            backoffice_loan_reject,
            reason_required=True,
            done=gettext_lazy("Loan %(loan)s rejected."),
        ),
        Transition(
            "disburse",
            gettext_lazy("Disburse"),
            "loans.disburse_loan",
            (Loan.Status.APPROVED,),
            backoffice_loan_disburse,
            done=gettext_lazy("Loan %(loan)s disbursed: its schedule is built."),
        ),
        Transition(
            "write_off",
            gettext_lazy("Request write-off"),
            "loans.write_off_loan",
            OPEN,
            _write_off,
            reason_required=True,
            done=gettext_lazy(
                "Write-off of loan %(loan)s requested: another user must approve it."
            ),
        ),
    )
}


class LoanTransitionsMixin:
    """Adds the transition buttons and their views to a loan ``ModelAdmin``."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/transition/<str:action>/",
                self.admin_site.admin_view(self.transition_view),
                name="loans_loan_transition",
            ),
            *super().get_urls(),
        ]

    def transition_buttons(self, request: HttpRequest, loan: Loan) -> list[dict]:
        return [
            {
                "action": t.action,
                "label": t.label,
                "reason_required": t.reason_required,
                "url": reverse(
                    "admin:loans_loan_transition",
                    args=[loan.pk, t.action],
                    current_app=self.admin_site.name,
                ),
            }
            for t in TRANSITIONS.values()
            if loan.status in t.sources and request.user.has_perm(t.permission)
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        loan = Loan.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if loan is not None:
            extra_context["transition_buttons"] = self.transition_buttons(request, loan)
            extra_context["waiver_url"] = (
                reverse("admin:loans_adjustmentrequest_add") + f"?loan={loan.pk}"
                if request.user.has_perm("loans.add_adjustmentrequest")
                else ""
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request: HttpRequest, object_id: str, action: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        transition = TRANSITIONS.get(action)
        loan = get_object_or_404(Loan, pk=object_id)
        if transition is None or not request.user.has_perm(transition.permission):
            raise PermissionDenied
        change_url = reverse(
            "admin:loans_loan_change", args=[loan.pk], current_app=self.admin_site.name
        )
        reason = request.POST.get("reason", "").strip()
        if transition.reason_required and not reason:
            messages.error(
                request, _("Give a reason to %(action)s.") % {"action": transition.label.lower()}
            )
            return HttpResponseRedirect(change_url)
        try:
            transition.service(
                loan=loan,
                actor=request.user,
                business_date=business_date_current(),
                reason=reason,
                source="admin",
            )
        except DomainError as exc:
            messages.error(request, f"{_(str(exc.title))} {exc.detail}")
        else:
            messages.success(request, transition.done % {"loan": loan.reference})
        return HttpResponseRedirect(change_url)


class BasicLoanAdmin(admin.ModelAdmin):
    """Used only when the lifecycle's loan admin is not registered."""

    list_display = ("reference", "borrower", "product", "status", "principal", "days_past_due")
    list_filter = ("status", "delinquency_bucket", "product")
    search_fields = ("reference",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def extend_registered_admin(model, mixin: type, fallback: type[admin.ModelAdmin]) -> None:
    """Re-register ``model`` with ``mixin`` in front of the admin class already registered for
    it (or ``fallback``): the buttons and views are added without editing that admin's module."""
    site = admin.site
    base = type(site.get_model_admin(model)) if site.is_registered(model) else fallback
    if issubclass(base, mixin):
        return
    if site.is_registered(model):
        site.unregister(model)
    site.register(model, type(base.__name__, (mixin, base), {"__module__": base.__module__}))


extend_registered_admin(Loan, LoanTransitionsMixin, BasicLoanAdmin)
