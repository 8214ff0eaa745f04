"""Practitioners' calendars read from the database as plain spans, and the free slots they leave.

("Calendar" is a bookable resource's time: today a practitioner's.) The arithmetic itself is in
`scheduling.slots`; loading costs a fixed number of queries whatever the length of the range or the
number of bookings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from scheduling import clinic_time
from scheduling.models import AppointmentType, Booking, ClinicClosure, GroupSession, Practitioner, TimeOff
from scheduling.reference import Hours, reference_data, time_off_spans
from scheduling.rules import BookingWindow, SlotRules
from scheduling.slots import Span, free_slots


@dataclass(frozen=True)
class OpenSlot:
    """A free slot and the practitioners free for it; for a group type, how many seats are left at it."""

    span: Span
    practitioners: tuple[Practitioner, ...]
    seats_left: int | None = None


@dataclass(frozen=True)
class SessionSeats:
    """A group session already under way at a slot: its id, capacity and the seats taken at `now`."""

    pk: int
    capacity: int
    taken: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.taken)


@dataclass
class Calendars:
    """The calendars of some practitioners over some days, as plain spans."""

    tz: ZoneInfo
    practitioners: list[Practitioner]
    hours: dict[int, Hours] = field(default_factory=dict)
    closed: dict[int, list[Span]] = field(default_factory=dict)
    busy: dict[int, list[Span]] = field(default_factory=dict)
    # The group session each busy span is a seat of (None for other bookings), in the order of `busy`.
    busy_sessions: dict[int, list[int | None]] = field(default_factory=dict)
    bookings_per_day: dict[tuple[int, date], int] = field(default_factory=dict)
    # A group type's sessions under way: (practitioner id, start) -> its seats.
    sessions: dict[tuple[int, datetime], SessionSeats] = field(default_factory=dict)
    clinic_closed: list[Span] = field(default_factory=list)

    # The earliest instant a hold counted as busy here lapses: from then on this picture is out of date.
    stale_at: datetime | None = None

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
        blocked: bool = True,
        sessions_of: AppointmentType | None = None,
    ) -> Calendars:
        """The practitioners' hours, time away and blocked time over the days, as seen at `now`.

        `ignoring` leaves one booking out, so a booking being moved does not block its own new time.
        `around` narrows the blocked time read to what overlaps one slot (with its buffers), for a check of
        that slot alone: each practitioner's bookings that day are then counted, not read. `blocked=False`
        reads hours and time away only (the reports' open time), leaving `busy` empty. `sessions_of` (a group
        type) also reads its sessions under way, with their seats taken.
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
            time_off = time_off_spans(TimeOff.objects.filter(practitioner__in=ids, ends_at__gt=reach.start))
        clinic_closed = [c.span() for c in closures if c.first_day <= last_day and c.last_day >= first_day]
        calendars.clinic_closed = clinic_closed
        for pk in ids:
            calendars.hours[pk] = reference.hours[pk]
            their_time_off = [off for off in time_off.get(pk, ()) if off.overlaps(reach)]
            calendars.closed[pk] = [*clinic_closed, *their_time_off]
            calendars.busy[pk] = []
            calendars.busy_sessions[pk] = []

        if not blocked:
            return calendars
        read_within = around or reach
        excluding = ignoring and ignoring.pk
        blocked = Booking.objects.blocked_times(ids, read_within.start, read_within.end, now, excluding=excluding)
        for pk, starts_at, blocked_from, blocked_until, hold_expires_at, session in blocked:
            calendars.busy[pk].append(Span(blocked_from, blocked_until))
            calendars.busy_sessions[pk].append(session)
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
        if sessions_of is not None and sessions_of.is_group and ids:
            calendars.sessions = _sessions(sessions_of, ids, read_within, now, ignoring)
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
        """`practitioner`'s free slots on the days, inside the booking window."""
        return self.free_among(practitioner, self.candidates(practitioner, days, rules), rules, window)

    def is_free(self, practitioner: Practitioner, slot: Span, rules: SlotRules, window: BookingWindow) -> bool:
        """Whether one slot, already known to be on the practitioner's grid, is free for them."""
        return bool(self.free_among(practitioner, [slot], rules, window))

    def free_among(
        self, practitioner: Practitioner, candidates: list[Span], rules: SlotRules, window: BookingWindow
    ) -> list[Span]:
        """The candidates free for `practitioner`. A slot where one of their group sessions is under way is
        free while it has seats left: its own seats do not block it."""
        pk = practitioner.pk
        under_way = {slot: self.sessions[(pk, slot.start)] for slot in candidates if (pk, slot.start) in self.sessions}
        free = free_slots(
            candidates=[slot for slot in candidates if slot not in under_way],
            rules=rules,
            closed=self.closed[pk],
            busy=self.busy[pk],
            not_before=window.opens,
            not_after=window.closes,
        )
        for slot, session in under_way.items():
            others = [span for span, of in zip(self.busy[pk], self.busy_sessions[pk], strict=True) if of != session.pk]
            if session.left and free_slots(
                candidates=[slot],
                rules=rules,
                closed=self.closed[pk],
                busy=others,
                not_before=window.opens,
                not_after=window.closes,
            ):
                free.append(slot)
        return sorted(free) if under_way else free

    def session_at(self, practitioner: Practitioner, slot: Span) -> SessionSeats | None:
        return self.sessions.get((practitioner.pk, slot.start))

    def open_slots(self, days: Sequence[date], rules: SlotRules, window: BookingWindow) -> dict[date, list[OpenSlot]]:
        """Each day's free slots with the practitioners free for each, in the order they would be assigned."""
        free_for: dict[Span, list[Practitioner]] = defaultdict(list)
        for practitioner in self.practitioners:
            for slot in self.free(practitioner, days, rules, window):
                free_for[slot].append(practitioner)
        by_day: dict[date, list[OpenSlot]] = {day: [] for day in days}
        for slot in sorted(free_for):
            day = clinic_time.local_date(slot.start)
            by_day[day].append(OpenSlot(slot, tuple(self.in_assignment_order(free_for[slot], day, slot))))
        return by_day

    def in_assignment_order(
        self, practitioners: Iterable[Practitioner], day: date, slot: Span | None = None
    ) -> list[Practitioner]:
        """Fewest bookings that day first, then by slug: spreads the load and is deterministic. At a group
        type's slot, practitioners whose session there has seats left come first, fullest first: a session
        fills before another opens."""

        def order(p: Practitioner) -> tuple:
            session = slot and self.session_at(p, slot)
            filling = (0, session.left) if session and session.left else (1, 0)
            return (*filling, self.bookings_per_day.get((p.pk, day), 0), p.slug)

        return sorted(practitioners, key=order)


def _sessions(
    appointment_type: AppointmentType, ids: list[int], within: Span, now: datetime, ignoring: Booking | None
) -> dict[tuple[int, datetime], SessionSeats]:
    """The type's sessions starting within `within` with the seats each holds at `now`, in one query."""
    seats = Q(seats__status__in=Booking.BLOCKING) & ~Q(
        seats__status=Booking.Status.HELD, seats__hold_expires_at__lte=now
    )
    if ignoring is not None:
        seats &= ~Q(seats__pk=ignoring.pk)
    found = (
        GroupSession.objects.filter(
            appointment_type=appointment_type,
            practitioner_id__in=ids,
            starts_at__gte=within.start,
            starts_at__lt=within.end,
        )
        .annotate(taken=Count("seats", filter=seats))
        .values_list("pk", "practitioner_id", "starts_at", "capacity", "taken")
    )
    return {(pk_of, start): SessionSeats(pk, capacity, taken) for pk, pk_of, start, capacity, taken in found}
