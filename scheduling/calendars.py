"""Practitioners' calendars read from the database as plain spans, and the open slots they leave.

The API, the admin and `manage.py shell` all ask here; the arithmetic itself is in availability.py.
Loading costs a fixed number of queries whatever the length of the range or the number of bookings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone

from scheduling.availability import (
    SlotRules,
    Span,
    candidate_slots,
    day_span,
    free_slots,
    open_spans,
)
from scheduling.calendar_cache import REFERENCE, cached
from scheduling.models import AppointmentType, Booking, ClinicClosure, OpeningHours, Practitioner, TimeOff

Hours = dict[int, list[tuple[time, time]]]  # weekday -> (opens, closes) intervals


def clinic_zone() -> ZoneInfo:
    return timezone.get_default_timezone()


def slot_rules(appointment_type: AppointmentType) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=appointment_type.duration_minutes),
        step=timedelta(minutes=appointment_type.slot_interval_minutes or appointment_type.duration_minutes),
        buffer_before=timedelta(minutes=appointment_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=appointment_type.buffer_after_minutes),
    )


@dataclass(frozen=True)
class ReferenceData:
    """What staff configure and every request reads: active types and practitioners, and their hours."""

    types: dict[str, AppointmentType]
    practitioners: dict[str, Practitioner]
    offering: dict[int, list[Practitioner]]  # appointment type id -> practitioners offering it, by slug
    hours: dict[int, Hours]  # practitioner id -> weekly hours
    time_off: dict[int, list[Span]]  # practitioner id -> time off not yet over
    closures: list[ClinicClosure]  # clinic closures not yet over

    def offers(self, practitioner: Practitioner, appointment_type: AppointmentType) -> bool:
        return any(p.pk == practitioner.pk for p in self.offering.get(appointment_type.pk, ()))


def reference_data() -> ReferenceData:
    """Cached per process until staff change something (see calendar_cache)."""
    return cached(("reference-data",), _load_reference_data, depends_on=(REFERENCE,))


def _load_reference_data() -> ReferenceData:
    types = {t.slug: t for t in AppointmentType.objects.filter(is_active=True)}
    practitioners = list(
        Practitioner.objects.filter(is_active=True)
        .prefetch_related("appointment_types", Prefetch("opening_hours", OpeningHours.objects.order_by("opens_at")))
        .order_by("slug")
    )
    offering: dict[int, list[Practitioner]] = defaultdict(list)
    hours: dict[int, Hours] = {}
    # Only what can still affect a bookable day; anything over by yesterday is history.
    yesterday = timezone.localdate() - timedelta(days=1)
    time_off: dict[int, list[Span]] = defaultdict(list)
    for pk, starts_at, ends_at in TimeOff.objects.filter(
        ends_at__gte=day_span(yesterday, yesterday, clinic_zone()).start
    ).values_list("practitioner_id", "starts_at", "ends_at"):
        time_off[pk].append(Span(starts_at, ends_at))
    for practitioner in practitioners:
        for offered in practitioner.appointment_types.all():
            offering[offered.pk].append(practitioner)
        hours[practitioner.pk] = defaultdict(list)
        for interval in practitioner.opening_hours.all():
            hours[practitioner.pk][interval.weekday].append((interval.opens_at, interval.closes_at))
    return ReferenceData(
        types=types,
        practitioners={p.slug: p for p in practitioners},
        offering=dict(offering),
        hours=hours,
        time_off=dict(time_off),
        closures=list(ClinicClosure.objects.filter(last_day__gte=yesterday)),
    )


EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BookingWindow:
    """The instants between which a type may be booked, seen at `now`."""

    opens: datetime
    closes: datetime | None

    @classmethod
    def at(cls, appointment_type: AppointmentType, now: datetime) -> BookingWindow:
        return cls(
            opens=now + timedelta(minutes=appointment_type.min_notice_minutes),
            closes=now + timedelta(days=appointment_type.horizon_days),
        )

    @classmethod
    def unbounded(cls) -> BookingWindow:
        """No limit in time: for results computed once and cut to a window per request."""
        return cls(opens=EARLIEST, closes=None)

    def admits(self, start: datetime) -> bool:
        return start >= self.opens and (self.closes is None or start <= self.closes)


@dataclass(frozen=True)
class OpenSlot:
    """A free slot and the practitioners free for it."""

    span: Span
    practitioners: tuple[Practitioner, ...]


@dataclass
class Calendars:
    """The calendars of some practitioners over some days, as plain spans."""

    tz: ZoneInfo
    practitioners: list[Practitioner]
    hours: dict[int, Hours] = field(default_factory=dict)
    closed: dict[int, list[Span]] = field(default_factory=dict)
    busy: dict[int, list[Span]] = field(default_factory=dict)
    bookings_per_day: dict[tuple[int, date], int] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        appointment_type: AppointmentType,
        first_day: date,
        last_day: date,
        *,
        practitioner: Practitioner | None = None,
        ignoring: Booking | None = None,
    ) -> Calendars:
        """Calendars of the active practitioners offering `appointment_type` (or just `practitioner`).

        `ignoring` leaves one booking out, so a booking being moved does not block its own new time.
        """
        tz = clinic_zone()
        # A day's slots can be blocked by bookings and buffers reaching in from the neighbouring days.
        reach = day_span(first_day - timedelta(days=1), last_day + timedelta(days=1), tz)
        reference = reference_data()
        practitioners = reference.offering.get(appointment_type.pk, [])
        if practitioner is not None:
            practitioners = [p for p in practitioners if p.pk == practitioner.pk]
        calendars = cls(tz=tz, practitioners=list(practitioners))
        ids = [p.pk for p in calendars.practitioners]
        closures = [c for c in reference.closures if c.first_day <= last_day and c.last_day >= first_day]
        clinic_closed = [day_span(c.first_day, c.last_day, tz) for c in closures]
        for pk in ids:
            calendars.hours[pk] = reference.hours[pk]
            their_time_off = [off for off in reference.time_off.get(pk, ()) if off.overlaps(reach)]
            calendars.closed[pk] = [*clinic_closed, *their_time_off]
            calendars.busy[pk] = []

        bookings = Booking.objects.confirmed().filter(practitioner__in=ids).overlapping(reach.start, reach.end)
        if ignoring is not None:
            bookings = bookings.exclude(pk=ignoring.pk)
        for pk, starts_at, blocked_from, blocked_until in bookings.values_list(
            "practitioner_id", "starts_at", "blocked_from", "blocked_until"
        ):
            calendars.busy[pk].append(Span(blocked_from, blocked_until))
            key = (pk, timezone.localtime(starts_at, tz).date())
            calendars.bookings_per_day[key] = calendars.bookings_per_day.get(key, 0) + 1
        return calendars

    def candidates(self, practitioner: Practitioner, days: Iterable[date], rules: SlotRules) -> list[Span]:
        """Slots inside `practitioner`'s weekly hours, ignoring bookings and time off."""
        hours = self.hours[practitioner.pk]
        return [
            slot
            for day in days
            for slot in candidate_slots(open_spans(day, hours.get(day.weekday(), ()), self.tz), rules, self.tz)
        ]

    def free(
        self, practitioner: Practitioner, days: Iterable[date], rules: SlotRules, window: BookingWindow
    ) -> list[Span]:
        return free_slots(
            candidates=self.candidates(practitioner, days, rules),
            rules=rules,
            closed=self.closed[practitioner.pk],
            busy=self.busy[practitioner.pk],
            not_before=window.opens,
            not_after=window.closes,
        )

    def is_free(self, practitioner: Practitioner, slot: Span, rules: SlotRules, window: BookingWindow) -> bool:
        """Whether one slot, already known to be on the practitioner's grid, is free for them."""
        return bool(
            free_slots(
                candidates=[slot],
                rules=rules,
                closed=self.closed[practitioner.pk],
                busy=self.busy[practitioner.pk],
                not_before=window.opens,
                not_after=window.closes,
            )
        )

    def open_slots(self, days: Sequence[date], rules: SlotRules, window: BookingWindow) -> dict[date, list[OpenSlot]]:
        """Each day's free slots with the practitioners free for each, in the order they would be assigned."""
        free_for: dict[Span, list[Practitioner]] = defaultdict(list)
        for practitioner in self.practitioners:
            for slot in self.free(practitioner, days, rules, window):
                free_for[slot].append(practitioner)
        by_day: dict[date, list[OpenSlot]] = {day: [] for day in days}
        for slot in sorted(free_for):
            day = timezone.localtime(slot.start, self.tz).date()
            by_day[day].append(OpenSlot(slot, tuple(self.in_assignment_order(free_for[slot], day))))
        return by_day

    def in_assignment_order(self, practitioners: Iterable[Practitioner], day: date) -> list[Practitioner]:
        """Fewest bookings that day first, then by slug: spreads the load and is deterministic."""
        return sorted(practitioners, key=lambda p: (self.bookings_per_day.get((p.pk, day), 0), p.slug))


def days_between(first_day: date, last_day: date) -> list[date]:
    return [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
