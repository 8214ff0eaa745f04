"""Patients with bookings for tests of the staff's patient pages: booked through the one write path, then
given a past the clock would take days to reach (a no-show, a late or an early cancellation)."""

from __future__ import annotations

from datetime import time, timedelta
from itertools import count

from scheduling import bookings
from scheduling.bookings import PatientDetails
from scheduling.models import Booking

_hours = count()


def booked(appointment_type, day, name, email="", *, practitioner=None, phone="", birth_date=None) -> Booking:
    """A confirmed booking on `day` at the next free hour (9:00 to 16:00, then the next day)."""
    n = next(_hours)
    slot = bookings.RequestedSlot(appointment_type, day + timedelta(days=n // 8), time(9 + n % 8), practitioner)
    made, _ = bookings.book(slot, patient=PatientDetails(name, email, phone, birth_date=birth_date))
    return made


def moved_to(booking: Booking, start, status: str, minutes: int = 30) -> Booking:
    """The booking as it would be had it been made for `start` (the past, say), in `status`: the write path
    books no past time, so tests of visits gone by move one there."""
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        blocked_from=start,
        blocked_until=start + timedelta(minutes=minutes),
        status=status,
    )
    return Booking.objects.get(pk=booking.pk)


def became(booking: Booking, status: str, *, cancelled_by: str = "", notice: timedelta | None = None) -> Booking:
    """The booking as it would be after the visit's time: a no-show, or cancelled `notice` before its start."""
    fields = {"status": status}
    if status == Booking.Status.CANCELLED:
        fields.update(cancelled_by=cancelled_by, cancelled_at=booking.starts_at - notice)
    Booking.objects.filter(pk=booking.pk).update(**fields)
    return Booking.objects.get(pk=booking.pk)
