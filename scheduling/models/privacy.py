"""Erasures of patients' data: the dry runs a real erasure needs first, the erasures themselves, and the
permits that let one erasure blank the personal values in its bookings' append-only history."""

from django.db import models

from scheduling.models.bookings import Booking
from scheduling.models.patients import Patient


class PatientErasure(models.Model):
    """A staff member erased a patient's data, or rehearsed it (`dry_run`): a real erasure needs a dry run
    of the same patient, by anyone who may erase, in the minutes before (ERASURE_DRY_RUN_MINUTES). In the
    database, so the dry run counts whichever host answers the real one."""

    patient = models.ForeignKey(Patient, models.PROTECT, related_name="erasures")
    at = models.DateTimeField()
    dry_run = models.BooleanField()
    by = models.CharField(max_length=150, help_text="The staff member's username, as it was then.")
    # Why: the request's reference or how it came in. Staff's words, kept as the record of the erasure.
    reason = models.CharField(max_length=500)
    # Rows per table blanked, cancelled and revoked (or that would be, for a dry run).
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "dry_run", "at"], name="patient_erasure_recent_idx")]

    def __str__(self):
        return f"{'dry run of ' if self.dry_run else ''}erasure of {self.patient_id} at {self.at:%Y-%m-%d %H:%M}"


class ErasurePermit(models.Model):
    """While an erasure's transaction runs, its bookings' events may have their reason and changes blanked:
    the append-only triggers (scheduling/guards.py) let an UPDATE through only for a booking with a permit,
    and only of those two columns. The erasure deletes its permits before it commits, so no other
    transaction ever sees one."""

    booking = models.ForeignKey(Booking, models.CASCADE, related_name="+")

    class Meta:
        default_permissions = []

    def __str__(self):
        return f"erasure permit for {self.booking_id}"
