"""Where wall-clock times on local dates become UTC instants, the days clocks change included.

The zone is always a parameter: knowing which zone is the clinic's is `scheduling.clinic_time`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.slots.spans import Span


def instant(day: date, wall_time: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time; a time skipped by a clock change maps past the gap."""
    return datetime.combine(day, wall_time, tzinfo=tz).astimezone(UTC)


def wall_time_exists(day: date, wall_time: time, tz: ZoneInfo) -> bool:
    """False for the wall-clock times a spring-forward change skips on `day`."""
    local = datetime.combine(day, wall_time, tzinfo=tz)
    return local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None)


def day_span(first_day: date, last_day: date, tz: ZoneInfo) -> Span:
    """From local midnight starting `first_day` to local midnight ending `last_day`."""
    return Span(instant(first_day, time(0), tz), instant(last_day + timedelta(days=1), time(0), tz))


def open_spans(day: date, hours: Iterable[tuple[time, time]], tz: ZoneInfo) -> list[Span]:
    """The instants covered by a day's (opens, closes) wall-clock intervals."""
    spans = (Span(instant(day, opens, tz), instant(day, closes, tz)) for opens, closes in hours)
    return sorted(span for span in spans if span.start < span.end)
