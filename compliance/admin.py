from django.contrib import admin

from .models import ClassificationRule


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
            "Days past due above which a loan moves to a category",
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
            "Provision ratios (fractions of the principal outstanding)",
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
from .reports import admin as reports_admin  # noqa: E402,F401
