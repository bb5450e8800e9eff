"""What a money-moving API request returned, under the client's ``Idempotency-Key``.

The row is inserted first, in the same transaction as the work it guards: a concurrent request
with the same key waits on the unique index until the first commits, then replays its response
(or, if the first rolled back, does the work itself). A key is the client's, so it is unique per
user; the request hash (method, path and canonical body) tells a retry from a reuse.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotency_records",
        verbose_name=_("user"),
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=8, verbose_name=_("HTTP method"))
    path = models.CharField(max_length=255, verbose_name=_("path"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    response_body = models.JSONField(
        default=dict, encoder=DjangoJSONEncoder, verbose_name=_("response body")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        db_table = "loans_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} → {self.status_code}"
