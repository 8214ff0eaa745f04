"""What a schedule change does to bookings already made: a closure, time off or new weekly hours that leave
confirmed bookings (and live holds) outside working time, what staff decide for each, and carrying it out.

`affected` lists the stranded bookings in one query; `free_times` offers new times from the same calendars
availability reads, as if the change were saved; `apply` saves the change and carries out every decision
through the write path in one transaction, or nothing at all while any booking lacks an answer or a move's
time is taken. Admin and staff API both come here, so they cannot disagree on what a change hits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q

from scheduling import bookings, clinic_time
from scheduling.models import AppointmentType, Booking, ClinicClosure, OpeningHours, Practitioner, TimeOff
from scheduling.open_days import BookableTime
from scheduling.reference import Hours, reference_data
from scheduling.rules import BookingError, RequestedSlot
from scheduling.slots import Span

CANCEL, MOVE, OFFER, KEEP = "cancel", "move", "offer", "keep"
ACTIONS = {
    CANCEL: "cancel and notify",
    MOVE: "move and notify",
    OFFER: "offer new times",
    KEEP: "keep (an exception)",
}
# What "apply to all" may say: a move needs a time of its own.
DEFAULT_ACTIONS = (CANCEL, OFFER, KEEP)
# How far ahead new times are looked for, from the stranded booking's day.
FREE_TIMES_DAYS = 7
FREE_TIMES_SHOWN = 12

Interval = tuple[int, time, time]  # weekday, opens, closes


@dataclass(frozen=True)
class ScheduleChange:
    """A proposed change to when bookings may happen: newly `closed` time (for one practitioner, or for
    everyone when `practitioner` is None), or one practitioner's new weekly `hours`; and how to save it."""

    save: Callable[[], object]
    practitioner: Practitioner | None = None
    closed: Span | None = None
    hours: Hours | None = None
    description: str = ""

    @classmethod
    def closure(cls, closure: ClinicClosure, save: Callable[[], object] | None = None) -> ScheduleChange:
        return cls(save or closure.save, closed=closure.span(), description=f"closure '{closure.name}'")

    @classmethod
    def time_off(cls, time_off: TimeOff, save: Callable[[], object] | None = None) -> ScheduleChange:
        return cls(
            save or time_off.save,
            practitioner=time_off.practitioner,
            closed=Span(time_off.starts_at, time_off.ends_at),
            description=f"time off of {time_off.practitioner}",
        )

    @classmethod
    def new_hours(
        cls, practitioner: Practitioner, intervals: Iterable[Interval], save: Callable[[], object]
    ) -> ScheduleChange:
        hours: Hours = defaultdict(list)
        for weekday, opens, closes in sorted(intervals):
            hours[weekday].append((opens, closes))
        return cls(save, practitioner=practitioner, hours=dict(hours), description=f"hours of {practitioner}")

    @classmethod
    def hitting_nothing(cls, save: Callable[[], object]) -> ScheduleChange:
        """Deleting a closure or time off only frees time."""
        return cls(save)

    @property
    def hits_anything(self) -> bool:
        return self.closed is not None or self.hours is not None

    def strands(self, booking: Booking) -> bool:
        """Whether the booking's own time falls in the newly closed time or outside the new hours."""
        appointment = Span(booking.starts_at, booking.ends_at)
        if self.closed is not None:
            return appointment.overlaps(self.closed)
        if self.hours is not None:
            day = clinic_time.local_date(booking.starts_at)
            working = clinic_time.opening_spans(day, self.hours.get(day.weekday(), ()))
            return not any(span.start <= appointment.start and appointment.end <= span.end for span in working)
        return False

    def as_if_saved(self, bookable: BookableTime) -> BookableTime:
        """The bookable time with this change in its calendars (they are the caller's own copies)."""
        calendars = bookable.calendars
        for pk in calendars.closed:
            if self.closed is not None and (self.practitioner is None or self.practitioner.pk == pk):
                calendars.closed[pk] = [*calendars.closed[pk], self.closed]
            if self.hours is not None and self.practitioner.pk == pk:
                calendars.hours[pk] = self.hours
        return bookable


