"""Idempotency keys: a retried request gets the answer the first one got."""

from django.db import models


class IdempotencyRecord(models.Model):
    """A client's Idempotency-Key and the response it got, so a retried request gets the same answer."""

    scope = models.CharField(max_length=100, help_text="The operation the key was used for.")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_scope")]

    def __str__(self):
        return f"{self.scope} {self.key}"
