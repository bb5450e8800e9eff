from django.contrib import admin
from django.utils.translation import gettext_lazy

from core.admin import NamedFieldsAdmin, ReadOnlyAdmin

from .models import ClassificationRule, LoanStage, StageChange
from .stage_reasons import stage_reason_shown


@admin.register(ClassificationRule)
class ClassificationRuleAdmin(admin.ModelAdmin):
    list_display = (
        "product_type",
        "special_mention_after",
        "substandard_after",
        "doubtful_after",
        "loss_after",
        "normal_ratio",
        "special_mention_ratio",
        "substandard_ratio",
        "doubtful_ratio",
        "loss_ratio",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("product_type",)}),
        (
            gettext_lazy("Days past due above which a loan moves to a category"),
            {
                "fields": (
                    "special_mention_after",
                    "substandard_after",
                    "doubtful_after",
                    "loss_after",
                )
            },
        ),
        (
            gettext_lazy("Provision ratios (fractions of the principal outstanding)"),
            {
                "fields": (
                    "normal_ratio",
                    "special_mention_ratio",
                    "substandard_ratio",
                    "doubtful_ratio",
                    "loss_ratio",
                )
            },
        ),
    )


# The reports' admin (report runs with their files, month-end captures, the charts page).


@admin.register(LoanStage)
class LoanStageAdmin(admin.ModelAdmin):
    """Each loan's IFRS 9 stage; credit risk staff set the watch list (a stage-2 trigger the
    next close applies)."""

    list_display = ("loan", "stage", "reason_shown", "since", "better_since", "watch_list")
    list_filter = ("stage", "watch_list")
    search_fields = ("loan__reference",)
    fields = ("loan", "stage", "reason_shown", "since", "better_since", "watch_list")
    readonly_fields = ("loan", "stage", "reason_shown", "since", "better_since")
    list_select_related = ("loan",)

    @admin.display(description=gettext_lazy("reason"), ordering="reason")
    def reason_shown(self, stage: LoanStage) -> str:
        return stage_reason_shown(stage.reason)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StageChange)
class StageChangeAdmin(NamedFieldsAdmin, ReadOnlyAdmin, admin.ModelAdmin):
    named_fields = {"reason": "reason_shown"}
    list_display = ("loan", "business_date", "from_stage", "to_stage", "reason_shown")
    list_filter = ("to_stage", "business_date")
    search_fields = ("loan__reference",)
    list_select_related = ("loan",)

    @admin.display(description=gettext_lazy("reason"), ordering="reason")
    def reason_shown(self, change: StageChange) -> str:
        return stage_reason_shown(change.reason)


from .reports import admin as reports_admin  # noqa: E402,F401
