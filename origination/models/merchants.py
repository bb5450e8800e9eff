"""Merchants paid on drawdowns (e-commerce shops and scenes: schools, car dealers, clinics)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Merchant(models.Model):
    """A merchant (e-commerce shop or scene: school, car dealer, clinic) paid on drawdowns."""

    class Kind(models.TextChoices):
        ECOMMERCE = "ecommerce", _("E-commerce (电商)")
        EDUCATION = "education", _("Education (教育)")
        CAR = "car", _("Car (车)")
        MEDICAL = "medical", _("Medical (医美)")

    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.ECOMMERCE, verbose_name=_("kind")
    )
    settlement_account_masked = models.CharField(
        max_length=40, blank=True, verbose_name=_("settlement account masked")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        db_table = "loans_merchant"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"
