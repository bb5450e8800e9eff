"""Credit policy as data, and the identities the lender will not lend to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    """Credit policy as data: rule thresholds, scorecard points, pricing bands and limits.

    Immutable once a decision used it (`first_used_on` set): a new version is published instead,
    so every stored decision can be re-run through exactly the policy that made it."""

    code = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    description = models.CharField(max_length=255, blank=True)
    policy = models.JSONField(help_text="Rules, scorecard, bands and limits (see the docs).")
    is_active = models.BooleanField(default=False)
    created_by = models.CharField(max_length=150, default="system")
    created_at = models.DateTimeField(auto_now_add=True)
    first_used_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "loans_policyversion"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_version_uniq"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_active=True), name="policy_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def is_used(self) -> bool:
        return self.first_used_on is not None


class BlockListEntry(models.Model):
    """An identity the lender will not lend to (fraud, court order); matched by keyed digest."""

    class Kind(models.TextChoices):
        NATIONAL_ID = "national_id", _("National ID")
        MOBILE = "mobile", _("Mobile phone")
        DEVICE = "device", _("Device")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    value_digest = models.CharField(max_length=64)
    reason = models.CharField(max_length=255)
    added_on = models.DateField()
    added_by = models.CharField(max_length=150, default="system")

    class Meta:
        db_table = "loans_blocklistentry"
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value_digest"], name="block_list_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value_digest[:8]}…"
