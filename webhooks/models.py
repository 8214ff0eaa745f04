"""Integrators' endpoints, and the deliveries of booking events to them with every attempt."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from outbox.models import OutboxItem
from scheduling.models import Booking, BookingEvent

SECRET_PREFIX = "whsec_"


class EventType(models.TextChoices):
    CREATED = "booking.created"
    RESCHEDULED = "booking.rescheduled"
    CANCELLED = "booking.cancelled"
    CHECKED_IN = "booking.checked_in"
    COMPLETED = "booking.completed"
    NO_SHOW = "booking.no_show"
    # A course of treatment booked: its visits, each also announced by booking.created.
    SERIES_CREATED = "series.created"


def new_secret() -> str:
    """A signing secret as the Standard Webhooks specification writes one: whsec_ + base64 of 32 bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return f"msg_{secrets.token_urlsafe(18)}"


class Endpoint(models.Model):
    """A URL of an integrator's that receives the booking events it asked for, signed with its secret.

    The secret is kept as issued: signing needs it. The previous one keeps signing beside it for a day
    after a rotation, so the receiver can switch without losing a delivery.
    """

    url = models.URLField(max_length=2000)
    events = models.JSONField(help_text="The event types this endpoint receives.")
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    previous_secret = models.CharField(max_length=64, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Since when every delivery has failed, with none succeeding; cleared by a success.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def signing_secrets(self, now) -> list[str]:
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            return [self.secret, self.previous_secret]
        return [self.secret]

    def rotate_secret(self) -> str:
        """A new secret; the old one goes on signing for WEBHOOK_SECRET_OVERLAP_HOURS (24)."""
        now = timezone.now()
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
        self.secret = new_secret()
        self.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        return self.secret


class Delivery(OutboxItem):
    """One booking event for one endpoint: its body, fixed when the event happened, and its progress.
    `sent` means the endpoint answered 2xx. A course's series.created hangs on its first visit's creation,
    beside that visit's booking.created."""

    endpoint = models.ForeignKey(Endpoint, models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(BookingEvent, models.PROTECT, related_name="webhook_deliveries")
    booking = models.ForeignKey(Booking, models.PROTECT, related_name="webhook_deliveries")
    revision = models.PositiveIntegerField()
    event_type = models.CharField(max_length=24, choices=EventType.choices)
    # The webhook-id header: the same on every attempt, so receivers can drop a repeat.
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id, editable=False)
    body = models.TextField(help_text="The JSON body, byte for byte as signed.")

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["endpoint", "booking", "revision"], name="delivery_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event", "event_type"], name="delivery_one_per_endpoint_event_and_type"
            ),
        ]

    def __str__(self):
        return f"{self.event_type} r{self.revision} of {self.booking_id} to {self.endpoint_id}"


class Attempt(models.Model):
    """One try at a delivery: what the endpoint answered and how long it took."""

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "pk"]

    def __str__(self):
        return f"{self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
