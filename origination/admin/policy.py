"""Policy versions (immutable once a decision used them) and the block list."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from loans import pii
from origination.models import (
    BlockListEntry,
    PolicyVersion,
)
from origination.services.policies import policy_validate, policy_version_publish


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ("code", "description", "policy", "is_active")

    def clean_policy(self):
        policy = self.cleaned_data["policy"]
        try:
            policy_validate(policy)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from exc
        return policy


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """A new version is added (never edited once a decision used it); saving publishes it
    with the next number."""

    form = PolicyVersionForm
    list_display = ("code", "version", "is_active", "first_used_on", "created_by", "created_at")
    list_filter = ("code", "is_active")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("code", "version", "policy", "is_active", "first_used_on", "created_by")
        return ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            # Only the description of an existing version may change.
            PolicyVersion.objects.filter(pk=obj.pk).update(description=obj.description)
            return
        published = policy_version_publish(
            code=obj.code,
            policy=obj.policy,
            actor=request.user.get_username(),
            description=obj.description,
            activate=obj.is_active,
        )
        obj.pk, obj.version = published.pk, published.version


class BlockListForm(forms.ModelForm):
    value = forms.CharField(
        max_length=128, help_text=_("National ID, phone or device id; only its digest is kept.")
    )

    class Meta:
        model = BlockListEntry
        fields = ("kind", "reason", "added_on")


@admin.register(BlockListEntry)
class BlockListEntryAdmin(admin.ModelAdmin):
    form = BlockListForm
    list_display = ("kind", "short_digest", "reason", "added_on", "added_by")
    list_filter = ("kind",)

    @admin.display(description=_("Digest"))
    def short_digest(self, obj: BlockListEntry) -> str:
        return f"{obj.value_digest[:12]}…"

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.value_digest = pii.digest(form.cleaned_data["value"])
        obj.added_by = request.user.get_username()
        super().save_model(request, obj, form, change)
