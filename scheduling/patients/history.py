"""A patient's appointments as staff read them: every booking of the record and of those merged into it,
and how many the patient missed or cancelled late.

A late cancellation is one the patient made (not staff) within the larger of the appointment type's
`patient_change_cutoff_minutes` and LATE_CANCELLATION before the start: too late for anyone else to take
the time, whatever the type lets patients do online.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from scheduling.models import Booking, Patient
from scheduling.patients.merging import history_pks

LATE_CANCELLATION = timedelta(hours=24)


def bookings_of(patient: Patient) -> QuerySet[Booking]:
    """The patient's appointments, oldest first; holds are not appointments."""
    return (
        Booking.objects.filter(patient_id__in=history_pks(patient))
        .exclude(status__in=Booking.HOLD_STATUSES)
        .select_related("appointment_type", "practitioner")
        .order_by("starts_at", "pk")
    )


def is_late_cancellation(booking: Booking) -> bool:
    if booking.status != Booking.Status.CANCELLED:
        return False
    cutoff = booking.appointment_type.patient_change_cutoff_minutes
    return cancelled_late(booking.starts_at, booking.cancelled_at, booking.cancelled_by, cutoff)


def cancelled_late(starts_at: datetime, cancelled_at: datetime | None, cancelled_by: str, cutoff_minutes: int) -> bool:
    """The rule over plain values, for a cancelled booking: the patient's page and the reports ask the same."""
    if cancelled_by != Booking.CancelledBy.PATIENT or cancelled_at is None:
        return False
    notice = max(timedelta(minutes=cutoff_minutes), LATE_CANCELLATION)
    return cancelled_at > starts_at - notice


@dataclass(frozen=True)
class Counts:
    bookings: int
    no_shows: int
    late_cancellations: int

    @classmethod
    def of(cls, bookings: list[Booking]) -> Counts:
        return cls(
            bookings=len(bookings),
            no_shows=sum(booking.status == Booking.Status.NO_SHOW for booking in bookings),
            late_cancellations=sum(is_late_cancellation(booking) for booking in bookings),
        )
