"""Staff API tokens: a named key per script or integration, kept only as a digest, always expiring."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from knox.models import AbstractAuthToken


class StaffToken(AbstractAuthToken):
    """knox's token (`digest` of the key, `token_key`: the key's first characters, for lookup) with a name
    and the time it was last used. Deleting one revokes it."""

    # knox allows tokens that never expire; a staff token always does.
    expiry = models.DateTimeField("expires")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_tokens",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The staff member the API treats the caller as.",
    )
    name = models.CharField(
        max_length=100, help_text="What uses this token, e.g. “Front desk tablet” or “Nightly export”."
    )
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "staff API token"
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                name="staff_token_name_unique_per_user",
                violation_error_message="This user already has a token with this name.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="staff_token_named"),
        ]
        permissions = [("manage_all_staff_tokens", "Can see and revoke every staff member's API tokens")]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    def has_expired(self, now: datetime) -> bool:
        return self.expiry <= now
