"""Free-slot arithmetic over plain values: no Django, no database, no clock.

Every instant is an aware datetime in UTC, so adding a timedelta means real elapsed minutes even on the
days clocks change; wall-clock times enter and leave only through `wall_clock`. "Now" arrives as a
parameter (`not_before`), so the API, the admin, the shell and property tests all get the same answers.
"""

from scheduling.slots.grid import NO_TIME, SlotRules, candidate_slots, free_slots
from scheduling.slots.spans import Span, SpanIndex, merged, subtract
from scheduling.slots.wall_clock import day_span, instant, open_spans, wall_time_exists

__all__ = [
    "NO_TIME",
    "SlotRules",
    "Span",
    "SpanIndex",
    "candidate_slots",
    "day_span",
    "free_slots",
    "instant",
    "merged",
    "open_spans",
    "subtract",
    "wall_time_exists",
]
