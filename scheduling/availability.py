"""Free-slot arithmetic over plain values: no ORM, no request, no clock.

Every instant here is an aware datetime in UTC, so adding a timedelta means real elapsed minutes even on
the days clocks change; wall-clock times enter and leave only through `instant` and `open_spans`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NO_TIME = timedelta(0)


@dataclass(frozen=True, order=True)
class Span:
    """A half-open interval of time [start, end)."""

    start: datetime
    end: datetime

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def widened(self, before: timedelta, after: timedelta) -> Span:
        return Span(self.start - before, self.end + after)


@dataclass(frozen=True)
class SlotRules:
    """How one appointment type cuts time: its length, grid step and the buffers it keeps clear."""

    duration: timedelta
    step: timedelta
    buffer_before: timedelta = NO_TIME
    buffer_after: timedelta = NO_TIME

    def blocked(self, slot: Span) -> Span:
        """The time a booking of `slot` keeps from other bookings: the slot and its buffers."""
        return slot.widened(self.buffer_before, self.buffer_after)


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


def candidate_slots(spans: Iterable[Span], rules: SlotRules, tz: ZoneInfo) -> list[Span]:
    """Slots on the grid that starts at each opening time and fit inside it, ignoring bookings.

    When clocks go back a wall-clock hour happens twice; its second pass offers nothing, so each
    offered "HH:MM" names exactly one instant.
    """
    slots = set()
    for span in spans:
        start = span.start
        while start + rules.duration <= span.end:
            if start.astimezone(tz).fold == 0:
                slots.add(Span(start, start + rules.duration))
            start += rules.step
    return sorted(slots)


def merged(spans: Iterable[Span]) -> list[Span]:
    """The union of `spans` as sorted, disjoint spans."""
    union: list[Span] = []
    for span in sorted(spans):
        if union and span.start <= union[-1].end:
            if span.end > union[-1].end:
                union[-1] = Span(union[-1].start, span.end)
        else:
            union.append(span)
    return union


class SpanIndex:
    """Answers "does this span overlap any of these?" in logarithmic time."""

    def __init__(self, spans: Iterable[Span]):
        self._union = merged(spans)
        self._ends = [span.end for span in self._union]

    def overlaps(self, span: Span) -> bool:
        i = bisect.bisect_right(self._ends, span.start)
        return i < len(self._union) and self._union[i].start < span.end


def free_slots(
    *,
    candidates: Sequence[Span],
    rules: SlotRules,
    closed: Iterable[Span] = (),
    busy: Iterable[Span] = (),
    not_before: datetime,
    not_after: datetime | None = None,
) -> list[Span]:
    """The candidates that start in [not_before, not_after], avoid `closed` and whose buffered span
    overlaps no `busy` span (the buffered spans of other bookings)."""
    closed_index, busy_index = SpanIndex(closed), SpanIndex(busy)
    return [
        slot
        for slot in candidates
        if slot.start >= not_before
        and (not_after is None or slot.start <= not_after)
        and not closed_index.overlaps(slot)
        and not busy_index.overlaps(rules.blocked(slot))
    ]


def subtract(spans: Iterable[Span], removed: Iterable[Span]) -> list[Span]:
    """The parts of `spans` that no span in `removed` covers."""
    holes = merged(removed)
    remaining: list[Span] = []
    for span in merged(spans):
        start = span.start
        for hole in holes:
            if hole.end <= start or hole.start >= span.end:
                continue
            if hole.start > start:
                remaining.append(Span(start, hole.start))
            start = max(start, hole.end)
        if start < span.end:
            remaining.append(Span(start, span.end))
    return remaining
