"""The collector's workspace in the admin: their queue by priority and by when the guard next
allows a call (borrower local time, computed for the whole queue at once), a button per outcome
of a call, an SMS or a visit, and a small promise form on each row. Every click goes through
`contact_logged` / `promise_record`: the guard decides and the attempt is recorded, allowed or
not."""

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
from .rules import CALL, SMS, VISIT
from .selectors import workspace_rows
from .services import contact_logged, promise_record

# What a collector logs with one click, by channel: (channel, its label, its outcomes). A
# button posts "channel:outcome"; a promise to pay has its own form (amount and date).
OUTCOMES_BY_CHANNEL = (
    (
        CALL,
        gettext_lazy("Call"),
        (
            ("no_answer", gettext_lazy("No answer")),
            ("busy", gettext_lazy("Busy")),
            ("left_message", gettext_lazy("Left a message")),
            ("connected", gettext_lazy("Spoke with the person")),
            ("refused_to_pay", gettext_lazy("Refused to pay")),
            ("wrong_number", gettext_lazy("Wrong number")),
        ),
    ),
    (
        SMS,
        gettext_lazy("SMS"),
        (("delivered", gettext_lazy("Delivered")), ("failed", gettext_lazy("Failed"))),
    ),
    (
        VISIT,
        gettext_lazy("Visit"),
        (
            ("connected", gettext_lazy("Spoke with the person")),
            ("refused_to_pay", gettext_lazy("Refused to pay")),
            ("unreachable", gettext_lazy("Unreachable")),
        ),
    ),
)
_OUTCOMES = {
    f"{channel}:{outcome}": (channel, channel_label, label)
    for channel, channel_label, outcomes in OUTCOMES_BY_CHANNEL
    for outcome, label in outcomes
}
PROMISE_CHANNELS = ((CALL, gettext_lazy("Call")), (VISIT, gettext_lazy("Visit")))


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
            "outcomes_by_channel": OUTCOMES_BY_CHANNEL,
            "promise_channels": PROMISE_CHANNELS,
        }
        return TemplateResponse(request, "admin/collection/workspace.html", context)

    def _back(self) -> HttpResponse:
        return redirect(reverse("admin:collection_workspace"))

    def workspace_outcome_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._my_case(request, case_id)
        key = request.POST.get("outcome", "")
        if key not in _OUTCOMES:
            messages.error(request, _("Unknown outcome."))
            return self._back()
        channel, channel_label, label = _OUTCOMES[key]
        attempt = contact_logged(
            case_id=case.id,
            channel=channel,
            outcome=key.partition(":")[2],
            at=timezone.now(),
            agent=request.user,
            business_date=business_date_current(),
        )
        if attempt.allowed:
            messages.success(
                request,
                _("Case %(case)s: %(channel)s recorded as %(outcome)s.")
                % {"case": case.id, "channel": channel_label, "outcome": label},
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
        channel = request.POST.get("channel") or CALL
        if channel not in dict(PROMISE_CHANNELS):
            messages.error(request, _("Unknown channel."))
            return self._back()
        form = RecordPromiseForm({**request.POST.dict(), "channel": channel})
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
                channel=channel,
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
