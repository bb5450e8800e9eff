"""The audit trail: who did what, to which object, before and after, on which business date.

An ``AuditEvent`` is never changed: PostgreSQL refuses ``UPDATE`` and ``DELETE`` of its rows
(migration ``compliance/0003``, on the table the model kept when it moved here).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit_actions import audit_action_label


class AuditEvent(models.Model):
    """One action: who, what, on which object, the object before and after, when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(
        max_length=150,
        help_text=_("As it was when the action was taken."),
        verbose_name=_("actor username"),
    )
    action = models.CharField(
        max_length=64, db_index=True, help_text=_("e.g. loan.approve"), verbose_name=_("action")
    )
    object_type = models.CharField(
        max_length=100, help_text=_("app_label.model"), verbose_name=_("object type")
    )
    object_id = models.CharField(max_length=64, blank=True, verbose_name=_("object ID"))
    object_repr = models.CharField(max_length=200, blank=True, verbose_name=_("object repr"))
    before = models.JSONField(null=True, blank=True, verbose_name=_("before"))
    after = models.JSONField(null=True, blank=True, verbose_name=_("after"))
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    source = models.CharField(
        max_length=16,
        default="admin",
        help_text=_("admin, api or command"),
        verbose_name=_("source"),
    )
    business_date = models.DateField(null=True, blank=True, verbose_name=_("business date"))
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        db_table = "compliance_auditevent"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        moment = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{moment} {self.actor_username} {self.action_label} {self.object_repr}"

    @property
    def action_label(self) -> str:
        return audit_action_label(self.action)
