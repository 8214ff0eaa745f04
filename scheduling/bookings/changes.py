"""A booking's own changes of time: cancelling it, and moving it to another free slot, with the rule every
interface asks before either: a patient may change a booking only before its start and outside the
type's `patient_change_cutoff_minutes`; staff always may."""

from __future__ import annotations

from copy import copy
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import IntegrityError, connection

from scheduling import clinic_time, guards, units
from scheduling.bookings.claims import (
    OFF_GRID,
    TAKEN_MEANWHILE,
    available,
    claim_units,
    expire_lapsed_holds_on,
    expire_lapsed_holds_on_units,
    held_units,
    require_staff_to_pin,
    seat_units,
    session_at,
)
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
    STAFF_HORIZON_DAYS,
    BookingError,
    BookingRuleBroken,
    RequestedSlot,
    SlotUnavailable,
    TooLateToChange,
    slot_rules,
)
from scheduling.slots.units import units_of

CHANGEABLE = [Status.CONFIRMED]
# How a cancellation's reason starts when a schedule change caused it: what follows was written for the
# patient, and their e-mail says it (other reasons staff write are for staff: the e-mail leaves them out).
SCHEDULE_CHANGED = "Schedule change: "


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
    off_grid: bool = False,
    resources=None,
) -> Booking:
    """Move a booking to a new time (with its own practitioner unless another is asked for) in one
    transaction; if the new time is taken nothing changes. `off_grid`: as for `book`, staff only. It keeps
    the units it holds where they are free at the new time (`resources` pins others, staff only); a seat
    of a group session moves to the session at the new time."""
    now = now or clinic_time.now()
    if off_grid and by.is_patient:
        raise BookingRuleBroken("Only staff may book off the slot grid.", field="start_time", code="not_a_slot")
    require_staff_to_pin(resources, by)
    _require_changeable(booking, "moved", by=by, now=now)
    if requested.appointment_type.pk != booking.appointment_type_id:
        raise BookingRuleBroken(
            "A booking keeps its appointment type when it moves.", field="appointment_type", code="type_change"
        )
    wanted = requested.practitioner or booking.practitioner
    if booking.series_id and not by.is_patient and requested.horizon_days is None:
        # Staff book a course up to a year ahead; each visit can then be moved alone, as far.
        requested = replace(requested, horizon_days=STAFF_HORIZON_DAYS)
    holding = units.booking_resources(booking)
    held = {unit for unit_slugs in holding.values() for unit in unit_slugs}
    slot, _, offers = available(
        replace(requested, practitioner=wanted),
        now=now,
        ignoring=booking,
        off_grid=off_grid,
        resources=resources,
        keep=held,
    )
    assignment = offers[0][1]
    blocked = slot_rules(booking.appointment_type).blocked(slot)

    def move():
        guards.queue_for_times(connection, wanted.pk, units_of(assignment))
        expire_lapsed_holds_on(wanted, blocked, now)
        seat = {}
        if booking.appointment_type.is_group:
            moved = Booking(
                appointment_type=booking.appointment_type, practitioner=wanted, starts_at=slot.start, ends_at=slot.end
            )
            seat["session"] = session_at(moved)
        booking.resource_claims.all().delete()
        # The units at the new time are claimed before the change is recorded, so its event (and the webhook
        # payload made from it, in this transaction) names them; a refused write rolls them back.
        at_new_time = copy(booking)
        at_new_time.blocked_from, at_new_time.blocked_until = blocked.start, blocked.end
        if "session" in seat:
            at_new_time.session = seat["session"]
        taking = seat_units(at_new_time, assignment)
        expire_lapsed_holds_on_units(taking, blocked, now)
        claim_units(at_new_time, taking)
        return change(
            booking,
            Kind.RESCHEDULED,
            also_changed={"resources": [holding, held_units(taking)]},
            allowed_from=CHANGEABLE,
            by=by,
            via=via,
            now=now,
            reason=OFF_GRID if off_grid else "",
            practitioner=wanted,
            starts_at=slot.start,
            ends_at=slot.end,
            blocked_from=blocked.start,
            blocked_until=blocked.end,
            **seat,
        )

    try:
        return in_transaction(move, restoring=booking)
    except IntegrityError as error:
        if not (guards.is_overlap(error) or guards.is_resource_overlap(error) or guards.is_session_full(error)):
            raise
        raise SlotUnavailable(TAKEN_MEANWHILE) from None


def keep_despite_change(
    booking: Booking, *, by: Actor, via: str = Channel.ADMIN, reason: str = "", now: datetime | None = None
) -> Booking:
    """Record that staff keep a booking a schedule change left outside working time: an exception on
    purpose, in its history, rather than one nobody noticed."""
    return change(booking, Kind.KEPT_DESPITE_CHANGE, allowed_from=CHANGEABLE, by=by, via=via, now=now, reason=reason)


def offer_new_times(
    booking: Booking, *, by: Actor, via: str = Channel.ADMIN, reason: str = "", now: datetime | None = None
) -> Booking:
    """Ask the patient to choose another time for a booking a schedule change stranded: it keeps its time
    until they do, and the e-mail that answers this event links to their booking's move page."""
    return change(booking, Kind.NEW_TIMES_OFFERED, allowed_from=CHANGEABLE, by=by, via=via, now=now, reason=reason)
