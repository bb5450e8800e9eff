"""Credit policy as data, and the identities the lender will not lend to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    """Credit policy as data: rule thresholds, scorecard points, pricing bands and limits.

    Immutable once a decision used it (`first_used_on` set): a new version is published instead,
    so every stored decision can be re-run through exactly the policy that made it."""

    code = models.SlugField(max_length=40, verbose_name=_("code"))
    version = models.PositiveIntegerField(verbose_name=_("version"))
    description = models.CharField(max_length=255, blank=True, verbose_name=_("description"))
    policy = models.JSONField(
        help_text=_("Rules, scorecard, bands and limits (see the docs)."), verbose_name=_("policy")
    )
    is_active = models.BooleanField(default=False, verbose_name=_("is active"))
    created_by = models.CharField(max_length=150, default="system", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    first_used_on = models.DateField(
        null=True, blank=True, editable=False, verbose_name=_("first used on")
    )

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
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

    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    value_digest = models.CharField(max_length=64, verbose_name=_("value digest"))
    reason = models.CharField(max_length=255, verbose_name=_("reason"))
    added_on = models.DateField(verbose_name=_("added on"))
    added_by = models.CharField(max_length=150, default="system", verbose_name=_("added by"))

    class Meta:
        verbose_name = _("block list entry")
        verbose_name_plural = _("block list entries")
        db_table = "loans_blocklistentry"
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value_digest"], name="block_list_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value_digest[:8]}…"
