"""A booking's own changes of time: cancelling it, and moving it to another free slot."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError

from scheduling import clinic_time, guards
from scheduling.bookings.claims import TAKEN_MEANWHILE, expire_lapsed_holds_on, free_practitioners
from scheduling.bookings.writes import PATIENT, Actor, Channel, Kind, Status, change, in_transaction, require_status
from scheduling.models import Booking
from scheduling.rules import BookingRuleBroken, RequestedSlot, SlotUnavailable, slot_rules


def cancel(
    booking: Booking, *, by: Actor, via: str = Channel.API, reason: str = "", now: datetime | None = None
) -> Booking:
    """Cancel a booking and free its time; the row stays, with who cancelled it, when and why."""
    require_status(booking, [Status.CONFIRMED], "cancelled")
    now = now or clinic_time.now()
    return change(
        booking,
        Kind.CANCELLED,
        allowed_from=[Status.CONFIRMED],
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
    require_status(booking, [Status.CONFIRMED], "moved")
    if requested.appointment_type.pk != booking.appointment_type_id:
        raise BookingRuleBroken(
            "A booking keeps its appointment type when it moves.", field="appointment_type", code="type_change"
        )
    now = now or clinic_time.now()
    wanted = requested.practitioner or booking.practitioner
    requested = RequestedSlot(booking.appointment_type, requested.day, requested.start_time, wanted)
    slot, _ = free_practitioners(requested, now=now, ignoring=booking)
    blocked = slot_rules(booking.appointment_type).blocked(slot)

    def move():
        expire_lapsed_holds_on(wanted, blocked, now)
        return change(
            booking,
            Kind.RESCHEDULED,
            allowed_from=[Status.CONFIRMED],
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
