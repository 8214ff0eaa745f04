"""Sending outbox rows in the background, whatever they carry (each app defines its rows and their work).

django-tasks runs the tasks (`manage.py db_worker`, on every host); the outbox row, not the task, is the
record of truth. A task first claims its row with a conditional update, so a row queued twice (by a
retry and the sweeper, or on two hosts) goes out once; a worker killed mid-send leaves a lease that
lapses, and the sweeper queues the row again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from outbox.models import OutboxItem, OutboxStatus

logger = logging.getLogger(__name__)
Status = OutboxStatus
# What a row's work may answer instead of "done": the status to end it with, and why.
Ended = tuple[str, str]


class Courier:
    """The life of one kind of outbox row: queued, claimed, finished, retried, swept up."""

    # Every kind of outbox row, so one sweep (`manage.py sweep_outbox`) covers them all. A courier joins
    # when its module is imported: each app's AppConfig.ready imports those modules.
    every: list[Courier] = []

    def __init__(self, model: type[OutboxItem], task):
        self.model = model
        self.task = task
        Courier.every.append(self)

    def queue(self, item: OutboxItem) -> None:
        """Hand a row to the workers, to run when it falls due; in the caller's transaction."""
        self.model.objects.filter(pk=item.pk).update(task_id=self._enqueue(item))

    def queue_all(self, items: list[OutboxItem]) -> None:
        """`queue` for rows written together (a booking's e-mails): one update names all their tasks."""
        for item in items:
            item.task_id = self._enqueue(item)
        self.model.objects.bulk_update(items, ["task_id"])

    def _enqueue(self, item: OutboxItem) -> str:
        run_after = item.next_attempt_at if item.next_attempt_at > timezone.now() else None
        return str(self.task.using(run_after=run_after).enqueue(item.pk).id)

    def claim(self, pk: int, now: datetime, also: Q | None = None) -> OutboxItem | None:
        """The row, now this worker's to send, if it is due and nobody else has it."""
        lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        claimed = self.model.objects.filter(also or Q(), pk=pk, status=Status.PENDING, next_attempt_at__lte=now).update(
            status=Status.SENDING, attempts=F("attempts") + 1, lease_expires_at=now + lease
        )
        return self.model.objects.get(pk=pk) if claimed else None

    def attempt(self, pk: int, now: datetime, work: Callable[[OutboxItem], Ended | None]) -> str:
        """Claim the row and do its work (send it, offer it); returns what happened.

        `work` answers None when done, or a status and reason to end the row with (not sent: too late).
        Whatever it raises (a server down, a broken template) is retried with backoff until
        OUTBOX_MAX_ATTEMPTS, then the row is failed with the error for staff to see.
        """
        item = self.claim(pk, now)
        if item is None:
            return "skipped: done, cancelled, not yet due, or another worker's"
        try:
            ended = work(item)
        except Exception as error:
            name = self.model._meta.verbose_name
            logger.warning("%s %s attempt %s failed: %s", name, item.pk, item.attempts, type(error).__name__)
            description = f"{type(error).__name__}: {error}"
            if item.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                self.finish(item, Status.FAILED, error=description)
                return Status.FAILED
            self.retry_at(item, now + retry_delay(item.attempts), description)
            return "will retry"
        status, why = ended or (Status.SENT, "")
        self.finish(item, status, error=why)
        return f"{status}: {why}" if why else status

    def finish(self, item: OutboxItem, status: str, error: str = "") -> None:
        self.model.objects.filter(pk=item.pk, status=Status.SENDING).update(
            status=status,
            sent_at=timezone.now() if status == Status.SENT else None,
            lease_expires_at=None,
            last_error=error,
        )

    def retry_at(self, item: OutboxItem, when: datetime, error: str) -> None:
        """Back to pending until `when`, with a task queued for then."""
        with transaction.atomic():
            item.next_attempt_at = when
            self.model.objects.filter(pk=item.pk, status=Status.SENDING).update(
                status=Status.PENDING, next_attempt_at=when, lease_expires_at=None, last_error=error
            )
            self.queue(item)

    def resend(self, item: OutboxItem) -> None:
        """Staff ask for a row to go out again now, whatever became of it."""
        with transaction.atomic():
            item.next_attempt_at = timezone.now()
            self.model.objects.filter(pk=item.pk).exclude(status=Status.SENDING).update(
                status=Status.PENDING, next_attempt_at=item.next_attempt_at, attempts=0, last_error=""
            )
            self.queue(item)

    def sweep(self, now: datetime | None = None) -> int:
        """Queue again what a dead worker left behind; returns how many rows were queued.

        A row is left behind when its sending lease lapsed (the worker died mid-send), or when it has
        been due for longer than OUTBOX_SWEEP_GRACE_SECONDS with no task waiting to send it (the worker
        died between tasks, or a task row was lost).
        """
        now = now or timezone.now()
        queued = 0
        for item in self.model.objects.filter(status=Status.SENDING, lease_expires_at__lt=now):
            with transaction.atomic():
                reclaimed = self.model.objects.filter(
                    pk=item.pk, status=Status.SENDING, lease_expires_at__lt=now
                ).update(status=Status.PENDING, next_attempt_at=now, lease_expires_at=None)
                if reclaimed:
                    item.next_attempt_at = now
                    self.queue(item)
                    queued += 1
        grace = timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
        overdue = list(self.model.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - grace))
        waiting = {
            str(task_id)
            for task_id in DBTaskResult.objects.filter(
                status=TaskResultStatus.READY, id__in=[item.task_id for item in overdue if item.task_id]
            ).values_list("id", flat=True)
        }
        for item in overdue:
            if item.task_id not in waiting:
                with transaction.atomic():
                    self.queue(item)
                queued += 1
        return queued


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff from OUTBOX_RETRY_SECONDS, doubled per failed attempt up to six hours, with
    jitter so rows that failed together do not all come back together."""
    ceiling = min(settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # spreads load; not a secret
