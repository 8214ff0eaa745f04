"""A hold after it was taken: found by its secret id, confirmed as the patient's booking, let go, or
recorded as lapsed."""

from __future__ import annotations

from datetime import datetime

from scheduling import clinic_time, patients, tokens
from scheduling.bookings.writes import (
    PATIENT,
    SYSTEM,
    Actor,
    Channel,
    Kind,
    PatientDetails,
    Status,
    change,
    in_transaction,
)
from scheduling.models import Booking
from scheduling.rules import BookingChanged, BookingRuleBroken, HoldNotFound, RequestedSlot, SlotUnavailable


def find_hold(hold_id: str) -> Booking:
    """The hold whose secret id this is, whatever became of it since; HoldNotFound if none."""
    found = Booking.objects.select_related("appointment_type", "practitioner").filter(
        hold_digest=tokens.token_digest(hold_id)
    )
    held = found.first()
    if held is None:
        raise HoldNotFound("No hold with this id. Please choose a time again.", field="hold_id")
    return held


def confirm_hold(
    held: Booking, *, patient: PatientDetails, by: Actor = PATIENT, via: str = Channel.API, now: datetime | None = None
) -> tuple[Booking, str]:
    """Turn a hold (a patient's, or an offer's) into a confirmed booking for `patient`; returns it and the
    patient's manage token.

    A hold that lapsed still confirms if nobody needed its time meanwhile: whoever did would have
    expired it first (see `claims.expire_lapsed_holds_on`), and then this is a 409.
    """
    now = now or clinic_time.now()
    if held.status == Status.EXPIRED:
        raise SlotUnavailable(
            "Your hold on this time lapsed and someone else has booked it. Please choose another slot.",
            code="hold_expired",
        )
    if held.status != Status.HELD:
        raise HoldNotFound("This hold was released or already used. Please choose a time again.", field="hold_id")
    try:  # still not in the past, with enough notice
        RequestedSlot.of(held.appointment_type, held.starts_at).instant(now)
    except BookingRuleBroken as broken:
        raise BookingRuleBroken(broken.message, field="hold_id", code=broken.code) from None
    if not held.patient_id:  # an offer's patient was asked when they joined the waitlist
        patient.check_asked_by(held.appointment_type)
        patient = patient.answering(held.appointment_type, by)

    def confirm() -> Booking:
        # An offer's hold already names its patient; a patient's own hold is matched now, in the same
        # transaction as the booking, so a confirmation that fails leaves no record behind.
        record = held.patient if held.patient_id else patients.patient_for(patient)
        return change(
            held,
            Kind.CREATED,
            allowed_from=[Status.HELD],
            by=by,
            via=via,
            now=now,
            status=Status.CONFIRMED,
            hold_expires_at=None,
            held_by=None,
            patient=record,
            intake_answers=patient.answers_kept,
            **patient.as_fields(),
        )

    booking = in_transaction(confirm, restoring=held)
    return booking, tokens.manage_token(booking.reference)


def release_hold(held: Booking, *, by: Actor = PATIENT, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """Let a held time go at once, rather than when the hold lapses."""
    if held.status != Status.HELD:
        raise HoldNotFound("No live hold with this id.", field="hold_id")
    return change(held, Kind.HOLD_RELEASED, allowed_from=[Status.HELD], by=by, via=via, now=now, status=Status.RELEASED)


def expire_stale_holds(now: datetime | None = None) -> int:
    """Record every lapsed hold as expired (they already stopped blocking); returns how many."""
    now = now or clinic_time.now()
    return sum(expire_hold(held, now) for held in Booking.objects.stale_holds(now))


def expire_hold(held: Booking, now: datetime) -> bool:
    """Record a lapsed hold as expired; False if it was confirmed, released or expired meanwhile."""
    try:
        change(
            held,
            Kind.HOLD_EXPIRED,
            allowed_from=[Status.HELD],
            by=SYSTEM,
            via=Channel.SYSTEM,
            now=now,
            status=Status.EXPIRED,
        )
    except BookingChanged:  # confirmed or expired by someone else meanwhile: the guard decides what follows
        return False
    return True
