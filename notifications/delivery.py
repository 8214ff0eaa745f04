"""Sending patient e-mails from the outbox (see outbox/courier.py for how rows are queued, claimed and swept).

A mail server that fails only delays messages: the booking that wrote them committed long before.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django_tasks import task

from notifications import emails
from notifications.models import Message
from outbox.courier import Courier, Ended

Status = Message.Status


@task()
def send_message(message_id: int) -> str:
    return deliver(message_id)


courier = Courier(Message, send_message)
queue, queue_all, resend, sweep = courier.queue, courier.queue_all, courier.resend, courier.sweep


def deliver(message_id: int, now: datetime | None = None) -> str:
    """Send one message if it is due and nobody else is sending it; returns what happened."""
    now = now or timezone.now()
    return courier.attempt(message_id, now, lambda message: _send(message, now))


def _send(message: Message, now: datetime) -> Ended | None:
    if message.kind == Message.Kind.REMINDER and message.booking.starts_at <= now:
        return Status.CANCELLED, "The appointment had begun before the reminder could go out."
    if message.kind == Message.Kind.OFFER and not message.booking.blocks_at(now):
        return Status.CANCELLED, "The offer had ended before it could go out."
    emails.compose(message).send()
    return None