def hours_after_change(
    practitioner: Practitioner, *, replacing: OpeningHours | None = None, adding: Interval | None = None
) -> list[Interval]:
    """The practitioner's weekly hours with one interval changed, added (`adding` alone) or removed
    (`replacing` alone)."""
    kept = [
        (h.weekday, h.opens_at, h.closes_at)
        for h in practitioner.opening_hours.all()
        if replacing is None or h.pk != replacing.pk
    ]
    return [*kept, adding] if adding else kept


@dataclass(frozen=True)
class Stranded:
    """A booking a change leaves outside working time. A patient's hold names nobody: it is released."""

    booking: Booking

    @property
    def is_hold(self) -> bool:
        return self.booking.status == Booking.Status.HELD

    @property
    def reference(self) -> str:
        return self.booking.reference


def affected(change: ScheduleChange, now: datetime) -> list[Stranded]:
    """Confirmed bookings and live holds still to come that `change` strands, by start (one query)."""
    if not change.hits_anything:
        return []
    live = Q(status=Booking.Status.CONFIRMED) | Q(status=Booking.Status.HELD, hold_expires_at__gt=now)
    candidates = Booking.objects.filter(live, ends_at__gt=now).select_related(
        "practitioner", "appointment_type", "patient"
    )
    if change.practitioner is not None:
        candidates = candidates.filter(practitioner=change.practitioner)
    if change.closed is not None:
        candidates = candidates.filter(starts_at__lt=change.closed.end, ends_at__gt=change.closed.start)
    return [Stranded(b) for b in candidates.order_by("starts_at", "pk") if change.strands(b)]


@dataclass(frozen=True)
class FreeTime:
    start: datetime
    practitioner: Practitioner

    @property
    def key(self) -> str:
        """How a form or the API names it: the start's ISO instant and the practitioner's slug."""
        return f"{self.start.isoformat()}|{self.practitioner.slug}"


def free_times(change: ScheduleChange, stranded: list[Stranded], now: datetime) -> dict[str, list[FreeTime]]:
    """{reference: free times to move it to}: the same type's free slots from its day on, with the change
    as if saved, the booking's own practitioner first. One calendar load per appointment type."""
    hit = [s.booking for s in stranded if not s.is_hold]
    by_type: dict[int, list[Booking]] = defaultdict(list)
    for booking in hit:
        by_type[booking.appointment_type_id].append(booking)
    found: dict[str, list[FreeTime]] = {}
    offered = {t.pk for t in reference_data().types.values()}  # active types: only they have free times
    for group in by_type.values():
        kind: AppointmentType = group[0].appointment_type
        if kind.pk not in offered:
            found.update({b.reference: [] for b in group})
            continue
        first = max(clinic_time.today(), min(clinic_time.local_date(b.starts_at) for b in group))
        last = max(clinic_time.local_date(b.starts_at) for b in group) + timedelta(days=FREE_TIMES_DAYS)
        bookable = change.as_if_saved(BookableTime.load(kind, first, last, now=now))
        free = sorted((slot.start, p.slug, p) for p in bookable.practitioners for slot in bookable.free(p))
        for booking in group:
            day = clinic_time.local_date(booking.starts_at)
            options = [
                FreeTime(start, p)
                for start, _, p in free
                if clinic_time.local_date(start) >= day and start != booking.starts_at
            ]
            options.sort(key=lambda o: (o.practitioner.pk != booking.practitioner_id, o.start))
            found[booking.reference] = sorted(options[:FREE_TIMES_SHOWN], key=lambda o: (o.start, o.practitioner.slug))
    return found


@dataclass(frozen=True)
class Decision:
    """What staff decide for one stranded booking; a move names its new start (and practitioner)."""

    action: str
    starts_at: datetime | None = None
    practitioner: Practitioner | None = None


@dataclass(frozen=True)
class Decisions:
    """A decision per booking reference, and a default for any not named."""

    each: dict[str, Decision] = field(default_factory=dict)
    default: Decision | None = None

    def of(self, stranded: Stranded) -> Decision | None:
        return self.each.get(stranded.reference) or self.default


