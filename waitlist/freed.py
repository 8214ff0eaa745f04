"""Noticing freed time and handing it to the offers: a cancellation, a move away, a hold let go or lapsed,
time off or a closure removed. Each writes a FreedTime row in the transaction that freed the time (only if
someone waits for those days), and a background task offers it (waitlist/offers.py)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from outbox.courier import Courier
from scheduling import bookings, clinic_time
from scheduling.models import Booking, BookingEvent, ClinicClosure, Practitioner, TimeOff
from scheduling.rules import slot_rules
from scheduling.slots import Span
from waitlist import offers
from waitlist.models import Entry, FreedTime, local_days

Kind = BookingEvent.Kind
FREES_TIME = {Kind.CANCELLED, Kind.RESCHEDULED, Kind.HOLD_RELEASED, Kind.HOLD_EXPIRED}


def on_booking_changed(sender, booking: Booking, event: BookingEvent, **kwargs) -> None:
    if event.kind not in FREES_TIME:
        return
    if event.kind in (Kind.HOLD_RELEASED, Kind.HOLD_EXPIRED):
        offers.end_with_hold(booking, event)
    freed = _freed_by(booking, event)
    if freed is not None:
        span, practitioner_id = freed
        record(span, practitioner_id, f"{booking.reference} {Kind(event.kind).label}", now=event.occurred_at)


def _freed_by(booking: Booking, event: BookingEvent) -> tuple[Span, int] | None:
    if event.kind != Kind.RESCHEDULED:
        return Span(booking.blocked_from, booking.blocked_until), booking.practitioner_id
    # A move frees the time it left: the history has the values before the change.
    changes = event.changes
    if "starts_at" not in changes and "practitioner" not in changes:
        return None
    starts_at, ends_at = (
        datetime.fromisoformat(changes[name][0]) if name in changes else getattr(booking, name)
        for name in ("starts_at", "ends_at")
    )
    practitioner_id = booking.practitioner_id
    if "practitioner" in changes:
        practitioner_id = Practitioner.objects.filter(slug=changes["practitioner"][0]).values_list("pk", flat=True)[0]
    rules = slot_rules(booking.appointment_type)
    return Span(starts_at, ends_at).widened(rules.buffer_before, rules.buffer_after), practitioner_id


def record(span: Span, practitioner_id: int | None, cause: str, *, now: datetime | None = None) -> FreedTime | None:
    """Queue `span` (of one practitioner, or of everyone) to be offered, if an entry in line could want it."""
    now = now or clinic_time.now()
    if span.end <= now:
        return None
    first_day, last_day = local_days(span)
    waiting = Entry.objects.waiting(clinic_time.local_date(now)).filter(
        earliest_date__lte=last_day, latest_date__gte=first_day
    )
    if practitioner_id is not None:
        waiting = waiting.filter(Q(practitioner__isnull=True) | Q(practitioner_id=practitioner_id))
    if not waiting.exists():
        return None
    freed = FreedTime.objects.create(
        practitioner_id=practitioner_id,
        starts_at=span.start,
        ends_at=span.end,
        cause=cause[:200],
        next_attempt_at=now,
    )
    courier.queue(freed)
    return freed


@task()
def handle_freed_time(freed_id: int) -> str:
    """The worker's task for one FreedTime row (its offers are made by `offers.offer_freed_time`)."""
    return handle(freed_id)


class FreedTimeCourier(Courier):
    def sweep(self, now: datetime | None = None) -> int:
        # A hold (an offer among them) that lapsed while no request or task looked at it frees its time
        # only once recorded as expired: recording it is what passes an unanswered offer on.
        bookings.expire_stale_holds(now)
        return super().sweep(now)


# The task's name before it was renamed: tasks queued under it before an upgrade still run.
offer_freed_time = handle_freed_time
courier = FreedTimeCourier(FreedTime, handle_freed_time)


def handle(freed_id: int, now: datetime | None = None) -> str:
    """Offer one freed time if it is due and no other worker has it; a failure is retried with backoff."""
    now = now or timezone.now()

    def offer(freed: FreedTime) -> None:
        offers.offer_freed_time(freed, now)

    return courier.attempt(freed_id, now, offer)


def on_time_off_saved(sender, instance: TimeOff, **kwargs) -> None:
    before = getattr(instance, "_before_change", None)
    if before is not None:
        record(before, instance.practitioner_id, "time off changed")


def on_time_off_deleted(sender, instance: TimeOff, **kwargs) -> None:
    record(Span(instance.starts_at, instance.ends_at), instance.practitioner_id, "time off removed")


def on_closure_saved(sender, instance: ClinicClosure, **kwargs) -> None:
    before = getattr(instance, "_before_change", None)
    if before is not None:
        record(before, None, f"closure '{instance.name}' changed")


def on_closure_deleted(sender, instance: ClinicClosure, **kwargs) -> None:
    record(instance.span(), None, f"closure '{instance.name}' removed")


def remember_span_before_change(sender, instance, **kwargs) -> None:
    """Before time off or a closure is edited, the span it covered: shortening it frees the rest."""
    if instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).first()
    if isinstance(before, TimeOff):
        instance._before_change = Span(before.starts_at, before.ends_at)
    elif isinstance(before, ClinicClosure):
        instance._before_change = before.span()
