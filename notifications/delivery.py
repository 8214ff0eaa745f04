"""Sending patient e-mails from the outbox (see courier.py for how rows are queued, claimed and swept).

A mail server that fails only delays messages: the booking that wrote them committed long before.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from notifications import emails
from notifications.courier import Courier
from notifications.models import Message

logger = logging.getLogger(__name__)
Status = Message.Status


@task()
def send_message(message_id: int) -> str:
    return deliver(message_id)


courier = Courier(Message, send_message)
queue, resend, sweep = courier.queue, courier.resend, courier.sweep


def deliver(message_id: int, now: datetime | None = None) -> str:
    """Send one message if it is due and nobody else is sending it; returns what happened."""
    now = now or timezone.now()
    message = courier.claim(message_id, now)
    if message is None:
        return "skipped: sent, cancelled, not yet due, or being sent by another worker"
    if message.kind == Message.Kind.REMINDER and message.booking.starts_at <= now:
        courier.finish(message, Status.CANCELLED, error="The appointment had begun before the reminder could go out.")
        return "cancelled: too late for a reminder"
    try:
        emails.compose(message).send()
    except Exception as error:  # whatever failed (the server, a broken template): retry later
        logger.warning("Message %s attempt %s failed: %s", message.pk, message.attempts, type(error).__name__)
        description = f"{type(error).__name__}: {error}"
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            courier.finish(message, Status.FAILED, error=description)
            return "failed"
        courier.retry_at(message, now + retry_delay(message.attempts), description)
        return "will retry"
    courier.finish(message, Status.SENT)
    return "sent"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff from OUTBOX_RETRY_SECONDS, doubled per failed attempt up to six hours, with
    jitter so messages that failed together do not all come back together."""
    ceiling = min(settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # spreads load; not a secret
