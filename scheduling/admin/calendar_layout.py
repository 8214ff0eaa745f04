"""The week calendar's layout as plain arithmetic: minutes of a day become rows of a CSS grid.

No Django and no clock here (an import-linter contract keeps it so): the view turns spans into minutes
after the local midnight of their day, and this module says which rows each block covers, which free
minutes become clickable cells and where "now" is. Tests cover it without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

DAY_MINUTES = 24 * 60


def minute_of_day(local_moment: datetime, day: date) -> int:
    """Minutes from `day`'s local midnight to a local wall-clock moment: negative before that day, beyond
    1440 after it (a span reaching across midnight)."""
    days_after = (local_moment.date() - day).days
    return days_after * DAY_MINUTES + local_moment.hour * 60 + local_moment.minute


@dataclass(frozen=True)
class Placement:
    """Where a block sits: its first grid row (1-based, as CSS counts) and how many rows it spans."""

    row: int
    rows: int


@dataclass(frozen=True)
class Scale:
    """A day's rows from `first_minute` to `last_minute`, `row_minutes` each."""

    first_minute: int
    last_minute: int
    row_minutes: int = 5

    @property
    def rows(self) -> int:
        return -(-(self.last_minute - self.first_minute) // self.row_minutes)

    def place(self, start_minute: int, end_minute: int) -> Placement | None:
        """The rows a span covers, clipped to the scale; None when none of it is on the scale. A span
        shorter than a row still gets one row, so it can be seen and clicked."""
        start, end = max(start_minute, self.first_minute), min(end_minute, self.last_minute)
        if end <= start:
            return None
        first = (start - self.first_minute) // self.row_minutes
        last = -(-(end - self.first_minute) // self.row_minutes)
        return Placement(row=first + 1, rows=max(1, last - first))

    def hours(self) -> list[tuple[int, Placement]]:
        """Each whole hour on the scale (as minutes of the day) and the row its label takes."""
        first_hour = -(-self.first_minute // 60) * 60
        marks = []
        for minute in range(first_hour, self.last_minute, 60):
            placed = self.place(minute, min(minute + 60, self.last_minute))
            if placed is not None:
                marks.append((minute, placed))
        return marks


def scale_around(spans: list[tuple[int, int]], *, default: tuple[int, int], row_minutes: int = 5) -> Scale:
    """The scale that shows every span (clipped to the day), on whole hours, at least `default`'s hours."""
    first = min([default[0], *(start for start, _ in spans)])
    last = max([default[1], *(end for _, end in spans)])
    first, last = max(0, first), min(DAY_MINUTES, last)
    return Scale(first // 60 * 60, -(-last // 60) * 60, row_minutes)


def cells(start_minute: int, end_minute: int, every: int) -> list[tuple[int, int]]:
    """A free span cut into clickable cells on multiples of `every` minutes: (start, end) of each. A piece
    shorter than `every` at either edge joins its neighbour, so every cell is big enough to click (WCAG's
    target size); a span shorter than `every` is one cell."""
    inner = list(range(-(-start_minute // every) * every, end_minute, every))
    edges = [start_minute, *(edge for edge in inner if edge > start_minute), end_minute]
    if len(edges) > 2 and edges[1] - edges[0] < every:
        del edges[1]
    if len(edges) > 2 and edges[-1] - edges[-2] < every:
        del edges[-2]
    return list(pairwise(edges))


def clock(minute: int) -> str:
    """'HH:MM' of a minute of the day."""
    minute %= DAY_MINUTES
    return f"{minute // 60:02d}:{minute % 60:02d}"
