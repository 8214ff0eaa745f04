"""Practitioners' calendars read from the database as plain spans, and the open slots they leave.

The API, the admin and `manage.py shell` all ask here; the arithmetic itself is in `scheduling.slots`.
Loading costs a fixed number of queries whatever the length of the range or the number of bookings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch

from scheduling import clinic_time
from scheduling.cache import BOOKINGS, REFERENCE, cached, cached_each
from scheduling.models import AppointmentType, Booking, Clinic, ClinicClosure, OpeningHours, Practitioner, TimeOff
from scheduling.rules import BookingRuleBroken, BookingWindow, SlotRules, slot_rules
from scheduling.slots import Span, free_slots

Hours = dict[int, list[tuple[time, time]]]  # weekday -> (opens, closes) intervals


@dataclass(frozen=True)
class ReferenceData:
    """What staff configure and every request reads: active types and practitioners, and their hours."""

    types: dict[str, AppointmentType]
    practitioners: dict[str, Practitioner]
    offering: dict[int, list[Practitioner]]  # appointment type id -> practitioners offering it, by slug
    hours: dict[int, Hours]  # practitioner id -> weekly hours
    time_off: dict[int, list[Span]]  # practitioner id -> time off not yet over
    closures: list[ClinicClosure]  # clinic closures not yet over

    # Time off and closures are kept from yesterday on; older days are read from the database.
    since: date

    def offers(self, practitioner: Practitioner, appointment_type: AppointmentType) -> bool:
        return any(p.pk == practitioner.pk for p in self.offering.get(appointment_type.pk, ()))


def require_offer(practitioner: Practitioner | None, appointment_type: AppointmentType) -> None:
    """BookingRuleBroken naming `practitioner` when they do not offer this type."""
    if practitioner is not None and not reference_data().offers(practitioner, appointment_type):
        raise BookingRuleBroken(
            f"{practitioner.name} does not offer {appointment_type.name}.", field="practitioner", code="not_offered"
        )


def reference_data() -> ReferenceData:
    """Cached per process until staff change something (see scheduling.cache)."""
    return cached(("reference-data",), _load_reference_data, depends_on=(REFERENCE,))


def clinic_details() -> Clinic:
    """The clinic's details, cached per process like reference data: pages show them on every request."""
    return cached(("clinic",), Clinic.load, depends_on=(REFERENCE,))


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
    yesterday = clinic_time.today() - timedelta(days=1)
    time_off = _time_off_spans(TimeOff.objects.filter(ends_at__gte=clinic_time.days(yesterday, yesterday).start))
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
        since=yesterday,
    )