class UnansweredBookings(BookingError):
    """The change strands bookings nobody decided for: nothing was saved."""

    code = "unanswered_bookings"

    def __init__(self, unanswered: list[Stranded]):
        count = len(unanswered)
        super().__init__(
            f"This change leaves {count} booking{'s' if count != 1 else ''} outside working time: decide for "
            "each (cancel, move, offer new times or keep) before it is saved.",
            field="affected_bookings",
        )
        self.unanswered = unanswered


def unanswered(stranded: list[Stranded], decisions: Decisions) -> list[Stranded]:
    """The bookings (not holds: those are released) without a decision, or with a move to no time."""
    missing = []
    for hit in stranded:
        decision = decisions.of(hit)
        if hit.is_hold:
            continue
        if decision is None or decision.action not in ACTIONS or (decision.action == MOVE and not decision.starts_at):
            missing.append(hit)
    return missing


@dataclass(frozen=True)
class Applied:
    """What `apply` did: the saved change's result and each booking's outcome ({reference: action})."""

    saved: object
    outcomes: dict[str, str]


def apply(
    change: ScheduleChange,
    decisions: Decisions | None,
    *,
    by: bookings.Actor,
    via: str,
    reason: str = "",
    now: datetime | None = None,
) -> Applied:
    """Save the change and carry out every decision, in one transaction; BookingError (UnansweredBookings,
    a move's time taken, a booking changed meanwhile) leaves everything as it was. No decisions at all
    (None) refuses anything stranded, holds too: the caller has not seen what the change hits."""
    now = now or clinic_time.now()
    with transaction.atomic():
        stranded = affected(change, now)  # again, inside the transaction: a booking made since counts too
        if decisions is None:
            if stranded:
                raise UnansweredBookings(stranded)
            decisions = Decisions()
        missing = unanswered(stranded, decisions)
        if missing:
            raise UnansweredBookings(missing)
        saved = change.save()
        outcomes = {}
        for hit in stranded:
            outcomes[hit.reference] = _carry_out(hit, decisions.of(hit), by=by, via=via, reason=reason, now=now)
    return Applied(saved, outcomes)


def _carry_out(hit: Stranded, decision: Decision | None, *, by, via: str, reason: str, now: datetime) -> str:
    booking = hit.booking
    if hit.is_hold:
        bookings.release_hold(booking, by=by, via=via, now=now)
        return "released"
    if decision.action == CANCEL:
        bookings.cancel(booking, by=by, via=via, reason=f"{bookings.SCHEDULE_CHANGED}{reason}", now=now)
    elif decision.action == MOVE:
        requested = RequestedSlot.of(booking.appointment_type, decision.starts_at, decision.practitioner)
        try:
            bookings.reschedule(booking, requested, by=by, via=via, now=now)
        except BookingError as error:
            raise type(error)(
                f"{booking.reference}: {error.message}", field="affected_bookings", code=error.code
            ) from None
    elif decision.action == OFFER:
        bookings.offer_new_times(booking, by=by, via=via, reason=reason, now=now)
    else:
        bookings.keep_despite_change(booking, by=by, via=via, reason=reason, now=now)
    return decision.action


def describe(stranded: Stranded) -> str:
    """'Wed 2026-12-09 10:00, Dr Rao, Consultation': how staff lists name a stranded booking."""
    b = stranded.booking
    return f"{clinic_time.for_staff(b.starts_at)}, {b.practitioner.name}, {b.appointment_type.name}"


def parse_instant(value: str) -> datetime | None:
    """An ISO instant as a form or the API sends it; None when it is not one (or has no offset)."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


__all__ = [
    "ACTIONS",
    "Applied",
    "Decision",
    "Decisions",
    "FreeTime",
    "ScheduleChange",
    "Stranded",
    "UnansweredBookings",
    "affected",
    "apply",
    "free_times",
    "hours_after_change",
    "unanswered",
]
