"""A patient's request, from their booking's page, for a copy of their data or its erasure: staff handle it
(the export and the erasure are staff's tools); asking never exports or erases anything by itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from scheduling import clinic_time
from scheduling.models.bookings import Booking
from scheduling.models.patients import Patient


class PrivacyRequest(models.Model):
    class Kind(models.TextChoices):
        COPY = "copy", "a copy of their data"
        ERASURE = "erasure", "erasure of their data"

    class Status(models.TextChoices):
        OPEN = "open"
        DONE = "done"
        DECLINED = "declined"

    patient = models.ForeignKey(Patient, models.PROTECT, related_name="privacy_requests")
    booking = models.ForeignKey(
        Booking, models.PROTECT, related_name="privacy_requests", help_text="The booking whose page it was asked from."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_at = models.DateTimeField(default=clinic_time.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    # PROTECT, as the log of reads does: an account that handled requests is deactivated, never deleted.
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="handled_privacy_requests"
    )
    staff_note = models.TextField(blank=True, help_text="What was done, or why it was declined. Staff only.")

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            # Asking twice (a second click, another booking's page) finds the first request still with staff.
            models.UniqueConstraint(
                fields=["patient", "kind"], condition=Q(status="open"), name="privacy_request_one_open_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(status="open", handled_at__isnull=True) | (~Q(status="open") & Q(handled_at__isnull=False)),
                name="privacy_request_handled_when_closed",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.status}), asked {self.requested_at:%Y-%m-%d}"
