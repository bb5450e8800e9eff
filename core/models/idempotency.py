"""What a money-moving API request returned, under the client's ``Idempotency-Key``.

The row is inserted first, in the same transaction as the work it guards: a concurrent request
with the same key waits on the unique index until the first commits, then replays its response
(or, if the first rolled back, does the work itself). A key is the client's, so it is unique per
user; the request hash (method, path and canonical body) tells a retry from a reuse.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "loans_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} → {self.status_code}"