def _time_off_spans(time_off) -> dict[int, list[Span]]:
    spans: dict[int, list[Span]] = defaultdict(list)
    for pk, starts_at, ends_at in time_off.values_list("practitioner_id", "starts_at", "ends_at"):
        spans[pk].append(Span(starts_at, ends_at))
    return spans


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

    # The earliest instant a hold counted as busy here lapses: from then on this picture is out of date.
    stale_at: datetime | None = None

    @classmethod
    def offering(
        cls,
        appointment_type: AppointmentType,
        first_day: date,
        last_day: date,
        *,
        now: datetime,
        practitioner: Practitioner | None = None,
        ignoring: Booking | None = None,
        around: Span | None = None,
    ) -> Calendars:
        """Calendars of the active practitioners offering `appointment_type` (or just `practitioner`, who
        must offer it)."""
        require_offer(practitioner, appointment_type)
        practitioners = reference_data().offering.get(appointment_type.pk, [])
        if practitioner is not None:
            practitioners = [p for p in practitioners if p.pk == practitioner.pk]
        return cls.load(first_day, last_day, practitioners, now=now, ignoring=ignoring, around=around)

    @classmethod
    def load(
        cls,
        first_day: date,
        last_day: date,
        practitioners: Iterable[Practitioner],
        *,
        now: datetime,
        ignoring: Booking | None = None,
        around: Span | None = None,
    ) -> Calendars:
        """The practitioners' hours, time away and blocked time over the days, as seen at `now`.

        `ignoring` leaves one booking out, so a booking being moved does not block its own new time.
        `around` narrows the blocked time read to what overlaps one slot (with its buffers), for a check of
        that slot alone: each practitioner's bookings that day are then counted, not read.
        """
        tz = clinic_time.zone()
        # A day's slots can be blocked by bookings and buffers reaching in from the neighbouring days.
        reach = clinic_time.days(first_day - timedelta(days=1), last_day + timedelta(days=1))
        reference = reference_data()
        calendars = cls(tz=tz, practitioners=list(practitioners))
        ids = [p.pk for p in calendars.practitioners]
        if first_day >= reference.since:
            closures, time_off = reference.closures, reference.time_off
        else:  # history: not in the cached reference data
            closures = list(ClinicClosure.objects.filter(last_day__gte=first_day, first_day__lte=last_day))
            time_off = _time_off_spans(TimeOff.objects.filter(practitioner__in=ids, ends_at__gt=reach.start))
        clinic_closed = [
            clinic_time.days(c.first_day, c.last_day)
            for c in closures
            if c.first_day <= last_day and c.last_day >= first_day
        ]
        for pk in ids:
            calendars.hours[pk] = reference.hours[pk]
            their_time_off = [off for off in time_off.get(pk, ()) if off.overlaps(reach)]
            calendars.closed[pk] = [*clinic_closed, *their_time_off]
            calendars.busy[pk] = []

        read_within = around or reach
        excluding = ignoring and ignoring.pk
        blocked = Booking.objects.blocked_times(ids, read_within.start, read_within.end, now, excluding=excluding)
        for pk, starts_at, blocked_from, blocked_until, hold_expires_at in blocked:
            calendars.busy[pk].append(Span(blocked_from, blocked_until))
            if around is None:
                key = (pk, clinic_time.local_date(starts_at))
                calendars.bookings_per_day[key] = calendars.bookings_per_day.get(key, 0) + 1
            if hold_expires_at and (calendars.stale_at is None or hold_expires_at < calendars.stale_at):
                calendars.stale_at = hold_expires_at
        if around is not None and len(ids) > 1:  # who has fewest bookings that day takes the slot
            day = clinic_time.local_date(around.start)
            that_day = clinic_time.days(day, day)
            bookings = Booking.objects.blocking_at(now).filter(practitioner__in=ids)
            if ignoring is not None:
                bookings = bookings.exclude(pk=ignoring.pk)
            counts = bookings.filter(starts_at__gte=that_day.start, starts_at__lt=that_day.end)
            for pk, count in counts.values_list("practitioner_id").annotate(count=Count("pk")).order_by():
                calendars.bookings_per_day[(pk, day)] = count
        return calendars

    def candidates(self, practitioner: Practitioner, days: Iterable[date], rules: SlotRules) -> list[Span]:
        """Slots inside `practitioner`'s weekly hours, ignoring bookings and time off."""
        return [slot for day in days for slot in clinic_time.candidate_slots(self.working(practitioner, day), rules)]

    def working(self, practitioner: Practitioner, day: date) -> list[Span]:
        """The instants of `practitioner`'s weekly hours on `day`."""
        return clinic_time.opening_spans(day, self.hours[practitioner.pk].get(day.weekday(), ()))

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
            day = clinic_time.local_date(slot.start)
            by_day[day].append(OpenSlot(slot, tuple(self.in_assignment_order(free_for[slot], day))))
        return by_day

    def in_assignment_order(self, practitioners: Iterable[Practitioner], day: date) -> list[Practitioner]:
        """Fewest bookings that day first, then by slug: spreads the load and is deterministic."""
        return sorted(practitioners, key=lambda p: (self.bookings_per_day.get((p.pk, day), 0), p.slug))


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
    calendars = Calendars.offering(
        appointment_type, first_day, last_day, now=now, practitioner=practitioner, ignoring=ignoring
    )
    days = clinic_time.days_between(first_day, last_day)
    by_day = calendars.open_slots(days, slot_rules(appointment_type), BookingWindow.unbounded())
    return {day: OpenDay(tuple(slots), calendars.stale_at) for day, slots in by_day.items()}


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
