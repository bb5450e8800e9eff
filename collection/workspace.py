"""The collector's workspace in the admin: their queue by priority and by when the guard next
allows a call (borrower local time), a button per call outcome and a small promise form on each
row. Every click goes through `contact_attempt_request` / `promise_record`: the guard decides and
the attempt is recorded, allowed or not."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from ledger.services import business_date_current

from .forms import RecordPromiseForm
from .models import CollectionCase
from .rules import CALL
from .selectors import workspace_rows
from .services import contact_attempt_request, promise_record

# The outcomes of a call a collector logs with one click (a promise has its own form).
CALL_OUTCOMES = (
    ("no_answer", gettext_lazy("No answer")),
    ("busy", gettext_lazy("Busy")),
    ("left_message", gettext_lazy("Left a message")),
    ("connected", gettext_lazy("Spoke with the person")),
    ("refused_to_pay", gettext_lazy("Refused to pay")),
    ("wrong_number", gettext_lazy("Wrong number")),
)
_OUTCOMES = dict(CALL_OUTCOMES)


class WorkspaceMixin:
    """Adds the workspace pages to the collector's queue admin."""

    def workspace_urls(self):
        view = self.admin_site.admin_view
        return [
            path("workspace/", view(self.workspace_view), name="collection_workspace"),
            path(
                "workspace/<int:case_id>/outcome/",
                view(self.workspace_outcome_view),
                name="collection_workspace_outcome",
            ),
            path(
                "workspace/<int:case_id>/promise/",
                view(self.workspace_promise_view),
                name="collection_workspace_promise",
            ),
        ]

    def _my_case(self, request: HttpRequest, case_id: int) -> CollectionCase:
        return get_object_or_404(
            CollectionCase,
            pk=case_id,
            assigned_agent=request.user,
            status=CollectionCase.Status.OPEN,
        )

    def workspace_view(self, request: HttpRequest) -> HttpResponse:
        rows = workspace_rows(agent=request.user, at=timezone.now(), as_of=business_date_current())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("My workspace"),
            "rows": rows,
            "outcomes": CALL_OUTCOMES,
        }
        return TemplateResponse(request, "admin/collection/workspace.html", context)

    def _back(self) -> HttpResponse:
        return redirect(reverse("admin:collection_workspace"))

    def workspace_outcome_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._my_case(request, case_id)
        outcome = request.POST.get("outcome", "")
        if outcome not in _OUTCOMES:
            messages.error(request, _("Unknown outcome."))
            return self._back()
        attempt = contact_attempt_request(
            case_id=case.id,
            channel=CALL,
            at=timezone.now(),
            agent=request.user,
            outcome=outcome,
            business_date=business_date_current(),
        )
        if attempt.allowed:
            messages.success(
                request,
                _("Case %(case)s: call recorded as %(outcome)s.")
                % {"case": case.id, "outcome": _OUTCOMES[outcome]},
            )
        else:
            messages.error(
                request,
                _("Case %(case)s: not allowed (%(rule)s): %(reason)s")
                % {"case": case.id, "rule": attempt.blocked_by, "reason": attempt.reason},
            )
        return self._back()

    def workspace_promise_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._my_case(request, case_id)
        form = RecordPromiseForm({**request.POST.dict(), "channel": CALL})
        if not form.is_valid():
            messages.error(
                request,
                _("Case %(case)s: the promise needs an amount and a date.") % {"case": case.id},
            )
            return self._back()
        data = form.cleaned_data
        try:
            promise = promise_record(
                case_id=case.id,
                amount=data["amount"],
                promised_date=data["promised_date"],
                at=timezone.now(),
                business_date=business_date_current(),
                agent=request.user,
                channel=CALL,
                note=data["note"],
            )
        except DomainError as exc:
            rule = exc.context.get("rule")
            detail = f"({rule}) {exc.detail}" if rule else exc.detail
            messages.error(
                request,
                _("Case %(case)s: promise not recorded: %(detail)s")
                % {"case": case.id, "detail": detail},
            )
        else:
            messages.success(
                request,
                _("Case %(case)s: promise of %(amount)s by %(date)s recorded.")
                % {"case": case.id, "amount": promise.amount, "date": promise.promised_date},
            )
        return self._back()
