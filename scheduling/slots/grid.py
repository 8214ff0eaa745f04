"""Slots on an appointment type's grid, and which of them are free."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling.slots.spans import Span, SpanIndex

NO_TIME = timedelta(0)


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
