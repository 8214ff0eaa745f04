"""Group sessions after staff change their type's capacity: the sessions still to come take the new number
of seats, unless one of them already holds more patients than that (then none changes, and staff are told
which). The database refuses a capacity below the seats taken whatever the path (`guards.session_seats`)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from scheduling import cache, guards
from scheduling.models import AppointmentType, Booking, GroupSession


class SessionsOverCapacity(Exception):
    """Sessions still to come that hold more seats than the capacity asked for."""

    def __init__(self, sessions: list[GroupSession]):
        super().__init__(", ".join(map(str, sessions)))
        self.sessions = sessions


def to_come(appointment_type: AppointmentType, now: datetime):
    """The type's sessions that have not started, with `taken`: their blocking seats."""
    return (
        GroupSession.objects.filter(appointment_type=appointment_type, starts_at__gt=now)
        .annotate(taken=Count("seats", filter=Q(seats__status__in=Booking.BLOCKING)))
        .order_by("starts_at")
    )


def resize_sessions(appointment_type: AppointmentType, capacity: int, *, now: datetime) -> int:
    """Give the type's sessions still to come `capacity` seats, all or none; returns how many changed.
    SessionsOverCapacity if some hold more seats than that (a seat taken meanwhile too)."""
    over = [session for session in to_come(appointment_type, now) if session.taken > capacity]
    if over:
        raise SessionsOverCapacity(over)
    try:
        with transaction.atomic():
            changed = 0
            for session in to_come(appointment_type, now).exclude(capacity=capacity):
                session.capacity = capacity
                session.save(update_fields=["capacity"])  # one by one: the guard checks each row
                changed += 1
    except IntegrityError as error:
        if not guards.is_session_full(error):
            raise
        raise SessionsOverCapacity([s for s in to_come(appointment_type, now) if s.taken > capacity]) from None
    cache.changed(cache.BOOKINGS)
    return changed
