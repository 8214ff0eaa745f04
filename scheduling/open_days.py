"""Open days: each day's free slots of one appointment type, cached per day, and the one way the core,
the booking page and the waitlist assemble a type's rules, booking window and calendars (`BookableTime`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from scheduling import clinic_time
from scheduling.cache import BOOKINGS, REFERENCE, cached_each
from scheduling.calendars import Calendars, OpenSlot
from scheduling.models import AppointmentType, Booking, Practitioner
from scheduling.reference import reference_data, require_offer
from scheduling.rules import BookingWindow, SlotRules, slot_rules
from scheduling.slots import Span
from scheduling.slots.units import Assignment, units_of
from scheduling.units import UnitCalendars


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
    # The rooms and machines the type needs (None when it needs none).
    units: UnitCalendars | None = None

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
        horizon_days: int | None = None,
    ) -> BookableTime:
        """The type's time as seen at `now`, for the practitioners offering it (only `practitioner`, who must
        offer it; or exactly those `among`, already known to). `around` is one slot: only the blocked time
        near it is read. Unwindowed, the answer holds whatever the time of asking (for caching); `horizon_days`
        stretches the window past the type's horizon (staff booking a course)."""
        rules = slot_rules(appointment_type)
        blocked = around and rules.blocked(around)
        if among is None:
            require_offer(practitioner, appointment_type)
            among = reference_data().offering.get(appointment_type.pk, [])
            if practitioner is not None:
                among = [p for p in among if p.pk == practitioner.pk]
        calendars = Calendars.load(
            first_day, last_day, among, now=now, ignoring=ignoring, around=blocked, sessions_of=appointment_type
        )
        window = BookingWindow.at(appointment_type, now, horizon_days) if windowed else BookingWindow.unbounded()
        units = None
        resources = reference_data().resources
        if resources.needs_of(appointment_type):
            # The whole days, even for one slot: units are assigned by how busy each is that day.
            reach = clinic_time.days(first_day - timedelta(days=1), last_day + timedelta(days=1))
            units = UnitCalendars.load(
                resources, appointment_type, reach, calendars.clinic_closed, now=now, ignoring=ignoring
            )
            if units.stale_at and (calendars.stale_at is None or units.stale_at < calendars.stale_at):
                calendars.stale_at = units.stale_at
        days = clinic_time.days_between(first_day, last_day)
        return cls(appointment_type, days, calendars, rules, window, units)

    @property
    def practitioners(self) -> list[Practitioner]:
        return self.calendars.practitioners

    def on_grid(self, practitioner: Practitioner, slot: Span) -> bool:
        """Whether `slot` is one of the practitioner's slot starts within their weekly hours."""
        return slot in self.calendars.candidates(practitioner, self.days, self.rules)

    def free(self, practitioner: Practitioner) -> list[Span]:
        free = self.calendars.free(practitioner, self.days, self.rules, self.window)
        return [slot for slot in free if self.units_for(practitioner, slot) is not None]

    def is_free(self, practitioner: Practitioner, slot: Span) -> bool:
        return self.calendars.is_free(practitioner, slot, self.rules, self.window)

    def units_for(
        self,
        practitioner: Practitioner,
        slot: Span,
        *,
        pinned: Mapping[str, tuple[str, ...]] | None = None,
        keep=(),
        taken=(),
    ) -> Assignment | None:
        """The units a booking of `slot` with `practitioner` would take ({} when the type needs none), or
        None when not enough are free. A seat of a session under way takes the units its session holds."""
        if self.units is None:
            return {}
        session = self.calendars.session_at(practitioner, slot)
        held = session and self.units.session_units.get(session.pk)
        if held:
            if pinned and any(unit not in held.get(pool, ()) for pool, units in pinned.items() for unit in units):
                return None
            return held
        return self.units.assignment(slot, self.rules.blocked(slot), pinned=pinned, keep=keep, taken=taken)

    def open_slots(self) -> dict[date, list[OpenSlot]]:
        """Each day's free slots with the practitioners who could take them (the units a type needs free
        too) and, for a group type, the seats left at that time."""
        found = self.calendars.open_slots(self.days, self.rules, self.window)
        if self.units is None and not self.appointment_type.is_group:
            return found
        return {day: [o for o in map(self._with_units_and_seats, slots) if o] for day, slots in found.items()}

    def _with_units_and_seats(self, open_slot: OpenSlot) -> OpenSlot | None:
        if not self.appointment_type.is_group:  # the units free do not depend on who takes the slot
            span = open_slot.span
            return open_slot if self.units.assignment(span, self.rules.blocked(span)) is not None else None
        able, seats, taken = [], 0, set()
        for practitioner in open_slot.practitioners:
            session = self.calendars.session_at(practitioner, open_slot.span)
            # A session whose seats all went holds no units any more: like a new one, it must take some.
            under_way = session and (self.units is None or session.pk in self.units.session_units)
            if under_way and self.units_for(practitioner, open_slot.span) is not None:
                able.append(practitioner)
                seats += session.left
                continue
            # A new session (or a booking of a plain type): the units the ones before it took are not free.
            assignment = self.units_for(practitioner, open_slot.span, taken=taken)
            if assignment is None:
                continue
            able.append(practitioner)
            if self.appointment_type.is_group:
                taken |= units_of(assignment)
                seats += session.left if session else self.appointment_type.capacity
        if not able:
            return None
        return replace(
            open_slot, practitioners=tuple(able), seats_left=seats if self.appointment_type.is_group else None
        )

    def in_assignment_order(
        self, practitioners: list[Practitioner], day: date, slot: Span | None = None
    ) -> list[Practitioner]:
        return self.calendars.in_assignment_order(practitioners, day, slot)


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
