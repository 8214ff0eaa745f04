"""Choosing a day, then a time, for one appointment type: when booking a new visit and when moving one.
Where those pages live is `booking_page.flow`.

Both read the same cached open slots as the API (scheduling.open_days.open_days), so a month costs a fixed
number of queries whatever the number of practitioners or bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from booking_page.month import Month
from scheduling import clinic_time
from scheduling.calendars import Calendars, OpenSlot
from scheduling.models import AppointmentType, Booking, Practitioner
from scheduling.open_days import open_days
from scheduling.reference import reference_data
from scheduling.rules import BookingWindow, last_bookable_day, slot_rules

# A lost time: alternatives come from a little before it to two weeks after it, its own day first.
NEAREST_DAYS_BEFORE = 2
NEAREST_DAYS_AFTER = 14
NEAREST_COUNT = 3


@dataclass(frozen=True)
class Day:
    day: date
    free: int
    full: bool = False  # someone works then, but every time is taken: a day to wait for, not a closed one


@dataclass(frozen=True)
class Picker:
    appointment_type: AppointmentType
    practitioner: Practitioner | None = None
    moving: Booking | None = None  # the booking being moved: its own time does not block its move

    def open_days(self, first_day: date, last_day: date, now: datetime) -> dict[date, list[OpenSlot]]:
        return open_days(
            self.appointment_type,
            first_day,
            last_day,
            now=now,
            practitioner=self.practitioner,
            ignoring=self.moving,
        )

    def month(self, month: Month, now: datetime) -> list[list[Day | None]]:
        """The month's weeks; each day with its number of free times (0 for past days)."""
        today = clinic_time.local_date(now)
        first = max(month.first_day, today)
        found = self.open_days(first, month.last_day, now) if first <= month.last_day else {}
        worked = self._worked_days(first, month.last_day, now) if first <= month.last_day else set()

        def shown(day: date) -> Day:
            free = len(found.get(day, ()))
            return Day(day, free, full=not free and day in worked)

        return [[day and shown(day) for day in week] for week in month.weeks()]

    def _worked_days(self, first_day: date, last_day: date, now: datetime) -> set[date]:
        """The days with a slot inside the booking window if nobody had booked: hours and time away only (no
        bookings are read), so a day without free time among them is full rather than closed."""
        practitioners = reference_data().offering.get(self.appointment_type.pk, [])
        if self.practitioner is not None:
            practitioners = [p for p in practitioners if p.pk == self.practitioner.pk]
        calendars = Calendars.load(first_day, last_day, practitioners, now=now, blocked=False)
        days = clinic_time.days_between(first_day, last_day)
        rules, window = slot_rules(self.appointment_type), BookingWindow.at(self.appointment_type, now)
        return {
            clinic_time.local_date(slot.start)
            for practitioner in calendars.practitioners
            for slot in calendars.free(practitioner, days, rules, window)
        }

    def last_day(self, now: datetime) -> date:
        """The last day the type can be booked (its horizon)."""
        return last_bookable_day(self.appointment_type, now)

    def first_month_with_time(self, now: datetime) -> Month:
        """This month, or the next if this one has nothing free: where a patient starts looking."""
        this_month = Month.of(clinic_time.local_date(now))
        if self._has_time(this_month, now):
            return this_month
        return this_month.next() if self._has_time(this_month.next(), now) else this_month

    def _has_time(self, month: Month, now: datetime) -> bool:
        return any(day and day.free for week in self.month(month, now) for day in week)

    def times(self, day: date, now: datetime) -> list[OpenSlot]:
        return self.open_days(day, day, now)[day]

    def nearest(self, lost: datetime, now: datetime) -> list[OpenSlot]:
        """The free times closest to one a patient lost: on its day first, then on the nearest days."""
        lost_day = clinic_time.local_date(lost)
        first = max(lost_day - timedelta(days=NEAREST_DAYS_BEFORE), clinic_time.local_date(now))
        found = self.open_days(first, lost_day + timedelta(days=NEAREST_DAYS_AFTER), now)
        by_span = {slot.span: slot for day_slots in found.values() for slot in day_slots if slot.span.start != lost}
        nearest = clinic_time.nearest(by_span, clinic_time.local(lost).replace(tzinfo=None), NEAREST_COUNT)
        return [by_span[span] for span in nearest]
