from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import RATE


class IndexFixing(models.Model):
    """A reference rate's fixing in force from a date, beside the fixings shipped with the code
    (`calc.index_rates`): a fixing published after the release, or a simulated market move (the
    demo's `simulate`). A date takes the latest fixing on or before it from either."""

    index = models.CharField(
        max_length=12,
        choices=[("lpr_1y", _("One-year LPR")), ("lpr_5y", _("Five-year LPR"))],
        verbose_name=_("index"),
    )
    effective_from = models.DateField(verbose_name=_("effective from"))
    rate = models.DecimalField(**RATE, verbose_name=_("rate"))
    source = models.CharField(max_length=40, blank=True, default="", verbose_name=_("source"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("index fixing")
        verbose_name_plural = _("index fixings")
        constraints = [
            models.UniqueConstraint(
                fields=["index", "effective_from"], name="index_fixing_unique_date"
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0), name="index_fixing_rate_not_negative"
            ),
        ]
        ordering = ["index", "effective_from"]

    def __str__(self) -> str:
        return gettext("%(index)s %(rate)s from %(date)s") % {
            "index": self.get_index_display(),
            "rate": self.rate,
            "date": self.effective_from,
        }
