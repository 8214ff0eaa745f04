"""Booking, cancelling and moving appointments: the one place that writes bookings.

The API, the admin and `manage.py shell` call these functions. Each checks the request against the same
calendars that availability shows, then writes inside one transaction; the database's overlap guard is
the last word when two requests race for the same time.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling import calendar_cache, overlap_guard
from scheduling.availability import Span, instant, wall_time_exists
from scheduling.calendars import BookingWindow, Calendars, clinic_zone, slot_rules
from scheduling.models import AppointmentType, Booking, Practitioner


class BookingError(Exception):
    """A booking request the clinic cannot accept; `field` names the part of the request at fault."""

    code = "booking_error"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class BookingRuleBroken(BookingError):
    """The request itself is wrong: a time off the grid, in the past, too soon or too far ahead."""

    code = "invalid"


class SlotUnavailable(BookingError):
    """The time is a real slot, but it is taken (or the practitioner is away)."""

    code = "slot_unavailable"


@dataclass(frozen=True)
class Patient:
    name: str
    email: str = ""
    phone: str = ""
    reason_for_visit: str = ""

    @classmethod
    def named_in(cls, fields: Mapping[str, str]) -> Patient:
        """The patient of a validated booking request or admin form, which share these field names."""
        return cls(
            name=fields["patient_name"],
            email=fields.get("patient_email", ""),
            phone=fields.get("patient_phone", ""),
            reason_for_visit=fields.get("reason_for_visit", ""),
        )


@dataclass(frozen=True)
class RequestedSlot:
    """A wall-clock start on a local date, checked against one type's rules."""

    appointment_type: AppointmentType
    day: date
    start_time: time

    def instant(self, now: datetime) -> Span:
        """The slot as instants, or BookingRuleBroken when the time cannot be booked at `now`."""
        tz = clinic_zone()
        type_ = self.appointment_type
        if not wall_time_exists(self.day, self.start_time, tz):
            raise BookingRuleBroken(
                f"{self.start_time:%H:%M} does not exist on {self.day} in {tz.key}: the clocks skip it.",
                field="start_time",
                code="nonexistent_time",
            )
        start = instant(self.day, self.start_time, tz)
        window = BookingWindow.at(type_, now)
        if start < now:
            raise BookingRuleBroken("This time is in the past.", field="start_time", code="in_past")
        if start < window.opens:
            raise BookingRuleBroken(
                f"{type_.name} needs at least {type_.min_notice_minutes} minutes' notice.",
                field="start_time",
                code="min_notice",
            )
        if start > window.closes:
            raise BookingRuleBroken(
                f"{type_.name} can be booked at most {type_.horizon_days} days ahead.",
                field="date",
                code="booking_horizon",
            )
        return Span(start, start + type_.duration)


def _free_practitioners(
    requested: RequestedSlot,
    slot: Span,
    now: datetime,
    practitioner: Practitioner | None,
    ignoring: Booking | None = None,
) -> list[Practitioner]:
    """Who can take `slot`, in assignment order; raises when nobody's calendar has it."""
    type_ = requested.appointment_type
    rules = slot_rules(type_)
    calendars = Calendars.load(type_, requested.day, requested.day, practitioner=practitioner, ignoring=ignoring)
    if practitioner is not None and not calendars.practitioners:
        raise BookingRuleBroken(
            f"{practitioner.name} does not offer {type_.name}.", field="practitioner", code="not_offered"
        )
    on_grid = [p for p in calendars.practitioners if slot in calendars.candidates(p, [requested.day], rules)]
    if not on_grid:
        step = int(rules.step.total_seconds() // 60)
        raise BookingRuleBroken(
            f"{requested.start_time:%H:%M} is not a {type_.name} slot on {requested.day}: slots start every "
            f"{step} minutes from opening time and must end by closing time.",
            field="start_time",
            code="not_a_slot",
        )
    window = BookingWindow.at(type_, now)
    free = [p for p in on_grid if calendars.is_free(p, slot, rules, window)]
    if not free:
        raise SlotUnavailable("This time is no longer available. Please choose another slot.")
    return calendars.in_assignment_order(free, requested.day)


def _savepoint_if_nested():
    """Inside a caller's transaction, a savepoint lets a refused insert be followed by another."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def book(
    *,
    appointment_type: AppointmentType,
    day: date,
    start_time: time,
    patient: Patient,
    practitioner: Practitioner | None = None,
    now: datetime | None = None,
) -> tuple[Booking, str]:
    """Book a slot; returns the booking and the patient's manage token (shown once, stored as a digest).

    Without a practitioner, the free one with the fewest bookings that day takes it.
    """
    now = now or timezone.now()
    requested = RequestedSlot(appointment_type, day, start_time)
    slot = requested.instant(now)
    blocked = slot_rules(requested.appointment_type).blocked(slot)
    # Checked outside the write transaction, so SQLite's single write lock is held only for the insert:
    # if someone takes the time in between, the database guard refuses our insert and we try the next.
    for candidate in _free_practitioners(requested, slot, now, practitioner):
        booking = Booking(
            practitioner=candidate,
            appointment_type=appointment_type,
            patient_name=patient.name,
            patient_email=patient.email,
            patient_phone=patient.phone,
            reason_for_visit=patient.reason_for_visit,
            starts_at=slot.start,
            ends_at=slot.end,
            blocked_from=blocked.start,
            blocked_until=blocked.end,
        )
        token = booking.issue_manage_token()
        try:
            with _savepoint_if_nested():
                booking.save()  # one INSERT: atomic on its own
        except IntegrityError as error:
            if not overlap_guard.is_overlap(error):
                raise
            continue
        return booking, token
    raise SlotUnavailable("This time was just booked by someone else. Please choose another slot.")


def cancel(booking: Booking, *, by: str, reason: str = "", now: datetime | None = None) -> Booking:
    """Cancel a booking and free its time; the row stays, with who cancelled it, when and why."""
    if not booking.is_confirmed:
        raise BookingRuleBroken("This booking is already cancelled.", code="already_cancelled")
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now or timezone.now()
    booking.cancelled_by = by
    booking.cancellation_reason = reason
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "updated_at"])
    return booking


def reschedule(
    booking: Booking,
    *,
    day: date,
    start_time: time,
    practitioner: Practitioner | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to a new time in one transaction; if the new time is taken nothing changes."""
    if not booking.is_confirmed:
        raise BookingRuleBroken("A cancelled booking cannot be moved.", code="already_cancelled")
    now = now or timezone.now()
    requested = RequestedSlot(booking.appointment_type, day, start_time)
    slot = requested.instant(now)
    blocked = slot_rules(requested.appointment_type).blocked(slot)
    wanted = practitioner or booking.practitioner
    _free_practitioners(requested, slot, now, wanted, ignoring=booking)  # advisory; the guard decides
    with transaction.atomic():
        moved = Booking.objects.filter(pk=booking.pk, status=Booking.Status.CONFIRMED)
        try:
            with transaction.atomic():
                updated = moved.update(
                    practitioner=wanted,
                    starts_at=slot.start,
                    ends_at=slot.end,
                    blocked_from=blocked.start,
                    blocked_until=blocked.end,
                    updated_at=now,
                )
        except IntegrityError as error:
            if not overlap_guard.is_overlap(error):
                raise
            raise SlotUnavailable("This time was just booked by someone else. Please choose another slot.") from None
        if not updated:
            raise BookingRuleBroken("This booking was cancelled meanwhile.", code="already_cancelled")
        calendar_cache.changed(calendar_cache.BOOKINGS)  # a queryset update sends no post_save
    booking.refresh_from_db()
    return booking
