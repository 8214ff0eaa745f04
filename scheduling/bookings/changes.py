"""A booking's own changes of time: cancelling it, and moving it to another free slot, with the rule every
interface asks before either: a patient may change a booking only before its start and outside the
type's `patient_change_cutoff_minutes`; staff always may."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from django.db import IntegrityError

from scheduling import clinic_time, guards
from scheduling.bookings.claims import TAKEN_MEANWHILE, expire_lapsed_holds_on, free_practitioners
from scheduling.bookings.writes import (
    PATIENT,
    Actor,
    Channel,
    Kind,
    Status,
    change,
    in_transaction,
    status_refusal,
)
from scheduling.models import Booking
from scheduling.reference import clinic_details
from scheduling.rules import (
    BookingError,
    BookingRuleBroken,
    RequestedSlot,
    SlotUnavailable,
    TooLateToChange,
    slot_rules,
)

CHANGEABLE = [Status.CONFIRMED]


def change_refusal(booking: Booking, *, by: Actor, now: datetime) -> BookingError | None:
    """Why `by` may not cancel or move `booking` at `now`, or None when they may.

    Patients may change a booking until its start less the type's cutoff (at that instant the window
    closes); the booking page, the manage API and the waitlist's links all ask here before offering it.
    """
    refused = status_refusal(booking, CHANGEABLE, "changed")
    if refused is not None or not by.is_patient:
        return refused
    if now >= booking.starts_at:
        return TooLateToChange(
            "This appointment has already started, so it can no longer be cancelled or moved." + _call_us(),
            code="already_started",
        )
    cutoff = booking.appointment_type.patient_change_cutoff_minutes
    if now >= booking.starts_at - timedelta(minutes=cutoff):
        return TooLateToChange(
            f"Bookings can be cancelled or moved online up to {_duration(cutoff)} before the start." + _call_us(),
            code="too_late_to_change",
        )
    return None


def _call_us() -> str:
    phone = clinic_details().phone
    return f" Please call the clinic on {phone}." if phone else " Please call the clinic."


def _duration(minutes: int) -> str:
    """'90 minutes', '48 hours', '7 days': the cutoff as a patient reads it."""
    if minutes % 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours % 24 or hours < 72:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def _require_changeable(booking: Booking, becoming: str, *, by: Actor, now: datetime) -> None:
    refused = status_refusal(booking, CHANGEABLE, becoming) or change_refusal(booking, by=by, now=now)
    if refused is not None:
        raise refused


def cancel(
    booking: Booking, *, by: Actor, via: str = Channel.API, reason: str = "", now: datetime | None = None
) -> Booking:
    """Cancel a booking and free its time; the row stays, with who cancelled it, when and why."""
    now = now or clinic_time.now()
    _require_changeable(booking, "cancelled", by=by, now=now)
    return change(
        booking,
        Kind.CANCELLED,
        allowed_from=CHANGEABLE,
        by=by,
        via=via,
        now=now,
        reason=reason,
        status=Status.CANCELLED,
        cancelled_at=now,
        cancelled_by=Booking.CancelledBy.PATIENT if by.is_patient else Booking.CancelledBy.STAFF,
        cancellation_reason=reason,
    )


def reschedule(
    booking: Booking,
    requested: RequestedSlot,
    *,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to a new time (with its own practitioner unless another is asked for) in one
    transaction; if the new time is taken nothing changes."""
    now = now or clinic_time.now()
    _require_changeable(booking, "moved", by=by, now=now)
    if requested.appointment_type.pk != booking.appointment_type_id:
        raise BookingRuleBroken(
            "A booking keeps its appointment type when it moves.", field="appointment_type", code="type_change"
        )
    wanted = requested.practitioner or booking.practitioner
    slot, _ = free_practitioners(replace(requested, practitioner=wanted), now=now, ignoring=booking)
    blocked = slot_rules(booking.appointment_type).blocked(slot)

    def move():
        expire_lapsed_holds_on(wanted, blocked, now)
        return change(
            booking,
            Kind.RESCHEDULED,
            allowed_from=CHANGEABLE,
            by=by,
            via=via,
            now=now,
            practitioner=wanted,
            starts_at=slot.start,
            ends_at=slot.end,
            blocked_from=blocked.start,
            blocked_until=blocked.end,
        )

    try:
        return in_transaction(move, restoring=booking)
    except IntegrityError as error:
        if not guards.is_overlap(error):
            raise
        raise SlotUnavailable(TAKEN_MEANWHILE) from None
