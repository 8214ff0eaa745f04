"""Who read which patient's booking, when, how and through which interface: the access log HIPAA asks for.

Append-only: the database refuses to update or delete these rows (see scheduling/guards.py). Each row is
one booking shown to one reader, so "who saw Ada's booking" is one indexed lookup.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from scheduling.models.bookings import Booking
from scheduling.models.patients import Patient


class PatientDataRead(models.Model):
    """One booking's patient data shown to a staff member, or sent to a practitioner's calendar feed."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "viewed the booking"
        LISTED = "listed", "listed among others"
        HISTORY = "history", "read its history"
        EXPORTED = "exported", "exported"
        ERASED = "erased", "erased"
        MERGED = "merged", "merged or unmerged"

    class Channel(models.TextChoices):
        ADMIN = "admin", "admin"
        API = "api", "API"
        FEED = "feed", "calendar feed"
        COMMAND = "command", "management command"

    at = models.DateTimeField(default=timezone.now)
    # PROTECT: a staff account that read patient data is deactivated, never deleted, so the log keeps
    # pointing at it. Empty for readers that are not accounts (a calendar feed).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="patient_data_reads"
    )
    # The username, or which feed, as it was then: the log outlives renamed accounts.
    actor_name = models.CharField(max_length=150)
    # The booking shown, or empty when the patient's record was (a search, the patient page, an export).
    booking = models.ForeignKey(Booking, models.PROTECT, null=True, blank=True, related_name="reads")
    patient = models.ForeignKey(Patient, models.PROTECT, null=True, blank=True, related_name="reads")
    action = models.CharField(max_length=12, choices=Action.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "read of patient data"
        verbose_name_plural = "reads of patient data"
        # Only "view": nobody adds, changes or deletes log rows, so no group should seem to grant it.
        default_permissions = ["view"]
        indexes = [
            models.Index(fields=["at"], name="patient_data_read_at_idx"),
            models.Index(fields=["patient", "at"], name="patient_data_read_patient_idx"),
        ]

    def __str__(self):
        return f"{self.actor_name} {self.action} {self.booking_id or self.patient_id} at {self.at:%Y-%m-%d %H:%M:%S}"
