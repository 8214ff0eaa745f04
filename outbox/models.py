"""What every outbox row has, whatever it carries: each app keeps its own table of them (patients' e-mails,
webhook deliveries, the waitlist's freed time and e-mails), written with the change that causes it."""

from django.db import models


class OutboxStatus(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled", "not sent"


class OutboxItem(models.Model):
    """Something to send in the background, and how sending it went (see outbox/courier.py)."""

    Status = OutboxStatus

    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(help_text="When it is (next) due to go out.")
    # While a worker sends, the row is its for this long; a worker killed mid-send lets it lapse and the
    # sweeper hands the row to another.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="The background task last queued to send it.")

    class Meta:
        abstract = True
