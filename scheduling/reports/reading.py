"""The rows a report needs, in a fixed number of queries whatever the number of bookings or days.

- open time: the practitioners' weekly hours, closures and time off (`Calendars`, without blocked time);
- bookings per UTC hour (which add up to local days), status and "started by now", counted and their
  minutes summed in the database (`scheduling.reports.sql`: the engine's own SQL, no per-row Python);
- the cancelled bookings, one narrow row each (the late rule needs each one's start, time and type);
- each taking booking's lead time (starts_at - created_at, to the millisecond), one value each: a median
  needs them all;
- one query per registered figure (the waitlist's fill rate).

The arithmetic is `scheduling.reports.figures`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db.models import BooleanField, Case, Count, F, FloatField, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, TruncDate

from scheduling import clinic_time, roles
from scheduling.calendars import Calendars
from scheduling.models import Booking, Practitioner
from scheduling.patients.history import cancelled_late
from scheduling.reference import reference_data
from scheduling.reports import figures, registry, sql
from scheduling.reports.figures import Cancellation, Report, StatusCount

MAX_DAYS = 366
DEFAULT_DAYS = 28  # the last four weeks, today included


class RangeRefused(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def days_asked(first_day: date | None, last_day: date | None, today: date) -> tuple[date, date]:
    """The days a report covers: as asked, defaulting to the four weeks up to today; at most MAX_DAYS."""
    last = last_day or (first_day + timedelta(days=DEFAULT_DAYS - 1) if first_day else today)
    first = first_day or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise RangeRefused("to", "to cannot be before from.")
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeRefused("to", f"A report covers at most {MAX_DAYS} days.")
    return first, last


LENGTH = sql.SecondsBetween("starts_at", "ends_at")
# A seat of a group session takes a capacity-th of the session's time: twelve seats of a ten-minute session
# book ten minutes of the practitioner, not two hours.
SHARE_OF_TIME = LENGTH / Cast(Coalesce(F("session__capacity"), Value(1)), FloatField())
LEAD = sql.SecondsBetween("created_at", "starts_at")


def bookings_starting(first_day: date, last_day: date, practitioner_ids: Sequence[int]):
    """Appointments (never holds) of these practitioners starting on the clinic-local days."""
    return (
        Booking.objects.filter(practitioner_id__in=practitioner_ids)
        .starting_on(first_day, last_day)
        .exclude(status__in=Booking.HOLD_STATUSES)
        .order_by()
    )


def status_counts(first_day: date, last_day: date, practitioner_ids: Sequence[int], now: datetime) -> list[StatusCount]:
    zone = clinic_time.zone()
    by_hour = sql.hours_make_days(zone, first_day, last_day)
    started = Case(When(starts_at__lte=now, then=Value(True)), default=Value(False), output_field=BooleanField())
    rows = (
        bookings_starting(first_day, last_day, practitioner_ids)
        .annotate(when=sql.UtcHour("starts_at") if by_hour else TruncDate("starts_at", tzinfo=zone), started=started)
        .values("when", "status", "started")
        .annotate(bookings=Count("pk"), seconds=Sum(SHARE_OF_TIME))
    )
    counted: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for row in rows:
        day = sql.local_day_of_hour(row["when"], zone) if by_hour else row["when"]
        totals = counted[(day, row["status"], bool(row["started"]))]
        totals[0] += row["bookings"]
        totals[1] += float(row["seconds"] or 0)
    return [
        StatusCount(day, status, started, bookings, figures.minutes_of(timedelta(seconds=round(seconds))))
        for (day, status, started), (bookings, seconds) in counted.items()
    ]


def cancellations(first_day: date, last_day: date, practitioner_ids: Sequence[int]) -> list[Cancellation]:
    rows = (
        bookings_starting(first_day, last_day, practitioner_ids)
        .filter(status=Booking.Status.CANCELLED)
        .values_list(
            "starts_at",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "appointment_type__patient_change_cutoff_minutes",
        )
    )
    return [
        Cancellation(clinic_time.local_date(starts_at), cancelled_late(starts_at, at, by, cutoff), by, reason)
        for starts_at, at, by, reason, cutoff in rows
    ]


def lead_times(first_day: date, last_day: date, practitioner_ids: Sequence[int]):
    taking = bookings_starting(first_day, last_day, practitioner_ids).filter(status__in=figures.TAKES_TIME)
    leads = taking.annotate(lead=LEAD).values_list("lead", flat=True)
    return [timedelta(milliseconds=round(float(seconds) * 1000)) for seconds in leads]


def open_minutes(first_day: date, last_day: date, practitioners: Sequence[Practitioner], now: datetime):
    calendars = Calendars.load(first_day, last_day, practitioners, now=now, blocked=False)
    working = {
        (p.pk, day): calendars.working(p, day) for p in practitioners for day in figures.days_of(first_day, last_day)
    }
    return figures.open_minutes(working, calendars.closed)


def report(
    first_day: date, last_day: date, practitioners: Sequence[Practitioner], *, chosen: str | None, now: datetime
) -> Report:
    """Every figure over the days for these practitioners (the ones the asker reaches, or the one chosen)."""
    ids = [p.pk for p in practitioners]
    days = figures.days_of(first_day, last_day)
    counts = status_counts(first_day, last_day, ids, now)
    cancelled = cancellations(first_day, last_day, ids)
    scope = registry.Scope(first_day, last_day, tuple(ids), now)
    return Report(
        first_day=first_day,
        last_day=last_day,
        practitioner=chosen,
        made_at=now,
        utilisation=figures.utilisation(open_minutes(first_day, last_day, practitioners, now), counts, days),
        no_shows=figures.no_shows(counts, days),
        late_cancellations=figures.late_cancellations(cancelled, days),
        reasons=figures.reasons(cancelled),
        lead_time=figures.lead_time(lead_times(first_day, last_day, ids)),
        more=tuple((name, figure.compute(scope)) for name, figure in registry.FIGURES.items()),
    )


def practitioners_for(user, slug: str | None = None) -> list[Practitioner]:
    """The active practitioners whose figures `user` may see (scheduling/roles.py), or only the one `slug`
    names (none if it is not among them). Inactive practitioners have no hours, so no open time to report."""
    reached = set(roles.practitioners_reached(user).values_list("pk", flat=True))
    active = sorted(reference_data().practitioners.values(), key=lambda p: p.name)
    return [p for p in active if p.pk in reached and (slug is None or p.slug == slug)]
