"""The availability answer as JSON bytes, in the shapes `Availability` and `AvailabilityRange` publish.

Each day's open slots are rendered once by `AvailableSlot` and kept per process, as JSON, until anything
they depend on changes (or a hold they counted lapses); a request only cuts each day to the booking window
("now": notice, horizon) and joins the days. The test suite checks these bytes against the serializers'.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from rest_framework.renderers import JSONRenderer

from scheduling import clinic_time
from scheduling.api.serializers import AvailableSlot
from scheduling.models import AppointmentType, Practitioner
from scheduling.open_days import cached_per_day, open_days_unwindowed
from scheduling.rules import BookingWindow

render_json = JSONRenderer().render


@dataclass(frozen=True)
class RenderedDay:
    """One day's open slots as JSON: each slot's object, and the whole list, with the slots' start instants
    (ascending) to cut it to a booking window."""

    starts: tuple[datetime, ...]
    slots: tuple[bytes, ...]
    whole: bytes
    stale_at: datetime | None

    @classmethod
    def of(cls, open_slots, stale_at: datetime | None) -> RenderedDay:
        slots = tuple(map(render_json, AvailableSlot(open_slots, many=True).data))
        return cls(tuple(slot.span.start for slot in open_slots), slots, b"[" + b",".join(slots) + b"]", stale_at)

    def within(self, window: BookingWindow) -> bytes:
        first = bisect_left(self.starts, window.opens)
        end = len(self.starts) if window.closes is None else bisect_right(self.starts, window.closes)
        if first == 0 and end == len(self.starts):
            return self.whole
        return b"[" + b",".join(self.slots[first:end]) + b"]"


def rendered_days(
    appointment_type: AppointmentType, practitioner: Practitioner | None, first_day: date, last_day: date, now
) -> dict[date, RenderedDay]:
    def render(first: date, last: date) -> dict[date, RenderedDay]:
        found = open_days_unwindowed(appointment_type, first, last, now=now, practitioner=practitioner)
        return {day: RenderedDay.of(open_day.slots, open_day.stale_at) for day, open_day in found.items()}

    prefix = ("slots-json", clinic_time.zone().key, appointment_type.pk, practitioner and practitioner.pk)
    return cached_per_day(prefix, first_day, last_day, render)


def availability_json(
    *,
    appointment_type: AppointmentType,
    now: datetime,
    date: date | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    practitioner: Practitioner | None = None,
) -> bytes:
    """One day in the prototype's shape, or a range as a list of such days (a validated AvailabilityQuery)."""
    first_day, last_day = (date, date) if date else (start_date, end_date)
    window = BookingWindow.at(appointment_type, now)
    days = rendered_days(appointment_type, practitioner, first_day, last_day, now)
    head = b'"appointment_type":%s,"duration_minutes":%d' % (
        json.dumps(appointment_type.slug, ensure_ascii=False).encode(),
        appointment_type.duration_minutes,
    )
    if date:
        return b'{"date":"%s",%s,"available_slots":%s}' % (date.isoformat().encode(), head, days[date].within(window))
    each = b",".join(
        b'{"date":"%s","available_slots":%s}' % (day.isoformat().encode(), rendered.within(window))
        for day, rendered in days.items()
    )
    return b'{"start_date":"%s","end_date":"%s",%s,"days":[%s]}' % (
        first_day.isoformat().encode(),
        last_day.isoformat().encode(),
        head,
        each,
    )
