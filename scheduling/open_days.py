"""Open days: each day's free slots of one appointment type, cached per day, and the one way the core,
the booking page and the waitlist assemble a type's rules, booking window and calendars (`BookableTime`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from scheduling import clinic_time
from scheduling.cache import BOOKINGS, REFERENCE, cached_each
from scheduling.calendars import Calendars, OpenSlot
from scheduling.models import AppointmentType, Booking, Practitioner
from scheduling.reference import reference_data, require_offer
from scheduling.rules import BookingWindow, SlotRules, slot_rules
from scheduling.slots import Span


@dataclass(frozen=True)
class BookableTime:
    """One appointment type's time over some days: its slot rules and booking window over the calendars of
    the practitioners who may take it. Booking a slot, showing open days and offering freed time to the
    waitlist all start here, so they cannot disagree on what is free."""

    appointment_type: AppointmentType
    days: list[date]
    calendars: Calendars
    rules: SlotRules
    window: BookingWindow

    @classmethod
    def load(
        cls,
        appointment_type: AppointmentType,
        first_day: date,
        last_day: date,
        *,
        now: datetime,
        practitioner: Practitioner | None = None,
        among: list[Practitioner] | None = None,
        ignoring: Booking | None = None,
        around: Span | None = None,
        windowed: bool = True,
    ) -> BookableTime:
        """The type's time as seen at `now`, for the practitioners offering it (only `practitioner`, who must
        offer it; or exactly those `among`, already known to). `around` is one slot: only the blocked time
        near it is read. Unwindowed, the answer holds whatever the time of asking (for caching)."""
        rules = slot_rules(appointment_type)
        blocked = around and rules.blocked(around)
        if among is None:
            require_offer(practitioner, appointment_type)
            among = reference_data().offering.get(appointment_type.pk, [])
            if practitioner is not None:
                among = [p for p in among if p.pk == practitioner.pk]
        calendars = Calendars.load(first_day, last_day, among, now=now, ignoring=ignoring, around=blocked)
        window = BookingWindow.at(appointment_type, now) if windowed else BookingWindow.unbounded()
        return cls(appointment_type, clinic_time.days_between(first_day, last_day), calendars, rules, window)

    @property
    def practitioners(self) -> list[Practitioner]:
        return self.calendars.practitioners

    def on_grid(self, practitioner: Practitioner, slot: Span) -> bool:
        """Whether `slot` is one of the practitioner's slot starts within their weekly hours."""
        return slot in self.calendars.candidates(practitioner, self.days, self.rules)

    def free(self, practitioner: Practitioner) -> list[Span]:
        return self.calendars.free(practitioner, self.days, self.rules, self.window)

    def is_free(self, practitioner: Practitioner, slot: Span) -> bool:
        return self.calendars.is_free(practitioner, slot, self.rules, self.window)

    def open_slots(self) -> dict[date, list[OpenSlot]]:
        return self.calendars.open_slots(self.days, self.rules, self.window)

    def in_assignment_order(self, practitioners: list[Practitioner], day: date) -> list[Practitioner]:
        return self.calendars.in_assignment_order(practitioners, day)


@dataclass(frozen=True)
class OpenDay:
    """One day's free slots whatever the booking window, and the instant that picture goes stale by itself
    (the earliest hold it counted lapsing)."""

    slots: tuple[OpenSlot, ...]
    stale_at: datetime | None = None


def cached_per_day(prefix: tuple, first_day: date, last_day: date, compute: Callable[[date, date], dict]) -> dict:
    """{day: value} for the local days from `first_day` to `last_day`, each value (with its `slots` and the
    `stale_at` instant) cached per process and per day until bookings or reference data change: a range
    reuses the days other requests computed, and `compute(first, last)` fills the days it lacks in one go."""

    def missing_days(keys: list[tuple]) -> dict[tuple, object]:
        return {(*prefix, day): value for day, value in compute(keys[0][-1], keys[-1][-1]).items()}

    found = cached_each(
        [(*prefix, day) for day in clinic_time.days_between(first_day, last_day)],
        missing_days,
        depends_on=(REFERENCE, BOOKINGS),
        weigh=lambda value: len(value.slots),
        stale_at=lambda value: value.stale_at and value.stale_at.timestamp(),
    )
    return {key[-1]: value for key, value in found.items()}


def _computed_open_days(
    appointment_type: AppointmentType,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    practitioner: Practitioner | None = None,
    ignoring: Booking | None = None,
) -> dict[date, OpenDay]:
    bookable = BookableTime.load(
        appointment_type, first_day, last_day, now=now, practitioner=practitioner, ignoring=ignoring, windowed=False
    )
    stale_at = bookable.calendars.stale_at
    return {day: OpenDay(tuple(slots), stale_at) for day, slots in bookable.open_slots().items()}


def open_days_unwindowed(
    appointment_type: AppointmentType,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    practitioner: Practitioner | None = None,
) -> dict[date, OpenDay]:
    """Each day's free slots whatever the booking window, cached per day (`cached_per_day`)."""

    def compute(first: date, last: date) -> dict[date, OpenDay]:
        return _computed_open_days(appointment_type, first, last, now=now, practitioner=practitioner)

    prefix = ("open-day", clinic_time.zone().key, appointment_type.pk, practitioner and practitioner.pk)
    return cached_per_day(prefix, first_day, last_day, compute)


def open_days(
    appointment_type: AppointmentType,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    practitioner: Practitioner | None = None,
    ignoring: Booking | None = None,
) -> dict[date, list[OpenSlot]]:
    """Each day's free slots that the type's booking window admits at `now`, for pages that show days and
    times (the booking page, a patient moving their booking).

    The days come from `open_days_unwindowed`, like the API's availability; a booking set aside
    (`ignoring`) makes the answer one patient's own, so it is computed afresh.
    """
    if ignoring is not None:
        found = _computed_open_days(
            appointment_type, first_day, last_day, now=now, practitioner=practitioner, ignoring=ignoring
        )
    else:
        found = open_days_unwindowed(appointment_type, first_day, last_day, now=now, practitioner=practitioner)
    window = BookingWindow.at(appointment_type, now)
    return {day: [slot for slot in open_day.slots if window.admits(slot.span.start)] for day, open_day in found.items()}
