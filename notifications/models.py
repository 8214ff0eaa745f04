"""The outbox: every e-mail to a patient is a row, written with the booking change that causes it."""

from django.db import models
from django.db.models import Q

from outbox.models import OutboxItem
from scheduling.models import Booking, BookingEvent


class Message(OutboxItem):
    """One e-mail to a patient: what it says (a snapshot of the booking it describes), to whom, and how its
    delivery went. Sent by a background task (notifications/delivery.py), never by the request that
    wrote it."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation"
        UPDATE = "update", "rescheduled"
        CANCELLATION = "cancellation"
        REMINDER = "reminder"
        OFFER = "offer", "waitlist offer"
        # Staff revoked the manage link: the patient's new one.
        NEW_LINK = "new_link", "new manage link"
        # The clinic's schedule changed under the booking: the patient is asked to choose another time.
        NEW_TIMES = "new_times", "new times offered"
        # A course of treatment booked: one e-mail listing every visit, on the course's first visit.
        COURSE = "course", "course confirmation"

    booking = models.ForeignKey(Booking, models.PROTECT, related_name="messages")
    event = models.ForeignKey(BookingEvent, models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    remind_minutes_before = models.PositiveIntegerField(null=True, blank=True)
    recipient = models.EmailField()
    # The booking as this message tells it (times, revision, who, what), so a message sent late still
    # describes the change that caused it. Never the reason for visit.
    booking_snapshot = models.JSONField()

    class Meta:
        ordering = ["next_attempt_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind"], condition=Q(remind_minutes_before__isnull=True), name="message_one_per_event"
            ),
            models.UniqueConstraint(
                fields=["event", "remind_minutes_before"],
                condition=Q(remind_minutes_before__isnull=False),
                name="message_one_reminder_per_offset",
            ),
            models.CheckConstraint(
                condition=Q(kind="reminder", remind_minutes_before__isnull=False)
                | (~Q(kind="reminder") & Q(remind_minutes_before__isnull=True)),
                name="message_reminders_have_an_offset",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.booking_id} to {self.recipient}"
