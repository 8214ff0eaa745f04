"""Delivering webhooks from their outbox (outbox/courier.py queues, claims and sweeps the rows).

Only a 2xx answer counts. Failures retry on the Standard Webhooks example schedule, extended so that
retries cover about three days, with jitter; a Retry-After is honoured; 410 Gone disables the endpoint,
and so does failing for five days on end. Each booking's events reach an endpoint in revision order: a
delivery waits while an earlier one for the same booking and endpoint is unfinished.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from outbox.courier import Courier
from webhooks import network, signing
from webhooks.models import Attempt, Delivery, Endpoint

logger = logging.getLogger(__name__)
Status = Delivery.Status

# The wait after each failed attempt: the specification's example (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
# 10 h) and two more days, so an endpoint down over a weekend still gets its events.
RETRY_SCHEDULE = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=24),
    timedelta(hours=24),
]
DISABLE_AFTER_FAILING = timedelta(days=5)
LONGEST_RETRY_AFTER = timedelta(hours=24)
USER_AGENT = "clinic-scheduling-webhooks/1"


@task()
def send_delivery(delivery_id: int) -> str:
    return deliver(delivery_id)


courier = Courier(Delivery, send_delivery)
queue, sweep = courier.queue, courier.sweep


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    now = now or timezone.now()
    delivery = courier.claim(delivery_id, now, also=Q(endpoint__is_active=True))
    if delivery is None:
        return "skipped: delivered, cancelled, not yet due, endpoint disabled, or being sent by another worker"
    earlier = _earlier_unfinished(delivery)
    if earlier is not None:
        # Not an attempt: wait for the earlier event, whose end queues this one (or the sweeper does).
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Status.PENDING,
                attempts=delivery.attempts - 1,
                lease_expires_at=None,
                next_attempt_at=max(earlier.next_attempt_at, now),
            )
        return "waiting for an earlier event of the same booking"
    endpoint = delivery.endpoint
    started = time.monotonic()
    answer, error = None, ""
    try:
        answer = network.post(
            endpoint.url,
            delivery.body.encode(),
            {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **signing.headers(
                    endpoint.signing_secrets(now), delivery.message_id, int(now.timestamp()), delivery.body
                ),
            },
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
    except network.Refused as refused:
        error = str(refused)
    except (OSError, ValueError) as failure:  # connection refused or reset, timeout, TLS, a bad answer
        error = f"{type(failure).__name__}: {failure}"
    duration_ms = int((time.monotonic() - started) * 1000)
    status_code = answer.status if answer else None
    Attempt.objects.create(
        delivery=delivery, attempted_at=now, status_code=status_code, duration_ms=duration_ms, error=error[:500]
    )
    if answer and 200 <= answer.status < 300:
        with transaction.atomic():
            courier.finish(delivery, Status.SENT)
            Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            _queue_next(delivery)
        return "delivered"
    error = error or f"The endpoint answered {answer.status}."
    logger.warning(
        "Webhook delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, status_code or "no answer"
    )
    if answer and answer.status == 410:
        disable(endpoint, "The endpoint answered 410 Gone: the receiver asked for no more deliveries.")
        courier.finish(delivery, Status.FAILED, error=error)
        return "endpoint disabled (410)"
    failing_since = endpoint.failing_since or now
    if failing_since == now:
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    if now - failing_since >= DISABLE_AFTER_FAILING:
        disable(
            endpoint, f"Every delivery failed for five days, since {failing_since:%Y-%m-%d %H:%M} UTC. Last: {error}"
        )
        courier.finish(delivery, Status.FAILED, error=error)
        return "endpoint disabled (failing for five days)"
    if delivery.attempts > len(RETRY_SCHEDULE):
        with transaction.atomic():
            courier.finish(delivery, Status.FAILED, error=error)
            _queue_next(delivery)
        return "failed"
    courier.retry_at(delivery, now + retry_delay(delivery.attempts, answer, now), error)
    return "will retry"


def retry_delay(attempts: int, answer: network.Answer | None, now: datetime) -> timedelta:
    """The schedule's wait after this many attempts, ±10% jitter; longer if the answer's Retry-After
    asks for it (up to a day)."""
    wait = RETRY_SCHEDULE[attempts - 1] * random.uniform(0.9, 1.1)  # spreads load; not a secret
    asked = _retry_after(answer, now) if answer else None
    if asked is not None:
        wait = max(wait, min(asked, LONGEST_RETRY_AFTER))
    return wait


def _retry_after(answer: network.Answer, now: datetime) -> timedelta | None:
    value = answer.headers.get("retry-after", "").strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true, and int("²") fails
        return timedelta(seconds=int(value))
    try:
        return parsedate_to_datetime(value) - now
    except (TypeError, ValueError):
        return None


def _earlier_unfinished(delivery: Delivery) -> Delivery | None:
    return (
        Delivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            booking_id=delivery.booking_id,
            revision__lt=delivery.revision,
            status__in=[Status.PENDING, Status.SENDING],
        )
        .order_by("revision")
        .first()
    )


def _queue_next(delivery: Delivery) -> None:
    """The next event of the same booking for the same endpoint, if one waits."""
    following = (
        Delivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            booking_id=delivery.booking_id,
            revision__gt=delivery.revision,
            status=Status.PENDING,
        )
        .order_by("revision")
        .first()
    )
    if following is not None:
        following.next_attempt_at = timezone.now()
        Delivery.objects.filter(pk=following.pk).update(next_attempt_at=following.next_attempt_at)
        queue(following)


def disable(endpoint: Endpoint, reason: str) -> None:
    """Stop delivering to an endpoint; what was waiting for it is not sent. Staff see why."""
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, disabled_reason=reason, disabled_at=timezone.now()
        )
        Delivery.objects.filter(endpoint=endpoint, status=Status.PENDING).update(
            status=Status.CANCELLED, last_error=f"Not sent: the endpoint was disabled. {reason}"
        )


def replay(delivery: Delivery) -> None:
    """Staff send a delivery again now, with the same webhook-id (receivers may drop it as a repeat)."""
    courier.resend(delivery)
