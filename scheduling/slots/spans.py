"""Half-open spans of time and the set operations slot arithmetic needs."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Span:
    """A half-open interval of time [start, end)."""

    start: datetime
    end: datetime

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def widened(self, before: timedelta, after: timedelta) -> Span:
        return Span(self.start - before, self.end + after)


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
