from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loans import pii


class Borrower(models.Model):
    """A borrower. National ID and phone are stored encrypted, with a keyed digest for look-ups
    and a masked form for display; `national_id` / `mobile` decrypt on demand."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="borrower",
        verbose_name=_("user"),
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    national_id_ciphertext = models.TextField(
        editable=False, verbose_name=_("national ID ciphertext")
    )
    national_id_digest = models.CharField(
        max_length=64, db_index=True, editable=False, verbose_name=_("national ID digest")
    )
    national_id_masked = models.CharField(
        max_length=32, editable=False, verbose_name=_("national ID masked")
    )
    mobile_ciphertext = models.TextField(
        editable=False, blank=True, verbose_name=_("mobile ciphertext")
    )
    mobile_digest = models.CharField(
        max_length=64, db_index=True, editable=False, blank=True, verbose_name=_("mobile digest")
    )
    mobile_masked = models.CharField(
        max_length=24, editable=False, blank=True, verbose_name=_("mobile masked")
    )
    time_zone = models.CharField(
        max_length=64, default="Asia/Shanghai", verbose_name=_("time zone")
    )
    preferred_language = models.CharField(
        max_length=10, default="zh-hans", verbose_name=_("preferred language")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("borrower")
        verbose_name_plural = _("borrowers")
        permissions = [("unmask_borrower", "Can see a borrower's unmasked personal data")]

    def __str__(self) -> str:
        return f"{self.name} ({self.national_id_masked})"

    def set_national_id(self, value: str) -> None:
        self.national_id_ciphertext = pii.encrypt(value.strip())
        self.national_id_digest = pii.digest(value)
        self.national_id_masked = pii.mask_national_id(value)

    def set_mobile(self, value: str) -> None:
        self.mobile_ciphertext = pii.encrypt(value.strip())
        self.mobile_digest = pii.digest(value)
        self.mobile_masked = pii.mask_phone(value)

    @property
    def national_id(self) -> str:
        return pii.decrypt(self.national_id_ciphertext)

    @property
    def mobile(self) -> str:
        return pii.decrypt(self.mobile_ciphertext)


class Consent(models.Model):
    """What a borrower agreed to share or allow, and when (PIPL: consent per purpose)."""

    class Purpose(models.TextChoices):
        CREDIT_BUREAU = "credit_bureau", _("Query and report to the credit bureau")
        DATA_PROCESSING = "data_processing", _("Process personal data for the loan")
        CONTACT = "contact", _("Contact about the loan and repayments")
        THIRD_PARTY_SHARING = "third_party_sharing", _("Share data with partners")
        MARKETING = "marketing", _("Marketing messages")

    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="consents", verbose_name=_("borrower")
    )
    purpose = models.CharField(max_length=32, choices=Purpose.choices, verbose_name=_("purpose"))
    granted = models.BooleanField(verbose_name=_("granted"))
    document_version = models.CharField(
        max_length=32, default="v1", verbose_name=_("document version")
    )
    channel = models.CharField(max_length=32, default="app", verbose_name=_("channel"))
    business_date = models.DateField(verbose_name=_("business date"))
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        granted = gettext("granted") if self.granted else gettext("withdrawn")
        return f"{self.borrower_id} {self.get_purpose_display()} {granted}"


class CreditAssessment(models.Model):
    """A credit score the lender assessed for a borrower: by its decision pipeline, a credit
    bureau pull, or a staff user holding ``loans.assess_credit`` (audited). Never a score the
    borrower claims: risk-based prices are read from the borrower's latest assessment still
    valid on the pricing date. Rows are never edited; a new assessment supersedes the last."""

    class Source(models.TextChoices):
        DECISION = "decision", _("Decision pipeline")
        BUREAU = "bureau", _("Credit bureau")
        STAFF = "staff", _("Staff assessment")

    borrower = models.ForeignKey(
        Borrower,
        on_delete=models.PROTECT,
        related_name="credit_assessments",
        verbose_name=_("borrower"),
    )
    score = models.IntegerField(verbose_name=_("score"))
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    provider = models.CharField(
        max_length=64, blank=True, help_text=_("Scorecard or bureau."), verbose_name=_("provider")
    )
    reference = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("The decision or bureau report it came from."),
        verbose_name=_("reference"),
    )
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    assessed_by = models.CharField(max_length=150, verbose_name=_("assessed by"))
    business_date = models.DateField(verbose_name=_("business date"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("credit assessment")
        verbose_name_plural = _("credit assessments")
        ordering = ["-business_date", "-id"]
        indexes = [
            models.Index(fields=["borrower", "-business_date", "-id"], name="assessment_latest")
        ]
        permissions = [("assess_credit", "Can record a borrower's credit score")]

    def __str__(self) -> str:
        return (
            f"{self.borrower_id}: {self.score} ({self.get_source_display()}, {self.business_date})"
        )
