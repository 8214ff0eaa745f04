"""The availability answer: open slots per day, rendered once by `AvailableSlot` and cached until anything
they depend on changes (or a hold they counted lapses); "now" (notice, horizon) is applied per request."""

from __future__ import annotations

from datetime import date, datetime

from scheduling import clinic_time
from scheduling.api.serializers import Availability, AvailabilityRange, AvailableSlot
from scheduling.cache import BOOKINGS, REFERENCE, cached
from scheduling.calendars import Calendars
from scheduling.models import AppointmentType, Practitioner
from scheduling.rules import BookingWindow, slot_rules


class RenderedDays(dict):
    """{day: [(start instant, slot JSON)]}, with the instant it goes stale by itself (a hold lapsing)."""

    stale_at: datetime | None = None


def _rendered_days(appointment_type, practitioner, first_day, last_day, now) -> RenderedDays:
    days = clinic_time.days_between(first_day, last_day)
    calendars = Calendars.offering(appointment_type, first_day, last_day, now=now, practitioner=practitioner)
    by_day = calendars.open_slots(days, slot_rules(appointment_type), BookingWindow.unbounded())
    rendered = RenderedDays({day: [(s.span.start, AvailableSlot(s).data) for s in by_day[day]] for day in days})
    rendered.stale_at = calendars.stale_at
    return rendered


def availability(
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
    key = (
        "open-slots",
        clinic_time.zone().key,
        appointment_type.pk,
        practitioner and practitioner.pk,
        first_day,
        last_day,
    )
    by_day = cached(
        key,
        lambda: _rendered_days(appointment_type, practitioner, first_day, last_day, now),
        depends_on=(REFERENCE, BOOKINGS),
        weigh=lambda days: sum(map(len, days.values())),
        stale_at=lambda days: days.stale_at and days.stale_at.timestamp(),
    )
    window = BookingWindow.at(appointment_type, now)
    slots = {day: [slot for start, slot in found if window.admits(start)] for day, found in by_day.items()}
    head = {"appointment_type": appointment_type.slug, "duration_minutes": appointment_type.duration_minutes}
    if date:
        return Availability({"date": date, **head, "available_slots": slots[date]}).data
    days = [{"date": day, "available_slots": slots[day]} for day in clinic_time.days_between(first_day, last_day)]
    return AvailabilityRange({"start_date": first_day, "end_date": last_day, **head, "days": days}).data
