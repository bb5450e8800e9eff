from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy

from core.admin import ReadOnlyAdmin
from core.errors import DomainError

from .models import (
    AutoDebitRule,
    BankStatement,
    Mandate,
    OrderReview,
    PaymentOrder,
    PaymentOrderEvent,
    ReconciliationRequest,
    StatementLine,
)
from .services.order_reviews import order_review_resolve
from .services.reconciliation import reconciliation_decide, reconciliation_request

DECIDE_PERMISSION = "payments.change_reconciliationrequest"


class PaymentOrderEventInline(admin.TabularInline):
    model = PaymentOrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("source", "reported_status", "outcome", "payload", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "reference",
        "direction",
        "purpose",
        "loan_number",
        "amount",
        "amount_settled",
        "status",
        "business_date",
        "attempt",
    )
    list_filter = ("status", "direction", "purpose", "gateway")
    search_fields = ("reference", "provider_reference", "idempotency_key")
    inlines = [PaymentOrderEventInline]

    @admin.display(description=gettext_lazy("loan ID"), ordering="loan_id")
    def loan_number(self, row) -> int:
        return row.loan_id


@admin.register(OrderReview)
class OrderReviewAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Gateway reports queued for staff; resolved (with a note) once the money is settled."""

    list_display = ("id", "order", "kind", "status", "reason", "created_at", "resolved_by")
    list_filter = ("status", "kind")
    actions = ["resolve"]

    @admin.action(description=gettext_lazy("Mark resolved (the money was settled by hand)"))
    def resolve(self, request, queryset):
        if not request.user.has_perm("payments.change_orderreview"):
            self.message_user(request, gettext("You may not resolve review items."), messages.ERROR)
            return
        for review in queryset:
            try:
                order_review_resolve(
                    review=review,
                    user=request.user,
                    note=f"resolved in the admin by {request.user}",
                )
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "loan_number", "account_reference", "status", "consent_at", "revoked_at")
    list_filter = ("status",)

    @admin.display(description=gettext_lazy("loan ID"), ordering="loan_id")
    def loan_number(self, row) -> int:
        return row.loan_id


@admin.register(AutoDebitRule)
class AutoDebitRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "max_attempts_per_day",
        "max_attempts_per_installment",
        "first_attempt_at",
        "retry_spacing_minutes",
        "quiet_from",
        "quiet_until",
    )


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    extra = 0
    can_delete = False
    fields = ("line_number", "booking_date", "amount", "reference", "status", "match_rule")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("statement_id", "account", "format", "statement_date", "imported_at")
    inlines = [StatementLineInline]


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The unmatched queue (filter by status): propose a suspense entry from here, a match or a
    split from the reconciliation requests' add page; a second user approves either."""

    list_display = (
        "id",
        "statement",
        "booking_date",
        "amount",
        "reference",
        "bank_reference",
        "status",
        "match_rule",
    )
    list_filter = ("status", "match_rule", "statement__account")
    search_fields = ("reference", "bank_reference", "counterparty")
    actions = ["propose_suspense"]

    @admin.action(
        description=gettext_lazy("Propose a suspense entry for the selected queued lines")
    )
    def propose_suspense(self, request, queryset) -> None:
        for line in queryset.filter(status__in=StatementLine.QUEUED):
            reconciliation_request(
                line=line,
                kind=ReconciliationRequest.Kind.SUSPENSE,
                order_references=[],
                reason="unidentified: proposed from the queue",
                user=request.user,
            )
            self.message_user(request, f"Suspense entry for line {line.pk} proposed.")


class ReconciliationRequestForm(forms.ModelForm):
    order_references = forms.CharField(
        required=False,
        label=gettext_lazy("Order references"),
        help_text=gettext_lazy("Order references (PO…), separated by spaces or commas."),
    )

    class Meta:
        model = ReconciliationRequest
        fields = ["line", "kind", "order_references", "reason"]

    def clean_order_references(self) -> list[str]:
        text = self.cleaned_data.get("order_references") or ""
        return [ref for ref in text.replace(",", " ").split() if ref]


@admin.register(ReconciliationRequest)
class ReconciliationRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "line", "kind", "status", "requested_by", "decided_by", "reason")
    list_filter = ("status", "kind")
    actions = ["approve", "reject"]
    form = ReconciliationRequestForm
    raw_id_fields = ("line",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [f.name for f in ReconciliationRequest._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(DECIDE_PERMISSION)

    def save_model(self, request, obj, form, change) -> None:
        created = reconciliation_request(
            line=form.cleaned_data["line"],
            kind=form.cleaned_data["kind"],
            order_references=form.cleaned_data["order_references"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        obj.pk = created.pk

    def _decide(self, request, queryset, approve: bool) -> None:
        for item in queryset.filter(status=ReconciliationRequest.Status.PENDING):
            try:
                reconciliation_decide(request=item, user=request.user, approve=approve)
            except DomainError as exc:
                self.message_user(request, f"Request {item.pk}: {exc.detail}", messages.ERROR)
            else:
                done = "applied" if approve else "rejected"
                self.message_user(request, f"Request {item.pk} {done}.", messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Approve and apply the selected requests"), permissions=["approve"]
    )
    def approve(self, request, queryset) -> None:
        self._decide(request, queryset, True)

    @admin.action(description=gettext_lazy("Reject the selected requests"), permissions=["approve"])
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, False)
