"""Loan modifications in the admin: the request form with a Preview button (the quote: the
schedule before and after side by side and the APR before and after, or a settlement's payoff
and discount; nothing is requested), kept on the request once made; the approval queue (the
list, filtered to requested), approve and reject buttons for another user than the maker, and
each loan's modifications on its page."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import MakerCheckerAdmin
from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import Allocation, LoanModification, SettlementLimit
from loans.services.modification_backoffice import (
    APPROVE_PERMISSION,
    backoffice_modification_decide,
    backoffice_modification_request,
)
from loans.services.modifications import DECISION, modification_quote
from loans.services.settlements import SettlementQuote

from .loans import LoanAdmin, ReadOnlyInline


class ModificationRequestForm(forms.ModelForm):
    parameters = forms.JSONField(
        label=gettext_lazy("parameters"),
        help_text=gettext_lazy(
            'Holiday: {"installments": 2}; reschedule: {"term": 24} or {"installment": '
            '"800.00"}; rate change: {"annual_rate": "0.10"}; re-age: {} or {"term": 12}; '
            'settlement: {"amount": "9000.00", "deadline": "2026-03-01"}.'
        ),
    )
    preview_html = ""

    class Meta:
        model = LoanModification
        fields = ("loan", "kind", "effective_date", "parameters", "reason")

    def clean(self):
        data = super().clean()
        if data.get("loan") and data.get("kind") and data.get("effective_date"):
            try:
                quote = modification_quote(
                    loan=data["loan"],
                    kind=data["kind"],
                    effective_date=data["effective_date"],
                    parameters=data.get("parameters") or {},
                    business_date=business_date_current(),
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.detail) from exc
            self.preview_html = quote_html(quote)
            if PREVIEW in self.data:
                raise forms.ValidationError(
                    _("Preview only: nothing was requested. Press Save to request it."),
                    code="preview",
                )
        return data


PREVIEW = "_preview"


def component_label(code: str) -> str:
    """A payoff component (``principal``, ``fee``) by its name in the reader's language."""
    return str(dict(Allocation.Component.choices).get(code, code))


def settlement_html(quote: dict) -> str:
    """A settlement's payoff per component and the discount booked from it."""
    owed, split = quote.get("owed", {}), quote.get("split", {})
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((component_label(name), owed.get(name, ""), split.get(name, "")) for name in owed),
    )
    return format_html(
        '<table class="settlement-preview"><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}'
        "<tr><th>{}</th><td>{}</td><td>{} ({})</td></tr></table><p>{}</p>",
        _("Component"),
        _("Payoff"),
        _("Discount"),
        rows,
        _("Total"),
        quote.get("payoff", ""),
        quote.get("discount", ""),
        quote.get("share", ""),
        _("Agreed amount %(amount)s by %(deadline)s.")
        % {"amount": quote.get("amount", ""), "deadline": quote.get("deadline", "")},
    )


def quote_html(quote) -> str:
    """The preview of a quote: a settlement's figures, or both schedules and both APRs."""
    if isinstance(quote, SettlementQuote):
        return settlement_html(quote.as_dict())
    return format_html(
        "{}<p>{}</p>",
        side_by_side(quote.rows_before(), quote.rows_after()),
        _("APR before %(before)s, after %(after)s; installment before %(ib)s, after %(ia)s.")
        % {
            "before": quote.apr_before,
            "after": quote.apr_after,
            "ib": quote.installment_before,
            "ia": quote.installment_after,
        },
    )


def side_by_side(before: list[dict], after: list[dict]) -> str:
    cells = []
    for index in range(max(len(before), len(after))):
        left = before[index] if index < len(before) else {}
        right = after[index] if index < len(after) else {}
        cells.append(
            tuple(
                side.get(key, "")
                for side in (left, right)
                for key in ("due_date", "principal", "interest", "total")
            )
        )
    names = [_("Due date"), _("Principal"), _("Interest"), _("Total")]
    header = format_html_join("", "<th>{}</th>", ((name,) for name in names * 2))
    rows = format_html_join("", "<tr>" + "<td>{}</td>" * 8 + "</tr>", cells)
    return format_html(
        '<table class="modification-preview"><tr><th colspan="4">{}</th><th colspan="4">{}'
        "</th></tr><tr>{}</tr>{}</table>",
        _("Before"),
        _("After"),
        header,
        rows,
    )


@admin.register(LoanModification)
class LoanModificationAdmin(MakerCheckerAdmin, admin.ModelAdmin):
    form = ModificationRequestForm
    add_form_template = "admin/loans/loanmodification/add_form.html"
    decision = DECISION
    approve_permission = APPROVE_PERMISSION
    decision_prefix = "modification"
    own_request_text = (
        "You asked for this modification: another user with the approver permission must decide it."
    )
    decided_message = "Modification %(id)s %(done)s."
    list_display = (
        "id",
        "loan",
        "kind",
        "status",
        "effective_date",
        "installment_before",
        "installment_after",
        "requested_by",
        "checked_by",
    )
    list_filter = ("status", "kind")
    search_fields = ("loan__reference", "reason")
    raw_id_fields = ("loan",)
    readonly_fields = (
        "status",
        "apr_before",
        "apr_after",
        "effective_rate_before",
        "effective_rate_after",
        "yield_respread",
        "installment_before",
        "installment_after",
        "preview",
        "requested_by",
        "requested_on",
        "checked_by",
        "decided_on",
        "decision_note",
        "applied_on",
        "entry_ids",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["loan", "kind", "effective_date", "parameters", "reason"]
        return ["loan", "kind", "effective_date", "parameters", "reason", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("loan", "kind", "effective_date", "parameters", "reason", *self.readonly_fields)

    @admin.display(description=gettext_lazy("Schedule before and after"))
    def preview(self, obj: LoanModification) -> str:
        table = side_by_side(obj.schedule_before, obj.schedule_after)
        if obj.kind == LoanModification.Kind.SETTLEMENT:
            return format_html("{}{}", settlement_html(obj.quote), table)
        return table

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: LoanModification, form, change: bool) -> None:
        if change:
            raise PermissionDenied
        created = backoffice_modification_request(
            loan=obj.loan,
            kind=obj.kind,
            effective_date=obj.effective_date,
            parameters=obj.parameters,
            reason=obj.reason,
            actor=request.user,
            business_date=business_date_current(),
        )
        obj.pk = created.pk
        obj._state.adding = False

    def decide(self, request, obj: LoanModification, *, approve: bool, note: str) -> None:
        backoffice_modification_decide(
            modification=obj,
            approve=approve,
            actor=request.user,
            business_date=business_date_current(),
            note=note,
        )


@admin.register(SettlementLimit)
class SettlementLimitAdmin(admin.ModelAdmin):
    """The settlement discount each staff group may approve (data, edited here)."""

    list_display = ("group", "max_share", "max_amount")


class LoanModificationInline(ReadOnlyInline):
    model = LoanModification
    fields = (
        "kind",
        "status",
        "effective_date",
        "installment_before",
        "installment_after",
        "apr_before",
        "apr_after",
        "requested_by",
        "checked_by",
    )
    readonly_fields = fields
    show_change_link = True


LoanAdmin.inlines = [*LoanAdmin.inlines, LoanModificationInline]
