"""The front desk's changes: a patient checked in, a visit completed, a no-show, corrected details."""

from __future__ import annotations

from datetime import datetime

from scheduling import clinic_time
from scheduling.bookings.writes import Actor, Channel, Kind, PatientDetails, Status, change, require_status
from scheduling.models import Booking
from scheduling.rules import BookingRuleBroken


def check_in(booking: Booking, *, by: Actor, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """The patient has arrived. Possible on the appointment's own day only, so a slip cannot mark
    tomorrow's patient as here."""
    require_status(booking, [Status.CONFIRMED], "checked in")
    now = now or clinic_time.now()
    if clinic_time.local_date(booking.starts_at) != clinic_time.local_date(now):
        raise BookingRuleBroken(
            "A patient can be checked in on the day of their appointment only.", field="status", code="not_today"
        )
    return change(
        booking, Kind.CHECKED_IN, allowed_from=[Status.CONFIRMED], by=by, via=via, now=now, status=Status.CHECKED_IN
    )


def complete(booking: Booking, *, by: Actor, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """The visit took place; only a checked-in patient can have completed one."""
    require_status(booking, [Status.CHECKED_IN], "completed")
    return change(
        booking, Kind.COMPLETED, allowed_from=[Status.CHECKED_IN], by=by, via=via, now=now, status=Status.COMPLETED
    )


def mark_no_show(booking: Booking, *, by: Actor, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """The patient did not come. Only once the appointment's start has passed."""
    require_status(booking, [Status.CONFIRMED], "marked as a no-show")
    now = now or clinic_time.now()
    if booking.starts_at > now:
        raise BookingRuleBroken(
            "A booking can be marked as a no-show only once its start time has passed.",
            field="status",
            code="not_started",
        )
    return change(
        booking, Kind.NO_SHOW, allowed_from=[Status.CONFIRMED], by=by, via=via, now=now, status=Status.NO_SHOW
    )


def change_patient_details(
    booking: Booking, patient: PatientDetails, *, by: Actor, via: str = Channel.ADMIN, now: datetime | None = None
) -> Booking:
    """Staff correct a patient's name, e-mail, phone or reason for visit; nothing is written if nothing
    differs."""
    if booking.is_hold:
        raise BookingRuleBroken("A hold has no patient details to change.", field="status", code="is_hold")
    new = {name: value for name, value in patient.as_fields().items() if getattr(booking, name) != value}
    if not new:
        return booking
    allowed = [s for s in Status if s not in Booking.HOLD_STATUSES]
    return change(booking, Kind.PATIENT_DETAILS_CHANGED, allowed_from=allowed, by=by, via=via, now=now, **new)
