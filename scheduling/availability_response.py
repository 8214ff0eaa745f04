"""The availability endpoint's JSON, built as plain dicts: serializer machinery per slot is the cost
that dominates long slot lists, and `serializers.Availability` still documents this exact shape."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from scheduling.calendar_cache import BOOKINGS, REFERENCE, cached
from scheduling.calendars import BookingWindow, Calendars, OpenSlot, clinic_zone, days_between, slot_rules
from scheduling.models import AppointmentType, Practitioner
from scheduling.serializers import WALL_CLOCK


def iso(moment: datetime) -> str:
    """ISO 8601 with the offset, written the way DRF writes instants (UTC as Z)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def slot_payload(open_slot: OpenSlot, tz) -> dict:
    start, end = timezone.localtime(open_slot.span.start, tz), timezone.localtime(open_slot.span.end, tz)
    return {
        "start": start.strftime(WALL_CLOCK),
        "end": end.strftime(WALL_CLOCK),
        "starts_at": iso(start),
        "ends_at": iso(end),
        "practitioners": [p.slug for p in open_slot.practitioners],
    }


def _open_slots_by_day(appointment_type, practitioner, first_day, last_day) -> dict[date, list[tuple[datetime, dict]]]:
    """Each day's free slots as (start, JSON) before "now" is applied: the part worth caching."""
    days = days_between(first_day, last_day)
    calendars = Calendars.load(appointment_type, first_day, last_day, practitioner=practitioner)
    by_day = calendars.open_slots(days, slot_rules(appointment_type), BookingWindow.unbounded())
    return {day: [(s.span.start, slot_payload(s, calendars.tz)) for s in by_day[day]] for day in days}


def availability_payload(
    *,
    appointment_type: AppointmentType,
    now: datetime,
    date: date | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    practitioner: Practitioner | None = None,
) -> dict:
    """One day in the prototype's shape, or a range as a list of such days."""
    first_day, last_day = (date, date) if date else (start_date, end_date)
    days = days_between(first_day, last_day)
    key = ("open-slots", clinic_zone().key, appointment_type.pk, practitioner and practitioner.pk, first_day, last_day)
    by_day = cached(
        key,
        lambda: _open_slots_by_day(appointment_type, practitioner, first_day, last_day),
        depends_on=(REFERENCE, BOOKINGS),
        weigh=lambda days: sum(map(len, days.values())),
    )
    window = BookingWindow.at(appointment_type, now)
    slots = {day: [payload for start, payload in by_day[day] if window.admits(start)] for day in days}
    head = {"appointment_type": appointment_type.slug, "duration_minutes": appointment_type.duration_minutes}
    if date:
        return {"date": date.isoformat(), **head, "available_slots": slots[date]}
    return {
        "start_date": first_day.isoformat(),
        "end_date": last_day.isoformat(),
        **head,
        "days": [{"date": day.isoformat(), "available_slots": slots[day]} for day in days],
    }
