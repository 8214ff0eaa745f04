"""The clinic's booking rules, and the errors that say which one a request broke.

Every interface (API, admin, booking page, shell) gets the same errors; each names the request field at
fault, so the API can answer a 400 that says what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from scheduling import clinic_time
from scheduling.models import AppointmentType, Practitioner
from scheduling.slots import SlotRules, Span


class BookingError(Exception):
    """A request the clinic cannot accept; `field` names the part of the request at fault."""

    code = "booking_error"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class BookingRuleBroken(BookingError):
    """The request itself is wrong: a time off the grid, in the past, too soon, too far ahead, or a change
    the booking's status does not allow."""

    code = "invalid"


class AnswersRefused(BookingRuleBroken):
    """Some intake answers do not answer the type's questions: `errors` is {question slug: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        first_slug, first_messages = next(iter(errors.items()))
        super().__init__(f"{first_slug}: {first_messages[0]}", field="answers", code="invalid")
        self.errors = errors


class SlotUnavailable(BookingError):
    """The time is a real slot, but it is taken (or the practitioner is away)."""

    code = "slot_unavailable"


class BookingChanged(BookingError):
    """Someone else changed the booking between reading it and writing it; nothing was written."""

    code = "booking_changed"


class TooLateToChange(BookingError):
    """A patient may no longer cancel or move this booking themselves: it has started (`already_started`),
    or its start is inside the type's cutoff (`too_late_to_change`). Staff still can."""

    code = "too_late_to_change"


class TooManyHolds(BookingError):
    """The client holds as many times as one client may (`HOLDS_PER_CLIENT_AT_ONCE`), or took as many holds
    as a day allows (`HOLDS_PER_CLIENT_PER_DAY`); `retry_after` is when the oldest one stops counting."""

    code = "too_many_holds"

    def __init__(self, message: str, retry_after: timedelta):
        super().__init__(message, field=None)
        self.retry_after_seconds = max(1, int(retry_after.total_seconds() + 0.999))


class HoldNotFound(BookingError):
    """No live hold has this id: it never existed, was released, or was already used."""

    code = "unknown_hold"


def slot_rules(appointment_type: AppointmentType) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=appointment_type.duration_minutes),
        step=timedelta(minutes=appointment_type.slot_interval_minutes or appointment_type.duration_minutes),
        buffer_before=timedelta(minutes=appointment_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=appointment_type.buffer_after_minutes),
    )


EARLIEST = datetime.min.replace(tzinfo=UTC)
# How far ahead staff may book a course of treatment (and move its visits), whatever a type's horizon.
STAFF_HORIZON_DAYS = 52 * 7


@dataclass(frozen=True)
class BookingWindow:
    """The instants between which a type may be booked, seen at `now`."""

    opens: datetime
    closes: datetime | None

    @classmethod
    def at(cls, appointment_type: AppointmentType, now: datetime, horizon_days: int | None = None) -> BookingWindow:
        """The type's window; `horizon_days` stretches how far ahead (staff booking a course)."""
        return cls(
            opens=now + timedelta(minutes=appointment_type.min_notice_minutes),
            closes=now + timedelta(days=horizon_days or appointment_type.horizon_days),
        )

    @classmethod
    def unbounded(cls) -> BookingWindow:
        """No limit in time: for results computed once and cut to a window per request."""
        return cls(opens=EARLIEST, closes=None)

    def admits(self, start: datetime) -> bool:
        return start >= self.opens and (self.closes is None or start <= self.closes)


def last_bookable_day(appointment_type: AppointmentType, now: datetime, horizon_days: int | None = None) -> date:
    """The last clinic-local day the type's window reaches at `now`: any later day is past the horizon, on
    every interface (the API's availability, holds and bookings, and the booking page)."""
    return clinic_time.local_date(BookingWindow.at(appointment_type, now, horizon_days).closes)


def beyond_horizon(
    appointment_type: AppointmentType, now: datetime, horizon_days: int | None = None, *, field: str = "date"
) -> BookingRuleBroken:
    """The refusal of a day past the horizon, naming the field (`date`) and the last day that can be booked."""
    last = last_bookable_day(appointment_type, now, horizon_days)
    return BookingRuleBroken(
        f"{appointment_type.name} can be booked at most {horizon_days or appointment_type.horizon_days} days "
        f"ahead, until {last.isoformat()}.",
        field=field,
        code="booking_horizon",
    )


@dataclass(frozen=True)
class RequestedSlot:
    """What a patient or the desk asks for: one type at a wall-clock start on a local date, with one
    practitioner or (None) whoever is free. Checked against the type's rules by `instant`."""

    appointment_type: AppointmentType
    day: date
    start_time: time
    practitioner: Practitioner | None = None
    # How far ahead it may be, when not the type's horizon: staff book courses up to a year ahead.
    horizon_days: int | None = None

    @classmethod
    def of(
        cls, appointment_type: AppointmentType, start: datetime, practitioner: Practitioner | None = None
    ) -> RequestedSlot:
        local = clinic_time.local(start)
        return cls(appointment_type, local.date(), local.time(), practitioner)

    def instant(self, now: datetime) -> Span:
        """The slot as instants, or BookingRuleBroken when the time cannot be booked at `now`."""
        type_ = self.appointment_type
        if not clinic_time.exists(self.day, self.start_time):
            raise BookingRuleBroken(
                f"{self.start_time:%H:%M} does not exist on {self.day} in {clinic_time.zone().key}: "
                "the clocks skip it.",
                field="start_time",
                code="nonexistent_time",
            )
        start = clinic_time.at(self.day, self.start_time)
        window = BookingWindow.at(type_, now, self.horizon_days)
        if start < now:
            raise BookingRuleBroken("This time is in the past.", field="start_time", code="in_past")
        if start < window.opens:
            raise BookingRuleBroken(
                f"{type_.name} needs at least {type_.min_notice_minutes} minutes' notice.",
                field="start_time",
                code="min_notice",
            )
        if start > window.closes:
            raise beyond_horizon(type_, now, self.horizon_days)
        return Span(start, start + type_.duration)


class ResourceTaken(SlotUnavailable):
    """The room or machine staff pinned is busy at that time; `alternatives` are what could be booked
    instead: the same time with other units, and the nearest times with the same unit
    (`{"date", "start_time", "resources": {pool: unit}}` each)."""

    code = "resource_taken"

    def __init__(self, message: str, alternatives: list[dict]):
        super().__init__(message, field="resources")
        self.alternatives = alternatives
