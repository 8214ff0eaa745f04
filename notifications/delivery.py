"""Sending the outbox: a background task per message, retries with backoff, and the sweep that recovers
messages whose worker died.

django-tasks runs the tasks (`manage.py db_worker`, on every host); the outbox row, not the task, is the
record of truth. A task first claims its row with a conditional update, so a message queued twice (by a
retry and the sweeper, or on two hosts) goes out once; a worker killed mid-send leaves a lease that
lapses, and the sweeper queues the message again. A mail server that fails only delays messages: the
booking that wrote them committed long before.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from notifications import emails
from notifications.models import Message

logger = logging.getLogger(__name__)
Status = Message.Status


@task()
def send_message(message_id: int) -> str:
    return deliver(message_id)


def queue(message: Message) -> None:
    """Hand a message to the workers, to run when it falls due; in the caller's transaction."""
    run_after = message.next_attempt_at if message.next_attempt_at > timezone.now() else None
    result = send_message.using(run_after=run_after).enqueue(message.pk)
    Message.objects.filter(pk=message.pk).update(task_id=str(result.id))


def deliver(message_id: int, now: datetime | None = None) -> str:
    """Send one message if it is due and nobody else is sending it; returns what happened."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    claimed = Message.objects.filter(pk=message_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, attempts=F("attempts") + 1, lease_expires_at=now + lease
    )
    if not claimed:
        return "skipped: sent, cancelled, not yet due, or being sent by another worker"
    message = Message.objects.select_related("booking").get(pk=message_id)
    if message.kind == Message.Kind.REMINDER and message.booking.starts_at <= now:
        _finish(message, Status.CANCELLED, error="The appointment had begun before the reminder could go out.")
        return "cancelled: too late for a reminder"
    try:
        emails.compose(message).send()
    except Exception as error:
        logger.warning("Message %s attempt %s failed: %s", message.pk, message.attempts, type(error).__name__)
        return _retry_or_fail(message, f"{type(error).__name__}: {error}", now)
    _finish(message, Status.SENT)
    return "sent"


def _finish(message: Message, status: str, error: str = "") -> None:
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=status,
        sent_at=timezone.now() if status == Status.SENT else None,
        lease_expires_at=None,
        last_error=error,
    )


def _retry_or_fail(message: Message, error: str, now: datetime) -> str:
    with transaction.atomic():
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _finish(message, Status.FAILED, error=error)
            return "failed"
        message.next_attempt_at = now + retry_delay(message.attempts)
        Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.PENDING, next_attempt_at=message.next_attempt_at, lease_expires_at=None, last_error=error
        )
        queue(message)
    return "will retry"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff from OUTBOX_RETRY_SECONDS, doubled per failed attempt up to six hours, with
    jitter so messages that failed together do not all come back together."""
    ceiling = min(settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


def resend(message: Message) -> None:
    """Staff ask for a message to go out again now, whatever became of it."""
    with transaction.atomic():
        message.next_attempt_at = timezone.now()
        Message.objects.filter(pk=message.pk).exclude(status=Status.SENDING).update(
            status=Status.PENDING, next_attempt_at=message.next_attempt_at, attempts=0, last_error=""
        )
        queue(message)


def sweep(now: datetime | None = None) -> int:
    """Queue again what a dead worker left behind; returns how many messages were queued.

    A message is left behind when its sending lease lapsed (the worker died mid-send), or when it has
    been due for longer than OUTBOX_SWEEP_GRACE_SECONDS with no task waiting to send it (the worker died
    between tasks, or a task row was lost).
    """
    now = now or timezone.now()
    queued = 0
    for message in Message.objects.filter(status=Status.SENDING, lease_expires_at__lt=now):
        with transaction.atomic():
            reclaimed = Message.objects.filter(pk=message.pk, status=Status.SENDING, lease_expires_at__lt=now).update(
                status=Status.PENDING, next_attempt_at=now, lease_expires_at=None
            )
            if reclaimed:
                message.next_attempt_at = now
                queue(message)
                queued += 1
    grace = timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    overdue = list(Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - grace))
    waiting = {
        str(task_id)
        for task_id in DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, id__in=[m.task_id for m in overdue if m.task_id]
        ).values_list("id", flat=True)
    }
    for message in overdue:
        if message.task_id not in waiting:
            with transaction.atomic():
                queue(message)
            queued += 1
    return queued
