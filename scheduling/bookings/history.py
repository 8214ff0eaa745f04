"""Bookings made elsewhere (a previous system, the benchmark's large clinic), loaded with their history."""

from __future__ import annotations

from django.db import transaction

from scheduling import cache
from scheduling.bookings.writes import SYSTEM, Actor, Channel, Kind, Status, created_changes, new_event
from scheduling.models import Booking, BookingEvent


def import_history(bookings: list[Booking], *, by: Actor = SYSTEM, via: str = Channel.SYSTEM) -> int:
    """Bulk-load bookings, each with its history: created, and cancelled where it was.

    For data known not to overlap; the guard still refuses any that does.
    """
    with transaction.atomic():
        created = Booking.objects.bulk_create(bookings, batch_size=2000)
        events = []
        for booking in created:
            made = created_changes(booking, status=Status.CONFIRMED)
            events.append(
                new_event(booking, Kind.CREATED, revision=1, by=by, via=via, at=booking.created_at, changes=made)
            )
            if booking.status == Status.CANCELLED:
                cancelled = {"status": [Status.CONFIRMED, Status.CANCELLED]}
                at = booking.cancelled_at or booking.created_at
                events.append(new_event(booking, Kind.CANCELLED, revision=2, by=by, via=via, at=at, changes=cancelled))
        BookingEvent.objects.bulk_create(events, batch_size=2000)
        cache.changed(cache.BOOKINGS)
    return len(created)
