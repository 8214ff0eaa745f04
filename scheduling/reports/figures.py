"""The reports' arithmetic over plain values: no Django, no database, no clock.

`scheduling.reports.reading` fetches the rows (aggregated where the database does it cheaply) and hands
them here; the brute-force test recomputes every figure from raw bookings and compares.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduling.slots import Span, subtract

# Booking statuses as stored (scheduling.models.BookingStatus; a test keeps these in step). Holds, lapsed or
# let go, never were appointments; a cancelled booking gave its time back.
CONFIRMED, CHECKED_IN, COMPLETED, NO_SHOW = "confirmed", "checked_in", "completed", "no_show"
TAKES_TIME = frozenset({CONFIRMED, CHECKED_IN, COMPLETED, NO_SHOW})
NO_REASON = "no reason given"
PATIENT, STAFF = "patient", "staff"

# Lead-time buckets for the chart: (label, from, to), to exclusive; a booking made after its start (entered
# afterwards at the desk) counts as under a day.
LEAD_TIME_BUCKETS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("under 1 day", timedelta.min, timedelta(days=1)),
    ("1 day", timedelta(days=1), timedelta(days=2)),
    ("2-6 days", timedelta(days=2), timedelta(days=7)),
    ("1-2 weeks", timedelta(days=7), timedelta(days=14)),
    ("2-4 weeks", timedelta(days=14), timedelta(days=28)),
    ("4 weeks or more", timedelta(days=28), None),
)


@dataclass(frozen=True)
class StatusCount:
    """Bookings of one status starting on one clinic-local day, split by whether they had started by now."""

    day: date
    status: str
    started: bool
    bookings: int
    minutes: int  # their appointments' own minutes (starts_at to ends_at, no buffers)


@dataclass(frozen=True)
class Cancellation:
    day: date  # the day the booking was to start
    late: bool  # scheduling.patients.history.cancelled_late
    by: str  # "patient", "staff" or "" (imported without it)
    reason: str


@dataclass(frozen=True)
class DayCount:
    day: date
    part: int
    whole: int

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Ratio:
    """A part of a whole over the range, and the same per day (every day of the range, zeros included)."""

    part: int
    whole: int
    days: tuple[DayCount, ...]

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    by_patient: int
    by_staff: int
    by_nobody_recorded: int = 0

    @property
    def total(self) -> int:
        return self.by_patient + self.by_staff + self.by_nobody_recorded


@dataclass(frozen=True)
class LeadTime:
    bookings: int
    median: timedelta | None
    p90: timedelta | None
    mean: timedelta | None
    buckets: tuple[tuple[str, int], ...]


def days_of(first_day: date, last_day: date) -> list[date]:
    return [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def ratio_by_day(counts: Iterable[tuple[date, int, int]], days: Sequence[date]) -> Ratio:
    """(day, part, whole) triples summed per day; days outside `days` are left out."""
    parts: dict[date, int] = defaultdict(int)
    wholes: dict[date, int] = defaultdict(int)
    for day, part, whole in counts:
        parts[day] += part
        wholes[day] += whole
    series = tuple(DayCount(day, parts[day], wholes[day]) for day in days)
    return Ratio(sum(d.part for d in series), sum(d.whole for d in series), series)


def minutes(spans: Iterable[Span]) -> int:
    return minutes_of(sum((span.end - span.start for span in spans), timedelta()))


def minutes_of(length: timedelta | None) -> int:
    return 0 if length is None else int(length.total_seconds() // 60)


def open_minutes(working: Mapping[tuple[int, date], list[Span]], closed: Mapping[int, list[Span]]) -> dict[date, int]:
    """Per day, the minutes of the practitioners' weekly hours left after closures and their time off."""
    by_day: dict[date, int] = defaultdict(int)
    for (practitioner, day), spans in working.items():
        by_day[day] += minutes(subtract(spans, closed.get(practitioner, ())))
    return dict(by_day)


def utilisation(open_by_day: Mapping[date, int], counts: Iterable[StatusCount], days: Sequence[date]) -> Ratio:
    """Booked minutes (bookings that took the time) over open minutes."""
    booked = [(c.day, c.minutes, 0) for c in counts if c.status in TAKES_TIME]
    opened = [(day, 0, open_by_day.get(day, 0)) for day in days]
    return ratio_by_day([*booked, *opened], days)


def is_due(count: StatusCount) -> bool:
    """A visit that was due: it happened or was missed, or it is still confirmed though it has started."""
    return count.status in (COMPLETED, CHECKED_IN, NO_SHOW) or (count.status == CONFIRMED and count.started)


def no_shows(counts: Iterable[StatusCount], days: Sequence[date]) -> Ratio:
    """No-shows over visits due."""
    return ratio_by_day(
        ((c.day, c.bookings if c.status == NO_SHOW else 0, c.bookings if is_due(c) else 0) for c in counts), days
    )


def late_cancellations(cancellations: Iterable[Cancellation], days: Sequence[date]) -> Ratio:
    """Late cancellations over all cancellations."""
    return ratio_by_day(((c.day, int(c.late), 1) for c in cancellations), days)


def normalised_reason(text: str) -> str:
    """One spelling per reason: trimmed, spaces collapsed, lower case, no closing full stop."""
    plain = re.sub(r"\s+", " ", text).strip().rstrip(".!").strip().casefold()
    return plain or NO_REASON


def reasons(cancellations: Iterable[Cancellation]) -> list[ReasonCount]:
    """Cancellations per normalised reason and by whom, the commonest first."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cancellation in cancellations:
        counts[normalised_reason(cancellation.reason)][cancellation.by] += 1
    rows = [
        ReasonCount(
            reason,
            by_patient=by[PATIENT],
            by_staff=by[STAFF],
            by_nobody_recorded=sum(n for who, n in by.items() if who not in (PATIENT, STAFF)),
        )
        for reason, by in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row.total, row.reason))


def nearest_rank(ordered: Sequence[timedelta], share: float) -> timedelta:
    """The smallest value with at least `share` of the values at or below it."""
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def lead_time(leads: Iterable[timedelta]) -> LeadTime:
    """From booking to visit (starts_at - created_at): median, 90th percentile (nearest rank), mean, buckets."""
    ordered = sorted(leads)
    buckets = tuple(
        (label, sum(1 for lead in ordered if low <= lead and (high is None or lead < high)))
        for label, low, high in LEAD_TIME_BUCKETS
    )
    if not ordered:
        return LeadTime(0, None, None, None, buckets)
    mean = sum(ordered, timedelta()) / len(ordered)
    return LeadTime(len(ordered), statistics.median(ordered), nearest_rank(ordered, 0.9), mean, buckets)


def in_days(value: timedelta | None) -> float | None:
    return None if value is None else round(value / timedelta(days=1), 2)


def in_hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value / timedelta(hours=1), 1)


def spoken(value: timedelta | None) -> str:
    """'3 d 4 h', '5 h', '-' for none: how the page shows a lead time."""
    if value is None:
        return "-"
    hours = round(value / timedelta(hours=1))
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if days else f"{hours} h"


@dataclass(frozen=True)
class Report:
    """Every figure for one range of days and one practitioner (or everyone)."""

    first_day: date
    last_day: date
    practitioner: str | None  # a slug, or None for everyone reached
    made_at: datetime
    utilisation: Ratio
    no_shows: Ratio
    late_cancellations: Ratio
    reasons: list[ReasonCount]
    lead_time: LeadTime
    more: tuple[tuple[str, Ratio], ...]  # the registered figures' names and values (scheduling.reports.registry)
